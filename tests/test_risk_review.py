"""R12, R3, R8: management signs a risk review with its password; a signed review is final."""

import pytest
from django.utils import timezone

from audit.history import save_audited
from tests.conftest import client_for
from tests.factories import PASSWORD, notify, run, ticket_in_state
from tickets.models import NotificationKind, RiskReview, SignedReviewIsFinal, State, Ticket

MEANING = "geprüft und bewertet durch die Geschäftsleitung"


def risk_ticket(by, state=State.TRIAGE):
    """A ticket flagged as risk-relevant, with one pending review."""
    ticket = ticket_in_state(state, by)
    ticket = run(ticket, "flag_risk", by)
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING
    return ticket


def sign(user, ticket, **data):
    body = {"decision": "capa", "comment": "CAPA-2026-03 eröffnet.", "password": PASSWORD, **data}
    return client_for(user).post(f"/api/v1/tickets/{ticket.pk}/risk-review/", body, format="json")


@pytest.mark.req("R12")
def test_it_lets_management_sign_with_name_time_and_meaning(support_user, management_user):
    ticket = risk_ticket(support_user)
    management_user.first_name, management_user.last_name = "Gerda", "Geschäftsführer"
    management_user.save()
    before = timezone.now()

    response = sign(management_user, ticket)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "signed"
    assert body["signer_name"] == "Gerda Geschäftsführer"
    assert body["reviewer"] == management_user.username
    assert body["meaning"] == MEANING
    assert body["decision"] == "capa" and body["comment"] == "CAPA-2026-03 eröffnet."
    assert "password" not in body
    review = RiskReview.objects.get(pk=body["id"])
    assert review.state == RiskReview.State.SIGNED and review.reviewer == management_user
    assert before <= review.signed_at <= timezone.now()
    assert timezone.datetime.fromisoformat(body["signed_at"]) == review.signed_at
    assert str(review.MEANING) == MEANING
    row = review.history.order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason, row.state) == (management_user, "sign", "signed")


@pytest.mark.req("R12")
@pytest.mark.parametrize("password", ["falsch", "", PASSWORD.lower(), f" {PASSWORD}"])
def test_it_refuses_a_wrong_password_and_leaves_the_review_pending(support_user, management_user, password):
    ticket = risk_ticket(support_user)
    review = ticket.risk_reviews.get()
    rows = review.history.count()

    response = sign(management_user, ticket, password=password)

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert response.json()["password"][0]
    review.refresh_from_db()
    assert review.state == RiskReview.State.PENDING
    assert (review.signer_name, review.signed_at, review.reviewer, review.decision) == ("", None, None, "")
    assert review.history.count() == rows


@pytest.mark.req("R12")
def test_it_logs_a_refused_signature_with_who_tried(support_user, management_user, caplog):
    ticket = risk_ticket(support_user)
    review = ticket.risk_reviews.get()

    with caplog.at_level("WARNING", logger="tickets.services"):
        sign(management_user, ticket, password="falsch")

    assert any(
        f"Risk review {review.pk}" in message
        and management_user.username in message
        and "wrong password" in message
        for message in caplog.messages
    )


@pytest.mark.req("R12")
def test_it_needs_a_valid_decision(support_user, management_user):
    ticket = risk_ticket(support_user)
    response = sign(management_user, ticket, decision="egal")
    assert response.status_code == 400 and "decision" in response.json()
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING


@pytest.mark.req("R8")
@pytest.mark.req("R12")
@pytest.mark.parametrize("role", ["support", "qmb", "admin"])
def test_it_lets_no_one_but_management_sign(users, role):
    ticket = risk_ticket(users["support"])
    user = users[role]
    if role == "admin":
        assert user.is_superuser

    response = sign(user, ticket)

    assert response.status_code == 403
    assert response.json()["detail"]
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING
    # The role is refused before anything else is looked at (DESIGN §7: 403 before 409 and 400).
    assert sign(user, ticket, password="falsch").status_code == 403


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", ["support", "management", "qmb", "admin"])
def test_it_lets_every_role_read_the_reviews(users, role):
    ticket = risk_ticket(users["support"])
    response = client_for(users[role]).get(f"/api/v1/tickets/{ticket.pk}/risk-review/")
    assert response.status_code == 200
    assert [r["state"] for r in response.json()] == ["pending"]


