from django.db import migrations

from supportdesk.search import install_search, uninstall_search

TABLE = "tickets_ticket"


def forwards(apps, schema_editor):
    install_search(
        schema_editor, TABLE, {"summary": "A", "description": "B", "solution": "C"}, trigram="summary"
    )


def backwards(apps, schema_editor):
    uninstall_search(schema_editor, TABLE, trigram="summary")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_ticket_known_solution"), ("solutions", "0002_search")]

    operations = [migrations.RunPython(forwards, backwards)]
