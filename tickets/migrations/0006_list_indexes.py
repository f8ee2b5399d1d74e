"""PostgreSQL indexes for the ticket list and GET /api/v1/tickets/ (issue 14): each sort (with its
tie-break) and each filter followed by the default order, newest first, so a page of 25 is read
from an index instead of sorting every matching ticket; the ticket number by trigrams for `q`."""

from django.db import migrations

from supportdesk.search import install_indexes, uninstall_indexes

TABLE = "tickets_ticket"
DATED = "INCLUDE (state, follow_up_date) WHERE follow_up_date IS NOT NULL"
INDEXES = {
    "tickets_ticket_created": "(created_at, id)",
    "tickets_ticket_updated": "(updated_at, id)",
    # ?sort=follow_up and -follow_up: tickets without a date last in both directions.
    "tickets_ticket_follow_up": "(follow_up_date ASC NULLS LAST, created_at DESC, id DESC)",
    "tickets_ticket_follow_up_desc": "(follow_up_date DESC NULLS LAST, created_at DESC, id DESC)",
    # ?state= of an open state, in each order: the few open tickets only (closed ones are most of
    # the table, found by walking the sort's index). Open tickets are the newest: walking the number
    # or updated index for them would read most closed tickets first.
    "tickets_ticket_open_state": "(state, created_at, id) WHERE state <> 'closed'",
    "tickets_ticket_open_number": "(state, number) WHERE state <> 'closed'",
    "tickets_ticket_open_updated": "(state, updated_at, id) WHERE state <> 'closed'",
    # ?follow_up_due=true in each order: the tickets with a follow-up date (waiting on SIC), state
    # and date read from the index too. Not for ?state= alone, which does not imply a date.
    "tickets_ticket_dated_created": f"(created_at, id) {DATED}",
    "tickets_ticket_dated_number": f"(number) {DATED}",
    "tickets_ticket_dated_updated": f"(updated_at, id) {DATED}",
    "tickets_ticket_customer_created": "(customer_id, created_at, id)",
    "tickets_ticket_assignee_created": "(assignee_id, created_at, id)",
    "tickets_ticket_open_assignee": "(assignee_id, created_at, id) WHERE state <> 'closed'",  # a person's queue
    "tickets_ticket_category_created": "(category, created_at, id)",
    "tickets_ticket_risk_created": "(created_at, id) WHERE risk_relevant",
    "tickets_ticket_number_trgm": "USING gin (number gin_trgm_ops)",
}

# Only waiting tickets have a follow-up date: without these statistics PostgreSQL multiplies the two
# conditions of follow_up_due as if independent, expects 25 times too few rows and sorts them all.
STATISTICS = "tickets_ticket_state_follow_up"


def forwards(apps, schema_editor):
    install_indexes(schema_editor, TABLE, INDEXES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS {STATISTICS} (mcv) ON state, follow_up_date FROM {TABLE}")
        schema_editor.execute(f"ANALYZE {TABLE}")


def backwards(apps, schema_editor):
    uninstall_indexes(schema_editor, INDEXES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_search")]

    # pg_trgm: installed by solutions 0002, which 0005 depends on.
    operations = [migrations.RunPython(forwards, backwards)]
