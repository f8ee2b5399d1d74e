"""bench/generate.py: the benchmark's data is the app's data (issue 14).

A small run on the test database: the mix of states, hash chains that verify_audit_trail accepts,
the pages working on it, and each ticket's story replayed through the app's own services writing
the same history rows (kind, reason, the fields changed and their values) as the generator did, its
complaint evaluations (R15) too; the work instruction's revisions (R21) replayed alike.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from bench import generate as bench
from customers.models import Customer
from instructions import services as instruction_services
from instructions.models import WorkInstructionRevision
from reports.models import ComplaintFacts
from tickets import services
from tickets.models import (
    CallNote,
    ComplaintEvaluation,
    CustomerNotification,
    RiskReview,
    Ticket,
    TicketNumberCounter,
    complaint_evaluated,
)
from vendor.models import ProgramRequest, VendorContact

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

TICKETS = 200
NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def fill(**kwargs):
    return bench.generate(tickets=TICKETS, customers=20, solutions=10, out=lambda line: None, **kwargs)


def test_a_realistic_mix_with_chains_that_verify():
    result = fill()
    states = dict(Ticket.objects.values_list("state").annotate(n=Count("id")))
    assert set(states) == set(bench.OPEN_STATES) | {"closed"}
    assert 0.85 <= states["closed"] / TICKETS <= 0.97
    assert result["states"] == states
    assert Customer.objects.annotate(n=Count("contacts")).filter(n=0).count() == 0
    linked = ProgramRequest.objects.annotate(n=Count("tickets"))
    assert linked.filter(n__gt=1).exists()
    history = sum(count for table, count in result["rows"].items() if "historical" in table)
    assert 7 * TICKETS <= history <= 13 * TICKETS
    # Numbers as the app gives them: per year of the call (Europe/Berlin), gap-free, the counter at the last.
    for counter in TicketNumberCounter.objects.all():
        numbers = sorted(
            Ticket.objects.filter(number__startswith=f"{counter.year}-").values_list("number", flat=True)
        )
        assert numbers == [f"{counter.year}-{n:06d}" for n in range(1, counter.last + 1)]
    assert Ticket.objects.filter(created_at__gt=timezone.now()).count() == 0
    # Reports that came otherwise than by phone were typed in after they came in.
    assert Ticket.objects.exclude(channel="phone").exists()
    assert not Ticket.objects.filter(received_at__gt=models.F("created_at")).exists()
    assert not Ticket.objects.filter(channel="phone").exclude(received_at=models.F("created_at")).exists()
    assert Ticket.objects.exclude(sanivision_version="").exists()
    # R15: every triaged ticket was evaluated at its triage, no other; every closed one carries a
    # complete evaluation, but a duplicate (the other ticket carries the case).
    triaged = Ticket.objects.filter(pk__in=Ticket.history.filter(history_change_reason="triage").values("id"))
    assert not triaged.filter(complaint_evaluation=None).exists()
    assert not Ticket.objects.exclude(pk__in=triaged).exclude(complaint_evaluation=None).exists()
    assert set(Ticket.objects.exclude(pk__in=triaged).values_list("state", flat=True)) <= {"intake", "closed"}
    for ticket in Ticket.objects.filter(state="closed", duplicate_of=None).select_related(
        "complaint_evaluation"
    ):
        assert complaint_evaluated(ticket), ticket.number  # the guard of close
    for ticket in Ticket.objects.exclude(complaint_evaluation=None):  # it points at its latest
        latest = ComplaintEvaluation.objects.filter(ticket=ticket).order_by("pk").last()
        assert ticket.complaint_evaluation_id == latest.pk
    latest = ComplaintEvaluation.objects.filter(pk__in=Ticket.objects.values("complaint_evaluation"))
    software = latest.filter(ticket__category="software")
    assert 0.1 <= software.filter(is_complaint=True).count() / software.count() <= 0.35
    assert latest.filter(investigation="investigated").exclude(findings="").exists()
    duplicates = Ticket.objects.exclude(duplicate_of=None).select_related("duplicate_of")
    for ticket in duplicates:
        assert ticket.duplicate_of.duplicate_of_id is None
        assert ticket.duplicate_of.customer_id == ticket.customer_id
    # R21: exactly one revision in force; every ticket names the one in force when it was logged.
    assert WorkInstructionRevision.objects.filter(state="in_force").count() == 1
    revisions = list(WorkInstructionRevision.objects.exclude(approved_at=None).order_by("approved_at"))
    for ticket in Ticket.objects.select_related("work_instruction_revision"):
        in_force = [r for r in revisions if r.approved_at <= ticket.created_at < (r.superseded_at or NEVER)]
        assert [ticket.work_instruction_revision] == in_force, ticket.number
    call_command("verify_audit_trail")  # raises CommandError (exit 1) on the first bad row
    # The reports' derived figures, as bench rebuilds them: a complaint fact per complaint.
    call_command("rebuild_report_figures", stdout=io.StringIO(), stderr=io.StringIO())
    complaints = Ticket.objects.filter(complaint_evaluation__is_complaint=True)
    assert ComplaintFacts.objects.count() == complaints.count() > 0
    duplicated = complaints.exclude(duplicate_of=None).count()
    assert ComplaintFacts.objects.filter(duplicate=True).count() == duplicated
    # COPY ran without the foreign-key triggers: every reference must point at a row all the same.
    for model in [m for live in bench.MODELS for m in (live, live.history.model)]:
        for f in model._meta.concrete_fields:
            if f.is_relation:
                targets = f.related_model._base_manager.values("pk")
                orphans = model.objects.exclude(**{f"{f.attname}__isnull": True}).exclude(
                    **{f"{f.attname}__in": targets}
                )
                assert not orphans.exists(), f"{model.__name__}.{f.name}"


def test_a_database_with_tickets_is_refused_without_force():
    fill()
    with pytest.raises(SystemExit, match="already holds tickets"):
        fill()
    fill(force=True)
    assert Ticket.objects.count() == 2 * TICKETS
    # The second run's tickets are logged under the revisions the first one wrote (R21).
    assert WorkInstructionRevision.objects.count() == len(bench.REVISIONS)
    assert not Ticket.objects.filter(work_instruction_revision=None).exists()
    call_command("verify_audit_trail")


def test_the_pages_work_on_the_generated_data():
    fill()
    User = get_user_model()
    support, qmb = Client(), Client()
    support.force_login(User.objects.get(username="bench-support"))
    qmb.force_login(User.objects.get(username="bench-qmb"))
    ticket = Ticket.objects.filter(vendor_contacts__isnull=False).order_by("pk").first()
    customer = Customer.objects.annotate(n=Count("tickets")).order_by("-n").first()
    pages = [
        "/",
        "/tickets/",
        "/tickets/?state=escalated",
        "/tickets/?q=Kostenvoranschlag",
        f"/tickets/{ticket.pk}/",
        "/customers/",
        "/customers/?q=Müller",
        f"/customers/{customer.pk}/",
        "/program-requests/",
        "/follow-ups/",
        "/api/v1/tickets/",
    ]
    for page in pages:
        assert support.get(page).status_code == 200, page
    for page in ("/reports/", "/audit/"):
        assert qmb.get(page).status_code == 200, page


# ---- the generator writes what the services write -------------------------------------------------

BOOKKEEPING = {"id", "version", "created_at", "updated_at", "state_entered_at", "number"}


def signature(model, **filters) -> list:
    """Per object (in id order): its history rows as (kind, reason, the fields set or changed), with
    their values where the replay repeats them (not ids, users and moments, nor the title of a shared
    program request: its first ticket's summary)."""
    history = model.history.model
    fields = {
        f.attname: not f.is_relation and not isinstance(f, models.DateField) and f.attname != "title"
        for f in history._meta.concrete_fields
        if not f.attname.startswith("history_") and f.attname not in BOOKKEEPING
    }
    objects = []
    for pk in model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True):
        rows, previous = [], None
        for row in history.objects.filter(id=pk).order_by("history_id").values():
            changed = {
                (name, row[name] if plain else "…")
                for name, plain in fields.items()
                if (row[name] != previous[name] if previous else row[name] not in (None, "", False))
            }
            rows.append((row["history_type"], row["history_change_reason"], frozenset(changed)))
            previous = row
        objects.append(rows)
    return objects


