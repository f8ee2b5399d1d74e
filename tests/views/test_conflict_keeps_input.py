"""R14 "nothing typed is lost": a write refused with a conflict (someone else was faster) shows the
page again with everything the person typed, in its form and beside the conflict message."""

from html import escape

import pytest

from supportdesk.forms import as_typed
from tests.conftest import web_client
from tests.factories import run, ticket_in_state
from tickets.forms import RiskReviewSignForm
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

SOLUTION = "Druckertreiber neu zugewiesen; Kunde druckt wieder.\nZweite Zeile der Lösung."


@pytest.mark.req("R14")
def test_a_transition_refused_because_the_state_moved_on_keeps_the_typed_text(support_user, management_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    run(ticket, "escalate", management_user)  # meanwhile, a colleague escalated it
    response = web_client(support_user).post(
        f"/tickets/{ticket.pk}/transitions/fix_immediately/",
        {"resolution_kind": "user_error", "solution": SOLUTION, "expected_state": State.TRIAGE},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Ihre Eingaben wurden nicht gespeichert" in html
    assert escape(SOLUTION).replace("\n", "<br>") in html  # beside the conflict
    assert escape(SOLUTION) in html  # and in the step's form, which is still possible from escalated
    assert Ticket.objects.get(pk=ticket.pk).state == State.ESCALATED


@pytest.mark.req("R14")
def test_a_correction_based_on_an_old_version_keeps_the_typed_facts(support_user, management_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    seen = ticket.version
    web_client(management_user).post(
        f"/tickets/{ticket.pk}/edit/",
        {"version": seen, "caller_name": "Herr Kollege", "reason": "Tippfehler"},
    )
    response = web_client(support_user).post(
        f"/tickets/{ticket.pk}/edit/",
        {"version": seen, "summary": "Rezeptdruck bricht bei Muster 16 ab", "reason": "genauer"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Rezeptdruck bricht bei Muster 16 ab"' in html  # the facts form, as typed
    assert 'id="record-edit" open' in html
    assert f'name="version" value="{Ticket.objects.get(pk=ticket.pk).version}"' in html  # saving again works
    assert Ticket.objects.get(pk=ticket.pk).summary == "Rezeptdruck bricht ab"


def test_a_refused_signature_never_shows_the_password_again(management_user):
    form = as_typed(
        RiskReviewSignForm,
        {"decision": "no_action", "comment": "geprüft", "password": "geheim"},
        user=management_user,
    )
    assert form.initial == {"decision": "no_action", "comment": "geprüft"}
    assert not form.is_bound
