from django.db import migrations

from audit.history import record_creation_in_migration


def create_sic(apps, schema_editor):
    Vendor = apps.get_model("vendor", "Vendor")
    if not Vendor.objects.filter(name="SIC").exists():
        sic = Vendor.objects.create(name="SIC", notes="Hersteller der Praxissoftware SIC SaniVision")
        record_creation_in_migration(apps, sic, reason="data migration: vendor SIC")


class Migration(migrations.Migration):
    dependencies = [("vendor", "0001_initial")]

    operations = [migrations.RunPython(create_sic, migrations.RunPython.noop)]