def story(ticket) -> dict:
    return {
        "ticket": signature(Ticket, pk=ticket.pk),
        "call notes": sorted(signature(CallNote, ticket=ticket)),
        "notifications": sorted(signature(CustomerNotification, ticket=ticket)),
        "vendor contacts": sorted(signature(VendorContact, ticket=ticket)),
        "risk reviews": signature(RiskReview, ticket=ticket),
        "complaint evaluations": signature(ComplaintEvaluation, ticket=ticket),
        "program request": signature(ProgramRequest, tickets=ticket),
    }


def events(ticket) -> list:
    """What happened to a generated ticket after its intake, in order: (moment, kind, history row)."""
    found = [
        (r.history_date, "ticket", r) for r in Ticket.history.filter(id=ticket.pk).order_by("history_id")
    ][1:]
    found += [
        (r.history_date, "call note", r)
        for r in CallNote.history.filter(ticket=ticket, history_change_reason="call_note").order_by(
            "history_id"
        )
    ][1:]  # the first is the intake's
    found += [
        (r.history_date, "notification", r)
        for r in CustomerNotification.history.filter(
            ticket=ticket, history_change_reason="customer_notification"
        )
    ]
    found += [(r.history_date, "sign", r) for r in RiskReview.history.filter(ticket=ticket, history_type="~")]
    return sorted(found, key=lambda event: (event[0], event[2].history_id))


