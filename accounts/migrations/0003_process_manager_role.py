"""The group of the process manager (DESIGN §5): reads the case data, carries out process CAPAs and
drafts the work instruction. Model permissions: viewing the case data, as the QMB (nothing else)."""

from django.db import migrations

VIEWS = [
    ("customers", "view_customer"),
    ("customers", "view_contact"),
    ("tickets", "view_ticket"),
    ("tickets", "view_callnote"),
    ("tickets", "view_customernotification"),
    ("tickets", "view_riskreview"),
    ("vendor", "view_vendor"),
    ("vendor", "view_vendorcontact"),
    ("vendor", "view_programrequest"),
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="process_manager")
    for app, codename in VIEWS:
        permission = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        if permission is not None:
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_telephony_role")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
