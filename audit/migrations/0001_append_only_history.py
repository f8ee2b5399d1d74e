from django.db import migrations

from audit.migration_ops import install_append_only_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("tickets", "0002_initial"),
        ("vendor", "0002_sic"),
    ]

    operations = [migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop)]
