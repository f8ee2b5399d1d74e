"""R9: every change to case data leaves a history row: user, time, old → new, reason (DESIGN §6, §7)."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from audit.history import save_audited
from supportdesk import workdays
from supportdesk.errors import Conflict
from tests.conftest import client_for
from tests.factories import CustomerFactory, run, ticket_in_state, tomorrow
from tickets import services
from tickets.models import CallNote, CustomerNotification, RiskReview, State, Ticket
from vendor.models import ProgramRequest, VendorContact

PASSWORD = "Sup-Desk-Test-2026!"


def history(client, ticket_id):
    response = client.get(f"/api/v1/tickets/{ticket_id}/history/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"])
    return body["results"]


def later(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.mark.req("R9")
def test_it_records_the_whole_work_instruction_path_in_the_ticket_history(support_user, management_user):
    api = client_for(support_user)
    customer = CustomerFactory()
    created = api.post(
        "/api/v1/tickets/",
        {
            "customer": customer.pk,
            "caller_name": "Frau Beispiel",
            "caller_phone": "0211 555123",
            "summary": "Rezeptdruck bricht ab",
            "description": "Fehler 4711 beim Kassenrezept.",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    ticket_id = created.json()["id"]
    first_date, second_date = later(7), later(21)
    steps = [
        ("triage", {"category": "software", "risk_relevant": False, "is_complaint": False}),
        (
            "escalate",
            {"problem_description": "Reproduzierbar seit 12.3.", "vendor_contact_summary": "Hotline"},
        ),
        (
            "register_program_request",
            {"kind": "complaint", "vendor_reference": "PW-17", "follow_up_date": first_date},
        ),
        ("follow_up", {"note": "SIC: in Arbeit.", "next_follow_up_date": second_date}),
    ]
    for name, data in steps:
        response = api.post(f"/api/v1/tickets/{ticket_id}/transitions/{name}/", data, format="json")
        assert response.status_code == 200, (name, response.json())
    program_request_id = Ticket.objects.get(pk=ticket_id).program_request_id
    # SIC's decision is entered by another person: the history names who did what.
    realized = client_for(management_user).post(
        f"/api/v1/tickets/{ticket_id}/transitions/realize/", {"release": "12.4"}, format="json"
    )
    assert realized.status_code == 200, realized.json()
    informed = api.post(
        f"/api/v1/tickets/{ticket_id}/notifications/", {"kind": "realized", "channel": "email"}, format="json"
    )
    assert informed.status_code == 201, informed.json()
    closed = api.post(f"/api/v1/tickets/{ticket_id}/transitions/close/", {}, format="json")
    assert closed.status_code == 200, closed.json()

    entries = history(client_for(management_user), ticket_id)

    assert [e["reason"] for e in entries] == [
        "intake",
        "triage",
        "escalate",
        "register_program_request",
        "follow_up",
        "realize",
        "close",
    ]
    assert [e["user"] for e in entries] == [support_user.username] * 5 + [
        management_user.username,
        support_user.username,
    ]
    assert [e["action"] for e in entries] == ["created"] + ["changed"] * 6
    assert [(e["from_state"], e["to_state"]) for e in entries] == [
        (None, "intake"),
        ("intake", "triage"),
        ("triage", "escalated"),
        ("escalated", "program_request"),
        (None, None),  # follow_up keeps the state
        ("program_request", "realized"),
        ("realized", "closed"),
    ]
    moments = [datetime.datetime.fromisoformat(e["at"]) for e in entries]
    assert all(moment.utcoffset() is not None for moment in moments)
    assert moments == sorted(moments)
    assert abs(timezone.now() - moments[-1]) < datetime.timedelta(minutes=5)

    intake, triage, escalate, register, follow_up, realize, close = (e["changes"] for e in entries)
    # Initial values are recorded at creation.
    assert intake["caller_name"] == [None, "Frau Beispiel"]
    assert intake["summary"] == [None, "Rezeptdruck bricht ab"]
    assert intake["description"] == [None, "Fehler 4711 beim Kassenrezept."]
    assert intake["customer"] == [None, customer.pk]
    assert intake["taken_by"] == [None, support_user.pk]
    assert intake["number"] == [None, created.json()["number"]]
    assert intake["priority"] == [None, "normal"]
    assert triage.pop("complaint_evaluation")[0] is None  # the complaint answer, given with the step (R15)
    assert triage == {"category": ["", "software"]}
    escalated_until = workdays.working_days_after(timezone.localdate(), 3).isoformat()
    assert escalate == {
        "problem_description": ["", "Reproduzierbar seit 12.3."],
        "follow_up_date": [None, escalated_until],  # on follow-up from the escalation on
    }
    assert register == {
        "program_request": [None, program_request_id],
        "priority": ["normal", "high"],
        "follow_up_date": [escalated_until, first_date],
    }
    assert follow_up == {"follow_up_date": [first_date, second_date]}
    assert realize == {"follow_up_date": [second_date, None]}
    assert close == {}


@pytest.mark.req("R9")
def test_it_records_every_related_record_with_user_and_reason(
    support_user, management_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_in_state(State.TRIAGE, support_user)
        ticket = run(ticket, "flag_risk", support_user)
    ticket = run(ticket, "escalate", support_user)
    ticket = run(ticket, "register_program_request", support_user)
    ticket = run(ticket, "follow_up", support_user)
    services.ticket_add_call_note(
        ticket_id=ticket.pk, by=support_user, data={"direction": "outbound", "text": "Kunde zurückgerufen."}
    )
    services.ticket_add_notification(
        ticket_id=ticket.pk, by=support_user, data={"kind": "forwarded", "channel": "letter"}
    )
    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "no_action", "comment": "Kein Risiko.", "password": PASSWORD},
    )

    def rows(model, **filters):
        return [
            (row.history_type, row.history_user, row.history_change_reason)
            for row in model.history.filter(**filters).order_by("history_id")
        ]

    assert rows(CallNote, ticket=ticket) == [("+", support_user, "call_note")]
    assert rows(CustomerNotification, ticket=ticket) == [
        ("+", support_user, "escalate"),
        ("+", support_user, "customer_notification"),
    ]
    assert rows(VendorContact, ticket=ticket) == [
        ("+", support_user, "escalate"),
        ("+", support_user, "follow_up"),
    ]
    assert rows(ProgramRequest, id=ticket.program_request_id) == [
        ("+", support_user, "register_program_request")
    ]
    assert rows(RiskReview, ticket=ticket) == [
        ("+", support_user, "flag_risk"),
        ("~", management_user, "sign"),
    ]
    signed = RiskReview.history.filter(ticket=ticket).order_by("history_id").last()
    assert signed.state == "signed" and signed.decision == "no_action" and signed.comment == "Kein Risiko."
    # Every history row carries its time.
    for model in (CallNote, CustomerNotification, VendorContact, RiskReview):
        assert all(row.history_date for row in model.history.filter(ticket=ticket))


@pytest.mark.req("R9")
def test_it_records_the_call_note_and_notification_of_an_immediate_fix(support_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    assert [(r.history_user, r.history_change_reason) for r in CallNote.history.filter(ticket=ticket)] == [
        (support_user, "fix_immediately")
    ]
    assert [
        (r.history_user, r.history_change_reason, r.kind)
        for r in CustomerNotification.history.filter(ticket=ticket)
    ] == [(support_user, "fix_immediately", "solution")]


@pytest.mark.req("R9")
def test_it_shows_old_and_new_values_of_an_edit(support_user, management_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    api = client_for(support_user)

    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {
            "summary": "Rezeptdruck bricht bei Kassenrezept ab",
            "assignee": management_user.pk,
            "reason": "Kunde hat es genauer beschrieben",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    last = history(api, ticket.pk)[-1]
    assert last["reason"] == "edit: Kunde hat es genauer beschrieben"  # R20: the stated reason
    assert last["user"] == support_user.username
    assert last["action"] == "changed"
    assert (last["from_state"], last["to_state"]) == (None, None)
    changes = last["changes"]
    assert changes.pop("assigned_at")[0] is None  # handed over now: who and when (the colleague is told)
    assert changes == {
        "summary": ["Rezeptdruck bricht ab", "Rezeptdruck bricht bei Kassenrezept ab"],
        "assignee": [support_user.pk, management_user.pk],
        "assigned_by": [None, support_user.pk],
    }


@pytest.mark.req("R6")
@pytest.mark.req("R9")
def test_it_refuses_an_edit_based_on_an_old_version_and_loses_nothing(support_user, management_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    seen = client_for(support_user).get(f"/api/v1/tickets/{ticket.pk}/").json()["version"]

    first = client_for(management_user).patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"summary": "Erste Korrektur", "version": seen, "reason": "Tippfehler"},
        format="json",
    )
    assert first.status_code == 200, first.json()
    assert first.json()["version"] > seen
    rows = Ticket.history.filter(id=ticket.pk).count()

    second = client_for(support_user).patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"summary": "Zweite Korrektur", "caller_name": "Herr Anders", "version": seen, "reason": "genauer"},
        format="json",
    )

    assert second.status_code == 409
    assert second.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.summary == "Erste Korrektur" and ticket.caller_name == "Frau Beispiel"
    assert Ticket.history.filter(id=ticket.pk).count() == rows
    assert history(client_for(support_user), ticket.pk)[-1]["changes"] == {
        "summary": ["Rezeptdruck bricht ab", "Erste Korrektur"]
    }

    third = client_for(support_user).patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"summary": "Zweite Korrektur", "version": ticket.version, "reason": "genauer"},
        format="json",
    )
    assert third.status_code == 200, third.json()


@pytest.mark.req("R6")
def test_it_refuses_to_save_a_ticket_read_before_someone_else_changed_it(support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_update(
        ticket_id=ticket.pk, by=support_user, data={"reason": "Korrektur", "summary": "Neu"}
    )

    stale.caller_name = "Überschreibt alles"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        save_audited(stale, by=support_user, reason="edit")
    ticket.refresh_from_db()
    assert ticket.summary == "Neu" and ticket.caller_name == "Frau Beispiel"


@pytest.mark.req("R6")
def test_it_refuses_a_transition_on_a_stale_version_with_a_conflict(support_user):
    ticket = ticket_in_state(State.ESCALATED, support_user)
    with pytest.raises(Conflict):
        services.ticket_update(
            ticket_id=ticket.pk,
            by=support_user,
            data={"reason": "Korrektur", "summary": "x"},
            expected_version=ticket.version - 1,
        )
    assert Ticket.objects.get(pk=ticket.pk).summary == "Rezeptdruck bricht ab"


@pytest.mark.req("R9")
def test_it_pages_the_history_and_keeps_its_order(support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    for days in range(2, 5):
        run(ticket, "follow_up", support_user, note=f"Nachfrage {days}", next_follow_up_date=later(days))
    api = client_for(support_user)
    page = api.get(f"/api/v1/tickets/{ticket.pk}/history/?page_size=3").json()
    assert page["count"] == 7 and len(page["results"]) == 3 and page["next"]
    pages = [page]
    while pages[-1]["next"]:
        pages.append(api.get(pages[-1]["next"]).json())
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    entries = [e for p in pages for e in p["results"]]
    reasons = [e["reason"] for e in entries]
    assert reasons == ["intake", "triage", "escalate", "register_program_request", *["follow_up"] * 3]
    # The first entry of a later page still shows the change against the row before it.
    escalated_until = workdays.working_days_after(timezone.localdate(), 3).isoformat()
    assert pages[1]["results"][0]["changes"]["follow_up_date"] == [escalated_until, tomorrow().isoformat()]
    assert pages[1]["results"][0]["from_state"] == "escalated"
    assert pages[2]["results"][0]["changes"] == {"follow_up_date": [later(3), later(4)]}
