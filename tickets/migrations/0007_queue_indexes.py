"""PostgreSQL indexes for the dashboard and the queues (issue 14): the tickets waiting to be closed
(the customer to be told) in the order they waited, and the pending risk reviews oldest first."""

from django.db import migrations

from supportdesk.search import install_indexes, uninstall_indexes

TICKETS = {"tickets_ticket_closable": "(state_entered_at, id) WHERE state IN ('immediate_fix', 'rejected', 'realized')"}
REVIEWS = {"tickets_riskreview_pending": "(created_at, id) WHERE state = 'pending'"}


def forwards(apps, schema_editor):
    install_indexes(schema_editor, "tickets_ticket", TICKETS)
    install_indexes(schema_editor, "tickets_riskreview", REVIEWS)


def backwards(apps, schema_editor):
    uninstall_indexes(schema_editor, {**TICKETS, **REVIEWS})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
