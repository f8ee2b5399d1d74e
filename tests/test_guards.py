"""Guards and data rules on transitions: R2, R3, R4, R5, R6 (DESIGN §4, §7)."""

import datetime

import pytest
from django.utils import timezone

from audit.history import save_audited
from supportdesk.errors import Conflict
from tests.conftest import client_for
from tests.factories import (
    notify,
    run,
    ticket_in_state,
    tomorrow,
    transition_data,
)
from tickets import services
from tickets.models import NOTIFICATION_REQUIRED_TO_CLOSE, NotificationKind, RiskReview, State, Ticket
from vendor.models import ProgramRequest

TODAY = timezone.localdate
YESTERDAY = lambda: TODAY() - datetime.timedelta(days=1)  # noqa: E731

# Paths into the closable states that record no notification on the way in (fix_immediately from
# escalated is SIC's solution, not advice given on the call).
PATH_WITHOUT_NOTIFICATION = {
    State.IMMEDIATE_FIX: ["triage", "escalate", "fix_immediately"],
    State.REJECTED: ["triage", "escalate", "register_program_request", "reject"],
    State.REALIZED: ["triage", "escalate", "register_program_request", "realize"],
}
CLOSABLE = list(NOTIFICATION_REQUIRED_TO_CLOSE)


def walk(ticket, names, by):
    for name in names:
        ticket = run(ticket, name, by)
    return ticket


def new_ticket(by, state=State.INTAKE, **create_kwargs):
    return ticket_in_state(state, by, **create_kwargs)


def post_transition(user, ticket, name, data):
    return client_for(user).post(f"/api/v1/tickets/{ticket.pk}/transitions/{name}/", data, format="json")


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def assert_unchanged(ticket, before):
    now = fresh(ticket)
    assert (now.state, now.version, now.history.count()) == before


def state_of(ticket):
    return (ticket.state, ticket.version, ticket.history.count())


# R2 ---------------------------------------------------------------------------------------------


@pytest.mark.req("R2")
@pytest.mark.parametrize("state", CLOSABLE)
def test_it_refuses_to_close_without_a_notification_of_the_fitting_kind(state, support_user):
    ticket = walk(new_ticket(support_user), PATH_WITHOUT_NOTIFICATION[state], support_user)
    assert ticket.state == state
    fitting = NOTIFICATION_REQUIRED_TO_CLOSE[state]

    with pytest.raises(Conflict) as refused:
        run(ticket, "close", support_user)
    assert str(NotificationKind(fitting).label) in str(refused.value.message)

    for kind in NotificationKind.values:
        if kind != fitting:
            notify(ticket, kind, support_user)
    before = state_of(fresh(ticket))
    with pytest.raises(Conflict):
        run(ticket, "close", support_user)
    assert_unchanged(ticket, before)

    notify(ticket, fitting, support_user)
    assert run(ticket, "close", support_user).state == State.CLOSED


@pytest.mark.req("R2")
@pytest.mark.parametrize("state", CLOSABLE)
def test_it_refuses_to_close_with_a_notification_made_before_entering_the_state(state, support_user):
    *before_last, last = PATH_WITHOUT_NOTIFICATION[state]
    ticket = walk(new_ticket(support_user), before_last, support_user)
    fitting = NOTIFICATION_REQUIRED_TO_CLOSE[state]
    early = notify(ticket, fitting, support_user)
    ticket = run(ticket, last, support_user)
    assert early.created_at < ticket.state_entered_at

    with pytest.raises(Conflict):
        run(ticket, "close", support_user)
    # Also through the API: 409 with the reason.
    response = post_transition(support_user, ticket, "close", {})
    assert response.status_code == 409
    assert str(NotificationKind(fitting).label) in response.json()["detail"]
    assert fresh(ticket).state == state

    later = notify(ticket, fitting, support_user)
    assert later.created_at >= fresh(ticket).state_entered_at
    response = post_transition(support_user, ticket, "close", {})
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed"


