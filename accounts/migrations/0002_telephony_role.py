"""The group of the phone system's service account (DESIGN §5): no model permissions at all."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="telephony")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_roles")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
