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

from reports.models import ComplaintFacts, Step, TicketFacts
from tickets.models import ComplaintEvaluation, State, Ticket
from vendor.models import VendorContact

FIRST_DECISIONS = ("fix_immediately", "escalate")
# The contacts with SIC the report counts apart (a Step of the same kind each): our inquiries, SIC's
# unprompted reports and any other contact. An escalation is counted by its transition instead.
CONTACT_KINDS = (VendorContact.Kind.INQUIRY, VendorContact.Kind.VENDOR_REPORT, VendorContact.Kind.OTHER)
CHUNK = 5000  # tickets per batch of a rebuild
HISTORY_FIELDS = (
    "id",
    "history_date",
    "history_change_reason",
    "state",
    "category",
    "known_solution_id",
    "created_at",
    "duplicate_of_id",
    "complaint_evaluation_id",
)
# The steps a ticket closed as a duplicate no longer counts (the other ticket carries the case).
CASE_STEPS = (Step.Kind.CLOSE, Step.Kind.ESCALATE)


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
    facts.duplicate = getattr(row, "duplicate_of_id", None) is not None  # older migrations' rows lack it
    if step:
        step["duplicate"] = facts.duplicate
    return step, reason if reason in Step.Answer.values else ""


def complaint_fields(ticket, evaluation) -> dict | None:
    """A ticket's complaint facts: `ticket` its history row or its live row (as values: received_at,
    created_at, category, customer_id, sanivision_version, known_solution_id, duplicate_of_id,
    complaint_evaluation_id), `evaluation` its latest evaluation's (is_complaint, investigation).
    None when it is not a complaint (no evaluation, or the latest says no)."""
    if evaluation is None or not evaluation[0]:
        return None
    return {
        "evaluation_id": ticket.complaint_evaluation_id,
        "received_at": ticket.received_at or ticket.created_at,
        "category": ticket.category,
        "customer_id": ticket.customer_id,
        "sanivision_version": ticket.sanivision_version.strip(),
        "investigation": evaluation[1],
        "known_solution_id": ticket.known_solution_id,
        "duplicate": ticket.duplicate_of_id is not None,
    }


def follow_complaint(facts, row) -> None:
    """Keep the ticket's ComplaintFacts as its history row says (before `facts` is saved): a query
    for the evaluation and one to write, none for a ticket that was never evaluated."""
    evaluation = None
    if row.complaint_evaluation_id:
        evaluation = (
            ComplaintEvaluation.objects.filter(pk=row.complaint_evaluation_id)
            .values_list("is_complaint", "investigation")
            .first()
        )
    fields = complaint_fields(row, evaluation)
    if fields is None:
        if facts.complaint:
            ComplaintFacts.objects.filter(ticket_id=row.id).delete()
    elif facts.complaint:
        ComplaintFacts.objects.filter(ticket_id=row.id).update(**fields)
    else:
        ComplaintFacts.objects.create(ticket_id=row.id, **fields)
    facts.complaint = fields is not None


# ---- as the history is written ----------------------------------------------------------------------


def ticket_history_written(sender, history_instance, **kwargs):
    row = history_instance
    facts = TicketFacts.objects.filter(ticket_id=row.id).first()
    new = facts is None
    if new:
        facts = TicketFacts(ticket_id=row.id, opened_at=row.created_at)
    was_duplicate = facts.duplicate
    step, answer = advance(facts, row)
    follow_complaint(facts, row)
    facts.save(force_insert=new)
    if facts.duplicate != was_duplicate:
        Step.objects.filter(ticket_id=row.id, kind__in=CASE_STEPS).update(duplicate=facts.duplicate)
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
    if created and not raw and instance.kind in CONTACT_KINDS:
        Step.objects.create(ticket_id=instance.ticket_id, kind=instance.kind, at=instance.created_at)


def connect() -> None:
    post_create_historical_record.connect(
        ticket_history_written, sender=Ticket.history.model, dispatch_uid="reports_ticket_history"
    )
    post_save.connect(vendor_contact_saved, sender=VendorContact, dispatch_uid="reports_vendor_contact")


# ---- from the history -------------------------------------------------------------------------------------