@pytest.mark.req("R2")
@pytest.mark.parametrize("state", CLOSABLE)
def test_it_keeps_the_moment_of_entering_the_state_on_flag_risk(state, support_user, management_user):
    ticket = walk(new_ticket(support_user), PATH_WITHOUT_NOTIFICATION[state], support_user)
    notify(ticket, NOTIFICATION_REQUIRED_TO_CLOSE[state], support_user)
    entered = ticket.state_entered_at

    ticket = run(ticket, "flag_risk", support_user)
    assert ticket.state == state and ticket.state_entered_at == entered
    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "no_action", "comment": "", "password": "Sup-Desk-Test-2026!"},
    )

    # The notification made before flag_risk still counts: the ticket did not enter a new state.
    assert run(ticket, "close", support_user).state == State.CLOSED


@pytest.mark.req("R2")
@pytest.mark.parametrize("state", [State.ESCALATED, State.PROGRAM_REQUEST])
def test_it_keeps_the_moment_of_entering_the_state_on_follow_up(state, support_user):
    ticket = new_ticket(support_user, state)
    entered = ticket.state_entered_at
    ticket = run(ticket, "follow_up", support_user)
    ticket = run(ticket, "follow_up", support_user)
    assert ticket.state == state and ticket.state_entered_at == entered


@pytest.mark.req("R2")
def test_it_counts_a_notification_from_the_same_state_after_follow_up_for_the_close(support_user):
    """Follow-ups in program_request do not reset R2: a realize later still needs its own notification."""
    ticket = new_ticket(support_user, State.PROGRAM_REQUEST)
    notify(ticket, NotificationKind.REALIZED, support_user)  # too early: before realize
    ticket = run(ticket, "follow_up", support_user)
    ticket = run(ticket, "realize", support_user)
    with pytest.raises(Conflict):
        run(ticket, "close", support_user)


# R3 ---------------------------------------------------------------------------------------------


@pytest.mark.req("R3")
def test_it_refuses_to_close_a_risk_relevant_ticket_until_its_review_is_signed(support_user, management_user):
    ticket = new_ticket(support_user)
    ticket = run(
        ticket,
        "triage",
        support_user,
        category="software",
        risk_relevant=True,
        risk_description="Gefahr.",
        is_complaint=False,
    )
    ticket = run(ticket, "fix_immediately", support_user)
    assert ticket.notifications.filter(kind=NotificationKind.SOLUTION).exists()
    before = state_of(fresh(ticket))

    with pytest.raises(Conflict) as refused:
        run(ticket, "close", support_user)
    assert "Geschäftsleitung" in str(refused.value.message)
    response = post_transition(support_user, ticket, "close", {})
    assert response.status_code == 409
    assert "Geschäftsleitung" in response.json()["detail"]
    assert_unchanged(ticket, before)

    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "capa", "comment": "CAPA 12 eröffnet.", "password": "Sup-Desk-Test-2026!"},
    )
    response = post_transition(support_user, ticket, "close", {})
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed"


# R4 ---------------------------------------------------------------------------------------------


@pytest.mark.req("R4")
@pytest.mark.parametrize(
    ("justification", "ok"),
    [
        (None, False),
        ("", False),
        ("   \n\t  ", False),
        ("a b c d e f g h i", False),  # 9 non-blank characters
        ("  123456789  ", False),
        ("a b c d e f g h i j", True),  # 10 non-blank characters
        ("Wird nicht umgesetzt.", True),
    ],
)
def test_it_needs_a_justification_of_ten_non_blank_characters_to_reject(support_user, justification, ok):
    ticket = new_ticket(support_user, State.PROGRAM_REQUEST)
    before = state_of(ticket)
    data = {} if justification is None else {"justification": justification}

    response = post_transition(support_user, ticket, "reject", data)

    if ok:
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == "rejected"
        assert ProgramRequest.objects.get(pk=ticket.program_request_id).justification == justification
    else:
        assert response.status_code == 400
        assert list(response.json()) == ["justification"]
        assert response.json()["justification"][0]
        assert_unchanged(ticket, before)
        assert ProgramRequest.objects.get(pk=ticket.program_request_id).state == ProgramRequest.State.OPEN


