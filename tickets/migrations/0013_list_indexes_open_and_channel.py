"""More PostgreSQL indexes for the ticket list (issue 14), found by timing every filter with every
sort at 1,000,000 tickets:
- "alle offenen" sorted oldest first, by number or by last change walked past the closed tickets
  (160-290 ms): the open tickets in each of those orders;
- the escalated and program-request tickets sorted by number read the open tickets' number index
  past the other states (42 ms): theirs, by number;
- the channel filter read every ticket (190-250 ms; 86 % come by phone): the others by channel,
  newest first."""

from django.db import migrations

from supportdesk.search import install_indexes, uninstall_indexes

TICKETS = {
    "tickets_ticket_open_by_created": "(created_at, id) WHERE state <> 'closed'",
    "tickets_ticket_open_by_updated": "(updated_at, id) WHERE state <> 'closed'",
    "tickets_ticket_open_by_number": "(number) WHERE state <> 'closed'",
    "tickets_ticket_escalated_number": "(number) WHERE state = 'escalated'",
    "tickets_ticket_program_request_number": "(number) WHERE state = 'program_request'",
    "tickets_ticket_channel_created": "(channel, created_at, id) WHERE channel <> 'phone'",
}


def forwards(apps, schema_editor):
    install_indexes(schema_editor, "tickets_ticket", TICKETS)


def backwards(apps, schema_editor):
    uninstall_indexes(schema_editor, TICKETS)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_risk_review_period_index")]

    operations = [migrations.RunPython(forwards, backwards)]