def rebuild(apps=installed_apps, *, progress=None) -> tuple[int, int]:
    """Every ticket's facts and steps again from its history rows and the contacts with SIC, and the
    complaint facts from the tickets and their latest evaluations, in one transaction: after data
    written past the services (bench/generate.py, a restore) and in the reports' first migration
    (`apps`: its models then). On PostgreSQL, writers of ticket history and vendor contacts wait
    until it is done. Returns (tickets, steps)."""
    facts_model, step_model = apps.get_model("reports", "TicketFacts"), apps.get_model("reports", "Step")
    history, contacts = (
        apps.get_model("tickets", "HistoricalTicket"),
        apps.get_model("vendor", "VendorContact"),
    )
    counts = [0, 0]
    # The first migration's models knew neither duplicates nor complaints (its migration adds them).
    knows_duplicates = any(f.name == "duplicate" for f in step_model._meta.concrete_fields)

    def save(facts: list, steps: list) -> None:
        """Write the facts of complete tickets and their steps (a duplicate's closes and escalations
        marked: it may have become one after them)."""
        if facts and knows_duplicates:
            duplicates = {f.ticket_id for f in facts if f.duplicate}
            for step in steps:
                if step.kind in CASE_STEPS:
                    step.duplicate = step.ticket_id in duplicates
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
        known = {f.attname for f in history._meta.concrete_fields}
        fields = [name for name in HISTORY_FIELDS if name in known]
        rows = history.objects.order_by("id", "history_id").values_list(*fields, named=True)
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
                if not knows_duplicates:
                    del step["duplicate"]
                steps.append(step_model(ticket_id=row.id, **step))
                if step["kind"] == Step.Kind.ESCALATE:
                    waiting.append(steps[-1])
        save(facts, steps)
        for ticket_id, kind, at in contact_steps(apps).iterator(chunk_size=CHUNK):
            steps.append(step_model(ticket_id=ticket_id, kind=kind, at=at))
            if len(steps) >= CHUNK:
                save([], steps)
        save([], steps)
        if knows_duplicates:
            rebuild_complaints(apps)
    return counts[0], counts[1]


def rebuild_complaints(apps=installed_apps) -> int:
    """Every ticket's ComplaintFacts again, from the tickets as they are now (their live row is their
    latest history row) and their latest evaluations; marks their TicketFacts. Returns how many."""
    complaint_model, facts_model = (
        apps.get_model("reports", "ComplaintFacts"),
        apps.get_model("reports", "TicketFacts"),
    )
    tickets = apps.get_model("tickets", "Ticket")
    complaint_model.objects.all().delete()
    facts_model.objects.filter(complaint=True).update(complaint=False)
    rows = (
        tickets.objects.filter(complaint_evaluation__is_complaint=True)
        .order_by("pk")
        .values_list(
            "id",
            "received_at",
            "created_at",
            "category",
            "customer_id",
            "sanivision_version",
            "known_solution_id",
            "duplicate_of_id",
            "complaint_evaluation_id",
            "complaint_evaluation__investigation",
            named=True,
        )
    )
    found, count = [], 0
    for row in rows.iterator(chunk_size=CHUNK):
        found.append(complaint_model(ticket_id=row.id, **complaint_fields(row, (True, row[-1]))))
        if len(found) >= CHUNK:
            complaint_model.objects.bulk_create(found)
            count, found = count + len(found), []
    complaint_model.objects.bulk_create(found)
    count += len(found)
    facts_model.objects.filter(ticket_id__in=complaint_model.objects.values("ticket_id")).update(
        complaint=True
    )
    return count


def contact_steps(apps=installed_apps, *, kinds=CONTACT_KINDS):
    """(ticket_id, kind, created_at) of the contacts with SIC that make a step: of `kinds`, as far as
    the Step model of `apps` knows them (the first migration's knew inquiries only)."""
    known = {value for value, _label in apps.get_model("reports", "Step")._meta.get_field("kind").choices}
    contacts = apps.get_model("vendor", "VendorContact")
    return (
        contacts.objects.filter(kind__in=[kind for kind in kinds if kind in known])
        .order_by("pk")
        .values_list("ticket_id", "kind", "created_at")
    )
