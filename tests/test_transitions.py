"""R1: the transition matrix, generated from the Ticket FSM declaration (DESIGN §3, §4).

Every (state, transition) pair the FSM allows runs through the service, lands in its declared
target and leaves its effects; every other pair is refused with a Conflict and changes nothing.
"""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from supportdesk.errors import Conflict
from tests.conftest import client_for
from tests.factories import NOTIFY_BEFORE_CLOSE, PATH_TO, notify, run, ticket_in_state, transition_data
from tickets.forms import TRANSITION_FORMS
from tickets.models import (
    CallNote,
    Channel,
    CustomerNotification,
    NotificationKind,
    Priority,
    ResolutionKind,
    RiskReview,
    State,
    Ticket,
)
from vendor.models import ProgramRequest, VendorContact

DECLARED = list(Ticket._meta.get_field("state").get_all_transitions(Ticket))
NAMES = sorted({t.name for t in DECLARED})
# (source state, transition name) -> declared target (None: stays in its state)
TARGETS = {(t.source, t.name): t.target for t in DECLARED}
ALLOWED = sorted(TARGETS)
REFUSED = [(state, name) for state in State.values for name in NAMES if (state, name) not in TARGETS]
RELATED = (CallNote, CustomerNotification, VendorContact, ProgramRequest, RiskReview)

RISK = "Falsche Hilfsmittelmenge könnte an Patienten ausgegeben werden."
LATER = timezone.localdate() + datetime.timedelta(days=14)


def pair_id(pair):
    return f"{pair[0]}-{pair[1]}"


def matrix_data(name, ticket):
    """The data the matrix sends: the fixture defaults, with values that make every effect visible."""
    data = transition_data(name, ticket)
    if name == "triage":
        data = {"category": "technical", "risk_relevant": True, "risk_description": RISK}
    if name == "follow_up":
        # The path to program_request sets tomorrow; a later date shows that the date moves.
        data = {**data, "next_follow_up_date": LATER.isoformat()}
    return data


def snapshot(ticket):
    """The ticket row, every related record and every history row count."""
    ticket = Ticket.objects.get(pk=ticket.pk)
    row = model_to_dict(ticket)
    row.update(
        state=ticket.state,
        version=ticket.version,
        state_entered_at=ticket.state_entered_at,
        audit_head=ticket.audit_head,
    )
    return {
        "ticket": row,
        "ids": {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in RELATED},
        "history": {model.__name__: model.history.count() for model in (Ticket, *RELATED)},
    }


def new(model, before, **filters):
    """Records of `model` made since the snapshot (all of them, unless filtered)."""
    return [
        record
        for record in model.objects.filter(**filters).order_by("pk")
        if record.pk not in before["ids"][model.__name__]
    ]


# Effects of each transition (DESIGN §4), checked after it ran: (ticket before, ticket after, snapshot,
# users, mailoutbox). The matrix fails for a transition that has no check here.


def triage_effects(old, ticket, before, users, mail):
    assert ticket.category == "technical"
    assert ticket.risk_relevant and ticket.risk_description == RISK
    (review,) = new(RiskReview, before)
    assert (
        review.ticket == ticket
        and review.state == RiskReview.State.PENDING
        and review.risk_description == RISK
    )
    assert review.requested_by == users["support"]
    assert len(mail) == 1 and mail[0].to == [users["management"].email]
    assert ticket.number in mail[0].subject + mail[0].body


def fix_immediately_effects(old, ticket, before, users, mail):
    assert ticket.resolution_kind == matrix_data("fix_immediately", old)["resolution_kind"]
    assert ticket.solution == matrix_data("fix_immediately", old)["solution"]
    assert ticket.follow_up_date is None
    notes = new(CallNote, before)
    notifications = new(CustomerNotification, before)
    if old.state == State.TRIAGE:
        # Advised on the call: a call note and the solution notification (phone), in the new state (R2).
        assert [(n.ticket, n.text, n.created_by) for n in notes] == [
            (ticket, ticket.solution, users["support"])
        ]
        assert [(n.ticket, n.kind, n.channel) for n in notifications] == [
            (ticket, NotificationKind.SOLUTION, Channel.PHONE)
        ]
        assert notifications[0].created_at >= ticket.state_entered_at
    else:
        assert ticket.resolution_kind == ResolutionKind.VENDOR_SOLUTION
        assert notes == [] and notifications == []