def transition_data(name, row, escalation, request, inquiries, ahead) -> dict:
    """The data of transition `name` that wrote the generated history `row`."""
    if name == "triage":
        evaluation = ComplaintEvaluation.objects.filter(pk=row.complaint_evaluation_id).first()
        return {
            "category": row.category,
            "risk_relevant": row.risk_relevant,
            "risk_description": row.risk_description,
            "is_complaint": evaluation.is_complaint if evaluation else "",  # R15, asked at the triage
        }
    if name == "fix_immediately":
        return {
            "resolution_kind": row.resolution_kind,
            "solution": row.solution,
            "known_solution": row.known_solution_id or "",
        }
    if name == "escalate":
        return {
            "problem_description": row.problem_description,
            "vendor_contact_summary": escalation.summary,
            "vendor_person": escalation.vendor_person,
            "vendor_reference": escalation.vendor_reference,
            "follow_up_date": ahead(row.follow_up_date),
            "customer_informed": CustomerNotification.objects.filter(
                ticket=escalation.ticket_id, kind="callback_promised"
            ).exists(),
        }
    if name == "register_program_request":
        return {
            "kind": request.kind,
            "vendor_reference": request.vendor_reference,
            "follow_up_date": ahead(row.follow_up_date),
            "planned_release": request.planned_release,
            "planned_date": request.planned_date or "",
        }
    if name == "follow_up":
        return {"note": next(inquiries).summary, "next_follow_up_date": ahead(row.follow_up_date)}
    if name == "realize":
        return {"release": request.realized_release}
    if name == "reject":
        return {"justification": request.justification}
    if name == "reopen":
        return {"reason": row.reopen_reason}
    if name == "close_as_duplicate":
        return {"duplicate_of": row.duplicate_of_id, "reason": row.duplicate_reason}
    assert name == "close", name
    return {}


EVALUATION = ["is_complaint", "investigation", "findings", "justification"]


def evaluations(ticket) -> tuple:
    """What a ticket's complaint evaluations said, in order: (complaint, investigation, SIC's contact)."""
    return tuple(
        (e.is_complaint, e.investigation, e.vendor_contact_id is not None)
        for e in ComplaintEvaluation.objects.filter(ticket=ticket).order_by("pk")
    )


