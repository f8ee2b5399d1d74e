"""The program-request list, newest first, read from an index (issue 14; PostgreSQL)."""

from django.db import migrations

from supportdesk.search import install_indexes, uninstall_indexes

INDEXES = {"vendor_programrequest_created": "(created_at, id)"}


def forwards(apps, schema_editor):
    install_indexes(schema_editor, "vendor_programrequest", INDEXES)


def backwards(apps, schema_editor):
    uninstall_indexes(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("vendor", "0003_vendor_contact_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
