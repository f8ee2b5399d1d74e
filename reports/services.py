"""Keeping the report's facts and steps (reports.models) as the history is written, in the writer's
transaction, and rebuilding them from the history.

A ticket's history rows are folded in the order they are written (`advance`): the live writer
below applies each new row to the ticket's facts (its live row is locked by the save, so rows of
one ticket come one after the other); `rebuild` folds every ticket's rows again from the start.
"""

from django.apps import apps as installed_apps
from django.db import connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Value
from django.db.models.signals import post_save
from simple_history.signals import post_create_historical_record

from reports.models import Step, TicketFacts
from tickets.models import State, Ticket
from vendor.models import VendorContact

FIRST_DECISIONS = ("fix_immediately", "escalate")
CHUNK = 5000  # tickets per batch of a rebuild
HISTORY_FIELDS = (
    "id",
    "history_date",
    "history_change_reason",
    "state",
    "category",
    "known_solution_id",
    "created_at",
)


def close_path(facts) -> str:
    """The path of a close, from the state the ticket was in before it."""
    if facts.state == State.REALIZED:
        return Step.Path.REALIZED
    if facts.state == State.REJECTED:
        return Step.Path.REJECTED
    if facts.state == State.IMMEDIATE_FIX:
        return Step.Path.SIC_FIX if facts.fixed_from == State.ESCALATED else Step.Path.SUPPORT_FIX
    return ""


def advance(facts, row) -> tuple[dict | None, str]:
    """Apply the ticket's next history row to its facts; return the step it makes (the fields of a
    close or an escalation, or None) and SIC's answer it gives to the waiting escalations ('' if none)."""
    reason = row.history_change_reason
    step = None
    if reason == "close":
        step = {
            "kind": Step.Kind.CLOSE,
            "at": row.history_date,
            "outcome": close_path(facts),
            "duration": row.history_date - row.created_at,
        }
    elif reason == "escalate":
        step = {"kind": Step.Kind.ESCALATE, "at": row.history_date}
    if reason in FIRST_DECISIONS and not facts.first_decision:
        facts.first_decision = reason
    facts.reopened = facts.reopened or reason == "reopen"
    if row.state in (State.TRIAGE, State.ESCALATED):
        facts.fixed_from = row.state
    facts.state, facts.category, facts.known_solution_id = row.state, row.category, row.known_solution_id
    return step, reason if reason in Step.Answer.values else ""


# ---- as the history is written ----------------------------------------------------------------------


def ticket_history_written(sender, history_instance, **kwargs):
    row = history_instance
    facts = TicketFacts.objects.filter(ticket_id=row.id).first()
    new = facts is None
    if new:
        facts = TicketFacts(ticket_id=row.id, opened_at=row.created_at)
    step, answer = advance(facts, row)
    facts.save(force_insert=new)
    if answer:
        waited = ExpressionWrapper(
            Value(row.history_date, output_field=DateTimeField()) - F("at"), output_field=DurationField()
        )
        Step.objects.filter(ticket_id=row.id, kind=Step.Kind.ESCALATE, outcome="").update(
            outcome=answer, duration=waited
        )
    if step:
        Step.objects.create(ticket_id=row.id, **step)


def vendor_contact_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.kind == VendorContact.Kind.INQUIRY:
        Step.objects.create(ticket_id=instance.ticket_id, kind=Step.Kind.INQUIRY, at=instance.created_at)


def connect() -> None:
    post_create_historical_record.connect(
        ticket_history_written, sender=Ticket.history.model, dispatch_uid="reports_ticket_history"
    )
    post_save.connect(vendor_contact_saved, sender=VendorContact, dispatch_uid="reports_vendor_contact")


# ---- from the history -------------------------------------------------------------------------------------


def rebuild(apps=installed_apps, *, progress=None) -> tuple[int, int]:
    """Every ticket's facts and steps again from its history rows and the inquiries, in one
    transaction: after data written past the services (bench/generate.py, a restore) and in the
    reports' first migration (`apps`: its models then). On PostgreSQL, writers of ticket history and
    vendor contacts wait until it is done. Returns (tickets, steps)."""
    facts_model, step_model = apps.get_model("reports", "TicketFacts"), apps.get_model("reports", "Step")
    history, contacts = (
        apps.get_model("tickets", "HistoricalTicket"),
        apps.get_model("vendor", "VendorContact"),
    )
    counts = [0, 0]

    def save(facts: list, steps: list) -> None:
        facts_model.objects.bulk_create(facts)
        step_model.objects.bulk_create(steps)
        counts[0] += len(facts)
        counts[1] += len(steps)
        if progress and facts:
            progress(counts[0])
        facts.clear()
        steps.clear()

    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (history, contacts))
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")
        step_model.objects.all().delete()
        facts_model.objects.all().delete()
        facts, steps, waiting = [], [], []
        rows = history.objects.order_by("id", "history_id").values_list(*HISTORY_FIELDS, named=True)
        for row in rows.iterator(chunk_size=CHUNK):
            if not facts or facts[-1].ticket_id != row.id:
                if len(facts) >= CHUNK:
                    save(facts, steps)
                facts.append(facts_model(ticket_id=row.id, opened_at=row.created_at))
                waiting = []
            step, answer = advance(facts[-1], row)
            if answer:
                for escalation in waiting:
                    escalation.outcome, escalation.duration = answer, row.history_date - escalation.at
                waiting = []
            if step:
                steps.append(step_model(ticket_id=row.id, **step))
                if step["kind"] == Step.Kind.ESCALATE:
                    waiting.append(steps[-1])
        save(facts, steps)
        inquiries = contacts.objects.filter(kind=VendorContact.Kind.INQUIRY).values_list(
            "ticket_id", "created_at"
        )
        for ticket_id, at in inquiries.iterator(chunk_size=CHUNK):
            steps.append(step_model(ticket_id=ticket_id, kind=Step.Kind.INQUIRY, at=at))
            if len(steps) >= CHUNK:
                save([], steps)
        save([], steps)
    return counts[0], counts[1]