@pytest.mark.req("R12")
def test_it_answers_409_when_no_review_is_pending(support_user, management_user):
    plain = ticket_in_state(State.TRIAGE, support_user)
    response = sign(management_user, plain)
    assert response.status_code == 409 and response.json()["detail"]
    # A state conflict comes before bad data.
    assert sign(management_user, plain, password="falsch").status_code == 409
    assert not RiskReview.objects.filter(ticket=plain).exists()

    ticket = risk_ticket(support_user)
    assert sign(management_user, ticket).status_code == 201
    again = sign(management_user, ticket, decision="no_action")
    assert again.status_code == 409
    assert ticket.risk_reviews.get().decision == "capa"


@pytest.mark.req("R12")
def test_it_answers_404_for_an_unknown_ticket_before_the_role(qmb_user, management_user):
    assert (
        client_for(qmb_user)
        .post("/api/v1/tickets/999999/risk-review/", {"password": PASSWORD}, format="json")
        .status_code
        == 404
    )
    assert (
        client_for(management_user)
        .post(
            "/api/v1/tickets/999999/risk-review/", {"decision": "capa", "password": PASSWORD}, format="json"
        )
        .status_code
        == 404
    )


@pytest.mark.req("R12")
@pytest.mark.parametrize(
    "change",
    [
        {"decision": "no_action"},
        {"comment": "nachträglich geändert"},
        {"signer_name": "Jemand anders"},
        {"signed_at": None},
    ],
)
def test_it_never_changes_a_signed_review(support_user, management_user, change):
    ticket = risk_ticket(support_user)
    assert sign(management_user, ticket).status_code == 201
    review = ticket.risk_reviews.get()
    rows = review.history.count()
    original = (review.decision, review.comment, review.signer_name, review.signed_at)

    for field, value in change.items():
        setattr(review, field, value)
    with pytest.raises(SignedReviewIsFinal):
        save_audited(review, by=management_user, reason="edit")
    with pytest.raises(SignedReviewIsFinal):
        review.save()

    review = RiskReview.objects.get(pk=review.pk)
    assert (review.decision, review.comment, review.signer_name, review.signed_at) == original
    assert review.history.count() == rows


@pytest.mark.req("R3")
@pytest.mark.req("R12")
def test_it_asks_for_a_new_review_when_risk_is_flagged_after_signing(support_user, management_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    ticket = run(ticket, "flag_risk", support_user)
    first = ticket.risk_reviews.get()
    assert sign(management_user, ticket).status_code == 201
    first.refresh_from_db()
    signed = (first.state, first.signed_at, first.decision)

    ticket = run(ticket, "flag_risk", support_user, risk_description="Zweites Risiko: falsche Größe.")

    reviews = list(ticket.risk_reviews.order_by("created_at", "pk"))
    assert [r.state for r in reviews] == ["signed", "pending"]
    assert reviews[0].pk == first.pk
    assert (reviews[0].state, reviews[0].signed_at, reviews[0].decision) == signed
    assert reviews[1].risk_description == "Zweites Risiko: falsche Größe."
    close = client_for(support_user).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json"
    )
    assert close.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).state == State.IMMEDIATE_FIX

    response = sign(management_user, ticket, decision="no_action")
    assert response.status_code == 201
    assert response.json()["id"] == reviews[1].pk
    close = client_for(support_user).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json"
    )
    assert close.status_code == 200, close.json()


@pytest.mark.req("R3")
def test_it_blocks_close_while_any_of_several_reviews_is_unsigned(support_user, management_user):
    ticket = ticket_in_state(State.REALIZED, support_user)
    ticket = run(ticket, "flag_risk", support_user)
    ticket = run(ticket, "flag_risk", support_user, risk_description="Noch ein Risiko.")
    notify(ticket, NotificationKind.REALIZED, support_user)
    close = f"/api/v1/tickets/{ticket.pk}/transitions/close/"

    assert sign(management_user, ticket).status_code == 201  # signs the oldest
    assert client_for(support_user).post(close, {}, format="json").status_code == 409
    assert sign(management_user, ticket).status_code == 201
    assert client_for(support_user).post(close, {}, format="json").status_code == 200