@pytest.mark.req("R4")
@pytest.mark.parametrize(("day", "ok"), [(YESTERDAY, False), (TODAY, True), (tomorrow, True)])
def test_it_accepts_a_follow_up_date_of_today_or_later_only(support_user, day, ok):
    ticket = new_ticket(support_user, State.ESCALATED)
    before = state_of(ticket)
    data = {**transition_data("register_program_request"), "follow_up_date": day().isoformat()}

    response = post_transition(support_user, ticket, "register_program_request", data)

    if ok:
        assert response.status_code == 200, response.json()
        assert response.json()["follow_up_date"] == day().isoformat()
    else:
        assert response.status_code == 400
        assert "follow_up_date" in response.json()
        assert_unchanged(ticket, before)
        assert not ProgramRequest.objects.exists()


@pytest.mark.req("R4")
@pytest.mark.parametrize(("day", "ok"), [(YESTERDAY, False), (TODAY, False), (tomorrow, True)])
def test_it_accepts_a_next_follow_up_date_after_today_only(support_user, day, ok):
    ticket = new_ticket(support_user, State.PROGRAM_REQUEST)
    before = state_of(ticket)
    data = {"note": "SIC: noch offen.", "next_follow_up_date": day().isoformat()}

    response = post_transition(support_user, ticket, "follow_up", data)

    if ok:
        assert response.status_code == 200, response.json()
        assert response.json()["follow_up_date"] == day().isoformat()
    else:
        assert response.status_code == 400
        assert "next_follow_up_date" in response.json()
        assert_unchanged(ticket, before)
        assert not ticket.vendor_contacts.filter(kind="inquiry").exists()


@pytest.mark.req("R4")
@pytest.mark.parametrize(("state", "ok"), [(State.TRIAGE, False), (State.ESCALATED, True)])
def test_it_accepts_a_vendor_solution_only_from_escalated(support_user, state, ok):
    ticket = new_ticket(support_user, state)
    before = state_of(ticket)
    data = {"resolution_kind": "vendor_solution", "solution": "SIC: Patch 12.3.1 einspielen."}

    response = post_transition(support_user, ticket, "fix_immediately", data)

    if ok:
        assert response.status_code == 200, response.json()
        assert response.json()["resolution_kind"] == "vendor_solution"
    else:
        assert response.status_code == 400
        assert list(response.json()) == ["resolution_kind"]
        assert_unchanged(ticket, before)
        assert not ticket.call_notes.exists()


@pytest.mark.req("R4")
@pytest.mark.parametrize("risk_description", [None, "", "   "])
def test_it_needs_a_risk_description_when_triaged_as_risk_relevant(support_user, risk_description):
    ticket = new_ticket(support_user)
    before = state_of(ticket)
    data = {"category": "software", "risk_relevant": True}
    if risk_description is not None:
        data["risk_description"] = risk_description

    response = post_transition(support_user, ticket, "triage", data)

    assert response.status_code == 400
    assert list(response.json()) == ["risk_description"]
    assert_unchanged(ticket, before)
    assert not RiskReview.objects.exists()


# Required data per transition (DESIGN §4), and the state each one can run from.
REQUIRED = {
    "triage": (State.INTAKE, {"category", "risk_relevant"}),
    "fix_immediately": (State.TRIAGE, {"resolution_kind", "solution"}),
    "escalate": (State.TRIAGE, {"problem_description", "vendor_contact_summary"}),
    "register_program_request": (State.ESCALATED, {"kind", "vendor_reference", "follow_up_date"}),
    "follow_up": (State.ESCALATED, {"note", "next_follow_up_date"}),
    "reject": (State.PROGRAM_REQUEST, {"justification"}),
    "realize": (State.PROGRAM_REQUEST, {"release"}),
    "flag_risk": (State.TRIAGE, {"risk_description"}),
    "reopen": (State.CLOSED, {"reason"}),
}


@pytest.mark.req("R4")
@pytest.mark.req("R14")
@pytest.mark.parametrize("name", list(REQUIRED))
def test_it_answers_missing_required_data_with_400_field_errors(support_user, name):
    state, fields = REQUIRED[name]
    ticket = new_ticket(support_user, state)
    before = state_of(ticket)

    response = post_transition(support_user, ticket, name, {})

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert all(isinstance(messages, list) and messages for messages in response.json().values())
    assert_unchanged(ticket, before)


