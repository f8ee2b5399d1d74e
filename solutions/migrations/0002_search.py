from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from supportdesk.search import install_search, uninstall_search

TABLE = "solutions_knownsolution"


def forwards(apps, schema_editor):
    install_search(
        schema_editor,
        TABLE,
        {"title": "A", "symptoms": "B", "solution": "C", "cause": "D"},
        trigram="title",
    )


def backwards(apps, schema_editor):
    uninstall_search(schema_editor, TABLE, trigram="title")


class Migration(migrations.Migration):
    dependencies = [("solutions", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