def escalate_effects(old, ticket, before, users, mail):
    data = matrix_data("escalate", old)
    assert ticket.problem_description == data["problem_description"]
    (contact,) = new(VendorContact, before)
    assert contact.ticket == ticket and contact.kind == VendorContact.Kind.ESCALATION
    assert contact.summary == data["vendor_contact_summary"]
    assert contact.vendor_reference == data["vendor_reference"]
    assert contact.vendor.name == "SIC" and contact.created_by == users["support"]
    notifications = new(CustomerNotification, before)
    assert [(n.ticket, n.kind) for n in notifications] == [(ticket, NotificationKind.CALLBACK_PROMISED)]


def register_program_request_effects(old, ticket, before, users, mail):
    data = matrix_data("register_program_request", old)
    (program_request,) = new(ProgramRequest, before)
    assert ticket.program_request_id == program_request.pk
    assert program_request.state == ProgramRequest.State.OPEN
    assert program_request.kind == data["kind"] == "complaint"
    assert program_request.vendor_reference == data["vendor_reference"]
    assert ticket.priority == Priority.HIGH
    assert ticket.follow_up_date.isoformat() == data["follow_up_date"]
    assert program_request.created_by == users["support"]


def follow_up_effects(old, ticket, before, users, mail):
    data = matrix_data("follow_up", old)
    assert old.follow_up_date != LATER
    assert ticket.follow_up_date == LATER
    (contact,) = new(VendorContact, before)
    assert (contact.ticket, contact.kind) == (ticket, VendorContact.Kind.INQUIRY)
    assert contact.summary == data["note"]


def decision_effects(expected_state):
    def effects(old, ticket, before, users, mail):
        program_request = ProgramRequest.objects.get(pk=ticket.program_request_id)
        assert program_request.state == expected_state
        assert program_request.decided_by == users["support"]
        if expected_state == ProgramRequest.State.REJECTED:
            assert program_request.justification == matrix_data("reject", old)["justification"]
        else:
            assert program_request.realized_release == "12.4"
            assert program_request.realized_on == timezone.localdate()
        assert ticket.follow_up_date is None

    return effects


def close_effects(old, ticket, before, users, mail):
    assert ticket.follow_up_date is None


def close_as_duplicate_effects(old, ticket, before, users, mail):
    assert ticket.duplicate_of is not None and ticket.duplicate_of != ticket
    assert ticket.duplicate_reason and ticket.follow_up_date is None


def flag_risk_effects(old, ticket, before, users, mail):
    assert (
        ticket.risk_relevant and ticket.risk_description == transition_data("flag_risk")["risk_description"]
    )
    (review,) = new(RiskReview, before)
    assert (review.ticket, review.state) == (ticket, RiskReview.State.PENDING)
    assert review.risk_description == ticket.risk_description
    assert len(mail) == 1 and mail[0].to == [users["management"].email]


def reopen_effects(old, ticket, before, users, mail):
    assert ticket.reopen_reason == transition_data("reopen")["reason"]


EFFECTS = {
    "triage": triage_effects,
    "fix_immediately": fix_immediately_effects,
    "escalate": escalate_effects,
    "register_program_request": register_program_request_effects,
    "follow_up": follow_up_effects,
    "reject": decision_effects(ProgramRequest.State.REJECTED),
    "realize": decision_effects(ProgramRequest.State.REALIZED),
    "close": close_effects,
    "close_as_duplicate": close_as_duplicate_effects,
    "flag_risk": flag_risk_effects,
    "reopen": reopen_effects,
}


def test_it_covers_every_declared_state_and_transition():
    assert {t.source for t in DECLARED} <= set(State.values)
    assert {t.target for t in DECLARED} - {None} <= set(State.values)
    assert set(NAMES) == set(EFFECTS) == set(TRANSITION_FORMS)
    assert set(PATH_TO) == set(State)
    # Every state can be left, and closed only by reopening.
    assert {state for state, _ in ALLOWED} == set(State.values)
    assert [name for state, name in ALLOWED if state == State.CLOSED] == ["reopen"]
    assert len(ALLOWED) + len(REFUSED) == len(State.values) * len(NAMES)