@pytest.mark.req("R4")
def test_it_answers_wrong_choices_and_types_with_400(support_user):
    ticket = new_ticket(support_user)
    response = post_transition(
        support_user, ticket, "triage", {"category": "hardware", "risk_relevant": "vielleicht"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"category", "risk_relevant"}
    assert fresh(ticket).state == State.INTAKE


@pytest.mark.req("R1")
@pytest.mark.req("R4")
@pytest.mark.parametrize(
    ("state", "name", "bad_data"),
    [
        (State.INTAKE, "reject", {"justification": "zu kurz"}),
        (State.CLOSED, "triage", {"category": "hardware"}),
        (State.TRIAGE, "follow_up", {"note": "", "next_follow_up_date": "2000-01-01"}),
        # R6 with bad data: the stale state is reported first.
        (State.TRIAGE, "escalate", {"expected_state": "intake", "problem_description": ""}),
    ],
)
def test_it_reports_a_state_conflict_before_bad_data(support_user, state, name, bad_data):
    ticket = new_ticket(support_user, state)
    before = state_of(ticket)
    response = post_transition(support_user, ticket, name, bad_data)
    assert response.status_code == 409, response.json()
    assert "detail" in response.json()
    assert_unchanged(ticket, before)


# R5 ---------------------------------------------------------------------------------------------


def shared_program_request(by, count=3):
    """`count` tickets of different customers linked to one program request, all in program_request."""
    first = new_ticket(by, State.PROGRAM_REQUEST)
    program_request = first.program_request
    tickets = [first]
    for _ in range(count - 1):
        ticket = new_ticket(by, State.ESCALATED)
        ticket = run(
            ticket,
            "register_program_request",
            by,
            program_request=program_request.pk,
            follow_up_date=tomorrow().isoformat(),
        )
        tickets.append(ticket)
    return program_request, tickets


@pytest.mark.req("R5")
def test_it_links_several_tickets_to_one_program_request(support_user):
    program_request, tickets = shared_program_request(support_user)
    assert ProgramRequest.objects.count() == 1
    assert {t.program_request_id for t in tickets} == {program_request.pk}
    assert {t.state for t in tickets} == {State.PROGRAM_REQUEST}
    assert len({t.customer_id for t in tickets}) == 3
    response = client_for(support_user).get(f"/api/v1/program-requests/{program_request.pk}/")
    assert sorted(t["id"] for t in response.json()["tickets"]) == sorted(t.pk for t in tickets)


def decide_via_ticket(user, program_request, ticket, name, data):
    response = post_transition(user, ticket, name, data)
    assert response.status_code == 200, response.json()
    return None


def decide_via_program_request(user, program_request, ticket, name, data):
    response = client_for(user).post(
        f"/api/v1/program-requests/{program_request.pk}/transitions/{name}/", data, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


DECISIONS = {
    "reject": ({"justification": "Verhalten entspricht der Spezifikation."}, State.REJECTED),
    "realize": ({"release": "12.5"}, State.REALIZED),
}
DECIDED = {"reject": ProgramRequest.State.REJECTED, "realize": ProgramRequest.State.REALIZED}


@pytest.mark.req("R5")
@pytest.mark.parametrize("name", list(DECISIONS))
@pytest.mark.parametrize("route", [decide_via_ticket, decide_via_program_request], ids=["ticket", "request"])
def test_it_moves_every_linked_ticket_when_sic_decides(support_user, management_user, name, route):
    program_request, tickets = shared_program_request(support_user)
    # A linked ticket that is no longer waiting in program_request is not moved.
    elsewhere = new_ticket(support_user, State.CLOSED)
    elsewhere.program_request = program_request
    save_audited(elsewhere, by=support_user, reason="edit")
    elsewhere_before = state_of(fresh(elsewhere))
    data, target = DECISIONS[name]

    body = route(management_user, program_request, tickets[1], name, data)

    program_request.refresh_from_db()
    assert program_request.state == DECIDED[name]
    decision_row = program_request.history.order_by("-history_id").first()
    assert (decision_row.history_user, decision_row.history_change_reason) == (management_user, name)
    for ticket in tickets:
        ticket = fresh(ticket)
        assert ticket.state == target
        rows = list(ticket.history.filter(history_change_reason=name))
        assert len(rows) == 1
        assert rows[0].history_user == management_user and rows[0].state == target
    assert_unchanged(elsewhere, elsewhere_before)
    assert fresh(elsewhere).state == State.CLOSED
    if body is not None:
        assert sorted(t["id"] for t in body["tickets_to_inform"]) == sorted(t.pk for t in tickets)
        assert all(t["customer_name"] and t["caller_name"] for t in body["tickets_to_inform"])
        assert sorted(t["id"] for t in body["tickets"]) == sorted([*(t.pk for t in tickets), elsewhere.pk])


@pytest.mark.req("R5")
def test_it_refuses_a_second_decision_on_a_program_request(support_user):
    program_request, tickets = shared_program_request(support_user, count=2)
    decide_via_program_request(support_user, program_request, None, "reject", DECISIONS["reject"][0])
    response = client_for(support_user).post(
        f"/api/v1/program-requests/{program_request.pk}/transitions/realize/",
        {"release": "12.5"},
        format="json",
    )
    assert response.status_code == 409
    assert {fresh(t).state for t in tickets} == {State.REJECTED}
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.REJECTED and program_request.realized_release == ""


@pytest.mark.req("R5")
@pytest.mark.req("R4")
def test_it_refuses_a_short_justification_on_the_program_request_and_moves_no_ticket(support_user):
    program_request, tickets = shared_program_request(support_user, count=2)
    response = client_for(support_user).post(
        f"/api/v1/program-requests/{program_request.pk}/transitions/reject/",
        {"justification": "nein"},
        format="json",
    )
    assert response.status_code == 400
    assert "justification" in response.json()
    assert {fresh(t).state for t in tickets} == {State.PROGRAM_REQUEST}
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.OPEN


# R6 ---------------------------------------------------------------------------------------------


@pytest.mark.req("R6")
def test_it_refuses_a_transition_when_the_expected_state_is_no_longer_current(support_user):
    ticket = new_ticket(support_user, State.TRIAGE)
    before = state_of(ticket)

    response = post_transition(
        support_user, ticket, "escalate", {**transition_data("escalate"), "expected_state": "intake"}
    )
    assert response.status_code == 409
    assert "In Prüfung" in response.json()["detail"]
    assert_unchanged(ticket, before)
    assert not ticket.vendor_contacts.exists()

    with pytest.raises(Conflict):
        services.ticket_transition(
            ticket_id=ticket.pk,
            name="escalate",
            by=support_user,
            data=transition_data("escalate"),
            expected_state=State.INTAKE,
        )
    assert_unchanged(ticket, before)

    response = post_transition(
        support_user, ticket, "escalate", {**transition_data("escalate"), "expected_state": "triage"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "escalated"


@pytest.mark.req("R6")
def test_it_lets_only_the_first_of_two_people_seeing_the_same_state_win(support_user, management_user):
    ticket = new_ticket(support_user, State.TRIAGE)
    seen = ticket.state
    first = post_transition(
        support_user, ticket, "escalate", {**transition_data("escalate"), "expected_state": seen}
    )
    second = post_transition(
        management_user,
        ticket,
        "fix_immediately",
        {**transition_data("fix_immediately"), "expected_state": seen},
    )
    assert first.status_code == 200
    assert second.status_code == 409
    ticket = fresh(ticket)
    assert ticket.state == State.ESCALATED and ticket.resolution_kind == ""
    assert ticket.problem_description == transition_data("escalate")["problem_description"]


@pytest.mark.req("R6")
@pytest.mark.req("R14")
def test_it_answers_an_unknown_expected_state_with_400(support_user):
    ticket = new_ticket(support_user, State.TRIAGE)
    response = post_transition(
        support_user, ticket, "escalate", {**transition_data("escalate"), "expected_state": "bogus"}
    )
    assert response.status_code == 400
    assert "expected_state" in response.json()
    assert fresh(ticket).state == State.TRIAGE