def replay(ticket):
    """The generated ticket's story told again through the services, with the same data, by the
    agent who took the call."""
    by = ticket.taken_by
    first = Ticket.history.filter(id=ticket.pk).order_by("history_id").first()
    note = CallNote.objects.filter(ticket=ticket).order_by("pk").first().text
    facts = ["contact", "caller_name", "caller_phone", "summary", "description", "channel"]
    facts += ["received_at", "sanivision_reference", "sanivision_version"]
    data = {"customer": first.customer_id, **{name: getattr(first, name) or "" for name in facts}}
    data["contact"] = first.contact_id or ""
    again = services.ticket_log_call(by=by, ticket=data, note=note)
    inquiries = iter(VendorContact.objects.filter(ticket=ticket, kind="inquiry").order_by("pk"))
    escalation = VendorContact.objects.filter(ticket=ticket, kind="escalation").first()
    request = ProgramRequest.objects.filter(tickets=ticket).first()
    dates = [d for d in Ticket.history.filter(id=ticket.pk).values_list("follow_up_date", flat=True) if d]
    # Follow-up dates must lie ahead now: shifted alike, so equal dates stay equal.
    shift = timezone.localdate() + datetime.timedelta(days=1) - min(dates, default=timezone.localdate())

    def ahead(date):
        return (date + shift).isoformat()

    def contact_again(pk):
        """The replayed ticket's contact with SIC in the place the generated one has on its ticket."""
        if pk is None:
            return ""
        generated = VendorContact.objects.filter(ticket=ticket).order_by("pk").values_list("pk", flat=True)
        return VendorContact.objects.filter(ticket=again).order_by("pk")[list(generated).index(pk)].pk

    for _at, kind, row in events(ticket):
        if kind == "call note":
            services.ticket_add_call_note(
                ticket_id=again.pk, by=by, data={"direction": row.direction, "text": row.text}
            )
        elif kind == "notification":
            data = {"kind": row.kind, "channel": row.channel, "note": row.note}
            services.ticket_add_notification(ticket_id=again.pk, by=by, data=data)
        elif kind == "sign":
            data = {"decision": row.decision, "comment": row.comment, "password": bench.PASSWORD}
            services.risk_review_sign(ticket_id=again.pk, by=row.history_user, data=data)
        elif row.history_change_reason == "complaint_evaluation":
            evaluation = ComplaintEvaluation.objects.get(pk=row.complaint_evaluation_id)
            data = {name: getattr(evaluation, name) for name in EVALUATION}
            data["vendor_contact"] = contact_again(evaluation.vendor_contact_id)
            services.ticket_evaluate_complaint(ticket_id=again.pk, by=by, data=data)
        elif row.history_change_reason.startswith("edit: "):
            stated = row.history_change_reason.removeprefix("edit: ")
            data = {"caller_phone": row.caller_phone, "assignee": row.assignee_id, "reason": stated}
            services.ticket_update(ticket_id=again.pk, by=by, data=data)
        else:
            name = row.history_change_reason
            data = transition_data(name, row, escalation, request, inquiries, ahead)
            services.ticket_transition(ticket_id=again.pk, name=name, by=by, data=data)
    return again


def test_each_story_is_written_as_the_services_write_it():
    fill()
    told, channels = set(), set()
    for ticket in list(Ticket.objects.select_related("taken_by").order_by("pk")):
        kinds = tuple(kind for _at, kind, _row in events(ticket))
        reasons = tuple(Ticket.history.filter(id=ticket.pk).values_list("history_change_reason", flat=True))
        key = (reasons, kinds, evaluations(ticket))
        if key in told and ticket.channel in channels:
            continue
        told.add(key)
        channels.add(ticket.channel)
        again = replay(ticket)
        assert story(again) == story(ticket), f"ticket {ticket.number}: {reasons}"
    assert len(told) >= 10
    said = {said for _reasons, _kinds, evaluated in told for said in evaluated}
    assert {(False, "", False), (True, "", False), (True, "investigated", True)} <= said
    assert {(True, "investigated", False), (True, "not_investigated", False)} & said
    assert any("close_as_duplicate" in reasons for reasons, _kinds, _evaluated in told)
    assert len(channels) > 1


def test_the_work_instruction_is_written_as_its_services_write_it():
    """R21: each generated revision drafted, signed by its author and approved by the QMB again
    through the instructions services (each approval superseding the one before): the same rows."""
    fill()
    User = get_user_model()
    author, qmb = User.objects.get(username="bench-process"), User.objects.get(username="bench-qmb")
    generated = list(WorkInstructionRevision.objects.order_by("number"))
    assert [r.state for r in generated] == ["superseded"] * (len(generated) - 1) + ["in_force"]
    told = signature(WorkInstructionRevision, pk__in=[r.pk for r in generated])
    again = []
    for revision in generated:
        data = {"title": revision.title, "text": revision.text, "change_summary": revision.change_summary}
        draft = instruction_services.revision_create(by=author, data=data)
        for by, meaning in ((author, "authored"), (qmb, "approved")):
            data = {"password": bench.PASSWORD, "meaning": meaning}
            instruction_services.revision_sign(revision_id=draft.pk, by=by, data=data)
        again.append(draft.pk)
    assert signature(WorkInstructionRevision, pk__in=again) == told