@pytest.mark.req("R1")
@pytest.mark.parametrize(("state", "name"), ALLOWED, ids=map(pair_id, ALLOWED))
def test_it_runs_every_allowed_transition_into_its_declared_target(
    state, name, users, django_capture_on_commit_callbacks, mailoutbox
):
    by = users["support"]
    old = ticket_in_state(state, by)
    assert old.state == state
    if name == "close":
        if NOTIFY_BEFORE_CLOSE[state]:
            notify(old, NOTIFY_BEFORE_CLOSE[state], by)
        assert old.notifications.filter(kind=NOTIFY_BEFORE_CLOSE[state] or NotificationKind.SOLUTION)
    before = snapshot(old)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = run(old, name, by, **matrix_data(name, old))

    ticket = Ticket.objects.get(pk=old.pk)
    target = TARGETS[(state, name)] or state
    assert ticket.state == target
    assert ticket.version > old.version
    if TARGETS[(state, name)] is None:
        assert ticket.state_entered_at == old.state_entered_at
    else:
        assert ticket.state_entered_at > old.state_entered_at
    row = ticket.history.order_by("-history_id").first()
    assert row.state == target
    assert row.history_change_reason == name
    assert row.history_user == by
    assert ticket.history.count() == before["history"]["Ticket"] + 1
    if name not in ("triage", "flag_risk"):
        assert mailoutbox == []
        assert new(RiskReview, before) == []
    if name not in ("register_program_request",):
        assert new(ProgramRequest, before) == []
    EFFECTS[name](old, ticket, before, users, mailoutbox)


@pytest.mark.req("R1")
@pytest.mark.parametrize(("state", "name"), REFUSED, ids=map(pair_id, REFUSED))
def test_it_refuses_every_transition_not_allowed_and_changes_nothing(
    state, name, support_user, management_user, django_capture_on_commit_callbacks, mailoutbox
):
    ticket = ticket_in_state(state, support_user)
    data = transition_data(name, ticket)  # before the snapshot: it may create the other ticket
    before = snapshot(ticket)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as refused:
        run(ticket, name, support_user, **data)

    assert str(State(state).label) in str(refused.value.message)
    assert snapshot(ticket) == before
    assert mailoutbox == []


@pytest.mark.req("R4")
def test_it_triages_without_risk_with_no_review_and_no_mail(
    support_user, management_user, django_capture_on_commit_callbacks, mailoutbox
):
    ticket = ticket_in_state(State.INTAKE, support_user)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = run(ticket, "triage", support_user, category="question", risk_relevant=False)
    assert ticket.state == State.TRIAGE and ticket.category == "question"
    assert not ticket.risk_relevant
    assert not RiskReview.objects.filter(ticket=ticket).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(("kind", "priority"), [("complaint", "high"), ("wish", "normal")])
def test_it_gives_a_complaint_high_and_a_wish_normal_priority(support_user, kind, priority):
    ticket = ticket_in_state(State.ESCALATED, support_user)
    data = {**transition_data("register_program_request"), "kind": kind}
    ticket = run(ticket, "register_program_request", support_user, **data)
    assert ticket.state == State.PROGRAM_REQUEST
    assert ticket.priority == priority
    assert ticket.program_request.kind == kind and ticket.program_request.priority == priority


@pytest.mark.req("R1")
@pytest.mark.req("R14")
def test_it_answers_a_refused_transition_through_the_api_with_409_and_a_json_detail(support_user):
    ticket = ticket_in_state(State.INTAKE, support_user)
    before = snapshot(ticket)

    response = client_for(support_user).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json"
    )

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert "Gemeldet" in detail and "Abschließen" in detail
    assert snapshot(ticket) == before
    shown = client_for(support_user).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert "close" not in shown["available_transitions"]
    assert set(shown["available_transitions"]) == {n for s, n in ALLOWED if s == State.INTAKE}
