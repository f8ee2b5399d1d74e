"""Risk reviews for management: pending reviews with the signing form, and the signed ones (R12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from tests.conftest import web_client
from tests.factories import PASSWORD, CustomerFactory, run, ticket_in_state
from tickets import services
from tickets.models import RiskReview, State

pytestmark = pytest.mark.django_db

URL = reverse("risk-reviews")
RISK = "Falsche Kompressionsklasse könnte an Patienten ausgegeben werden."


def sign_url(ticket):
    return reverse("risk-review-sign", args=[ticket.pk])


def risky_ticket(by, **kwargs):
    ticket = ticket_in_state(State.TRIAGE, by, **kwargs)
    return run(ticket, "flag_risk", by, risk_description=RISK)


def sign(ticket, by, decision="no_action"):
    return services.risk_review_sign(
        ticket_id=ticket.pk, by=by, data={"decision": decision, "comment": "", "password": PASSWORD}
    )


def review_of(ticket):
    return RiskReview.objects.get(ticket=ticket)


@pytest.fixture
def management(management_user):
    return web_client(management_user)


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.req("R8")
def test_it_shows_the_page_to_management(management):
    response = management.get(URL)
    assert response.status_code == 200
    assert "tickets/risk_reviews.html" in [t.name for t in response.templates]


@pytest.mark.req("R8")
@pytest.mark.req("R12")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB, roles.ADMIN])
def test_other_roles_may_neither_see_nor_sign(users, support_user, role):
    ticket = risky_ticket(support_user)
    client = web_client(users[role])
    assert client.get(URL).status_code == 403
    response = client.post(sign_url(ticket), {"decision": "no_action", "password": PASSWORD})
    assert response.status_code == 403
    assert review_of(ticket).state == RiskReview.State.PENDING


@pytest.mark.req("R8")
def test_it_sends_anonymous_users_to_login(client, support_user):
    ticket = risky_ticket(support_user)
    for response in (client.get(URL), client.post(sign_url(ticket), {"password": PASSWORD})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert review_of(ticket).state == RiskReview.State.PENDING


def test_it_refuses_wrong_methods(management, support_user):
    ticket = risky_ticket(support_user)
    assert management.post(URL).status_code == 405
    assert management.get(sign_url(ticket)).status_code == 405
    assert management.post(reverse("risk-review-sign", args=[999999]), {}).status_code == 404


# --- the pending reviews ------------------------------------------------------------------------


def test_it_lists_pending_reviews_oldest_first_with_the_tickets_facts(management, support_user):
    older = risky_ticket(support_user, customer=CustomerFactory(name="Sanitätshaus Rheinblick"))
    newer = risky_ticket(support_user, summary="Etikettendruck falsch")
    response = management.get(URL)
    assert [review.ticket_id for review, _ in response.context["rows"]] == [older.pk, newer.pk]
    body = response.content.decode()
    assert reverse("ticket-detail", args=[older.pk]) in body
    assert older.number in body
    assert "Sanitätshaus Rheinblick" in body
    assert "Etikettendruck falsch" in body
    assert RISK in body
    assert support_user.get_full_name() in body
    assert "2 Bewertungen warten auf Ihre Unterschrift" in body


def test_each_form_has_the_decision_comment_password_and_the_meaning_beside_the_button(
    management, support_user
):
    ticket = risky_ticket(support_user)
    review = review_of(ticket)
    body = management.get(URL).content.decode()
    form = body.split(f'action="{sign_url(ticket)}"')[1].split("</form>")[0]
    for field in ("decision", "comment", "password"):
        assert f'for="review-{review.pk}-{field}"' in form
        assert f'id="review-{review.pk}-{field}"' in form
    assert 'type="password"' in form
    for label in ("keine Maßnahme erforderlich", "CAPA einleiten", "Meldung an die Behörde"):
        assert label in form
    assert "Unterschreiben" in form
    assert "Bedeutung der Unterschrift: „geprüft und bewertet durch die Geschäftsleitung“" in form


def test_a_second_pending_review_of_one_ticket_waits_for_the_first(management, support_user):
    ticket = risky_ticket(support_user)
    run(ticket, "flag_risk", support_user, risk_description="Noch ein Risiko: Etiketten vertauscht.")
    rows = management.get(URL).context["rows"]
    assert len(rows) == 2
    assert rows[0][1] is not None
    assert rows[1][1] is None
    body = management.get(URL).content.decode()
    assert body.count(f'action="{sign_url(ticket)}"') == 1
    assert "Für diesen Vorgang wartet eine ältere Bewertung; sie wird zuerst unterschrieben." in body


def test_it_says_so_when_nothing_waits(management):
    body = management.get(URL).content.decode()
    assert "Keine Bewertung wartet auf eine Unterschrift." in body
    assert "Noch keine Bewertung unterschrieben." in body


# --- signing (R12) -----------------------------------------------------------------------------


@pytest.mark.req("R12")
def test_management_signs_with_the_password_and_the_signature_is_shown(
    management, management_user, support_user
):
    ticket = risky_ticket(support_user)
    response = management.post(
        sign_url(ticket), {"decision": "capa", "comment": "CAPA 2026-04 eröffnet.", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    review = review_of(ticket)
    assert review.state == RiskReview.State.SIGNED
    assert (review.reviewer, review.decision, review.comment) == (
        management_user,
        "capa",
        "CAPA 2026-04 eröffnet.",
    )
    page = management.get(URL)
    body = page.content.decode()
    assert f"Die Bewertung zu Vorgang {ticket.number} ist unterschrieben." in body
    assert page.context["rows"] == []
    signed = body.split("Unterschriebene Bewertungen")[1]
    assert management_user.get_full_name() in signed
    assert review.signed_at.astimezone().strftime("%d.%m.%Y") in signed
    assert "CAPA einleiten" in signed
    assert "CAPA 2026-04 eröffnet." in signed
    assert "geprüft und bewertet durch die Geschäftsleitung" in signed


@pytest.mark.req("R12")
def test_a_wrong_password_signs_nothing_and_says_why_in_german(management, support_user):
    ticket = risky_ticket(support_user)
    response = management.post(sign_url(ticket), {"decision": "capa", "comment": "", "password": "Raten-123"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Das Passwort ist falsch; die Bewertung wurde nicht unterschrieben." in body
    review = review_of(ticket)
    assert review.state == RiskReview.State.PENDING
    assert review.signer_name == ""
    form = body.split(f'action="{sign_url(ticket)}"')[1].split("</form>")[0]
    assert f'id="review-{review.pk}-password"' in form
    assert 'value="capa" selected' in form  # the choice is kept, the password is not
    assert "Raten-123" not in form


@pytest.mark.req("R4")
def test_a_missing_decision_is_refused_in_german(management, support_user):
    ticket = risky_ticket(support_user)
    response = management.post(sign_url(ticket), {"decision": "", "password": PASSWORD})
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert review_of(ticket).state == RiskReview.State.PENDING


@pytest.mark.req("R12")
def test_signing_when_nothing_waits_is_a_conflict_with_a_message(management, management_user, support_user):
    ticket = risky_ticket(support_user)
    sign(ticket, management_user)
    response = management.post(sign_url(ticket), {"decision": "capa", "password": PASSWORD})
    assert response.status_code == 409
    assert "Für diesen Vorgang wartet keine Bewertung auf eine Unterschrift." in response.content.decode()
    assert review_of(ticket).decision == "no_action"  # the signed review is unchanged


# --- query counts -------------------------------------------------------------------------------


def test_it_runs_a_fixed_number_of_queries(
    management, management_user, support_user, django_assert_max_num_queries
):
    sign(risky_ticket(support_user), management_user)
    risky_ticket(support_user)
    with CaptureQueriesContext(connection) as captured:
        management.get(URL)
    few = len(captured)
    for _ in range(4):
        sign(risky_ticket(support_user), management_user)
        risky_ticket(support_user, customer=CustomerFactory())
    with django_assert_max_num_queries(few):
        response = management.get(URL)
    assert len(response.context["rows"]) == 5
    assert len(response.context["page"].object_list) == 5
