"""The groups of DESIGN §5 with their model permissions. Nobody gets a delete permission (R7)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CASE_MODELS = [
    "customers.customer",
    "customers.contact",
    "tickets.ticket",
    "tickets.callnote",
    "tickets.customernotification",
    "tickets.riskreview",
    "vendor.vendor",
    "vendor.vendorcontact",
    "vendor.programrequest",
]
WRITABLE = [
    "customers.customer",
    "customers.contact",
    "tickets.ticket",
    "tickets.callnote",
    "tickets.customernotification",
    "vendor.vendorcontact",
    "vendor.programrequest",
]


def codenames(models, actions):
    return [(m.split(".")[0], f"{action}_{m.split('.')[1]}") for m in models for action in actions]


ROLES = {
    "support": codenames(CASE_MODELS, ["view"]) + codenames(WRITABLE, ["add", "change"]),
    "management": codenames(CASE_MODELS, ["view"])
    + codenames(WRITABLE, ["add", "change"])
    + [("tickets", "change_riskreview"), ("tickets", "export_audit_trail")],
    "qmb": codenames(CASE_MODELS, ["view"]) + [("tickets", "export_audit_trail")],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in perms]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("tickets", "0002_initial"),
        ("vendor", "0002_sic"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
