"""The CAPA pages: list with state filter, raising from a ticket, the proposal with history and steps."""

import pytest
from django.urls import reverse

from accounts import roles
from capa.models import CapaProposal
from tests.conftest import web_client
from tests.factories import create_ticket
from tests.test_capa import STEP_DATA, capa_in_state, raise_capa, step

LIST = reverse("capa-list")
NEW = reverse("capa-new")


def detail(capa):
    return reverse("capa-detail", args=[capa.pk])


def transition(capa, name):
    return reverse("capa-transition", args=[capa.pk, name])


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_sees_the_list_and_a_proposal(users, role):
    capa = raise_capa(users[roles.SUPPORT])
    client = web_client(users[role])
    assert client.get(LIST).status_code == 200
    response = client.get(detail(capa))
    assert response.status_code == 200
    assert capa.title in response.content.decode()
    assert 'href="/capa/"' in client.get("/").content.decode()  # the nav link, for every role


def test_anonymous_users_are_sent_to_the_login(client, support_user):
    capa = raise_capa(support_user)
    for url in (LIST, NEW, detail(capa)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_list_filters_by_state(web, support_user, management_user):
    proposed = raise_capa(support_user, title="Vorschlag offen")
    accepted = capa_in_state(CapaProposal.State.ACCEPTED, raised_by=support_user, decided_by=management_user)
    response = web.get(LIST, {"state": "accepted"})
    assert [capa.pk for capa in response.context["page"].object_list] == [accepted.pk]
    response = web.get(LIST)
    assert {capa.pk for capa in response.context["page"].object_list} == {proposed.pk, accepted.pk}


def test_an_unknown_state_filter_is_a_400_with_a_message(web):
    response = web.get(LIST, {"state": "erledigt"})
    assert response.status_code == 400
    assert "keine gültige Auswahl" in response.content.decode()


def test_the_ticket_page_offers_to_raise_a_proposal_prefilled_with_the_ticket(web, support_user, qmb_user):
    ticket = create_ticket(support_user)
    for client in (web, web_client(qmb_user)):
        assert (
            f'href="/capa/new/?ticket={ticket.pk}"' in client.get(f"/tickets/{ticket.pk}/").content.decode()
        )
    response = web.get(NEW, {"ticket": ticket.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"tickets": ticket.number, "title": ticket.summary}
    assert web.get(NEW, {"ticket": "abc"}).context["form"].initial == {}


def test_raising_a_proposal_in_the_browser(qmb_user, support_user):
    ticket = create_ticket(support_user)
    client = web_client(qmb_user)
    data = {
        "title": "Rückrufzeiten dokumentieren",
        "what": "Rückrufzeit im Vorgang erfassen.",
        "why": "Kunden fragen, wann wir zurückrufen.",
        "tickets": ticket.number,
    }
    response = client.post(NEW, data)
    capa = CapaProposal.objects.get()
    assert response.status_code == 302 and response.url == detail(capa)
    assert capa.raised_by == qmb_user and list(capa.tickets.all()) == [ticket]
    page = client.get(detail(capa)).content.decode()
    assert ticket.number in page and "CAPA-Vorschlag angelegt" in page and "Vorgang verknüpft" in page


def test_a_bad_proposal_is_shown_again_with_the_errors_and_the_input(web):
    response = web.post(NEW, {"title": "Etwas", "what": "", "why": "Weil", "tickets": "2026-000999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unbekannte Vorgangsnummer: 2026-000999" in html
    assert 'value="Etwas"' in html
    assert not CapaProposal.objects.exists()


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.MANAGEMENT, roles.QMB])
def test_deciders_see_the_steps_and_run_them(users, role):
    capa = raise_capa(users[roles.SUPPORT])
    client = web_client(users[role])
    response = client.get(detail(capa))
    assert [panel["name"] for panel in response.context["panels"]] == ["accept", "reject"]
    response = client.post(transition(capa, "accept"), {**STEP_DATA["accept"], "expected_state": "proposed"})
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.ACCEPTED
    page = client.get(detail(capa)).content.decode()
    assert "vorgeschlagen → angenommen" in page and STEP_DATA["accept"]["comment"] in page


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.ADMIN])
def test_others_see_no_steps_and_are_refused(users, role):
    capa = raise_capa(users[roles.SUPPORT])
    client = web_client(users[role])
    response = client.get(detail(capa))
    assert response.context["panels"] == []
    assert "/transitions/" not in response.content.decode()
    assert client.post(transition(capa, "accept"), STEP_DATA["accept"]).status_code == 403
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED


@pytest.mark.req("R14")
def test_a_rejection_without_reason_reopens_the_form_with_the_error(management_user, support_user):
    capa = raise_capa(support_user)
    response = web_client(management_user).post(transition(capa, "reject"), {"reason": ""})
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["name"] == "reject")
    assert panel["open"] and "reason" in panel["form"].errors


@pytest.mark.req("R1")
def test_a_step_from_the_wrong_state_is_a_409_with_a_message(management_user, support_user):
    capa = capa_in_state(CapaProposal.State.REJECTED, raised_by=support_user, decided_by=management_user)
    response = web_client(management_user).post(transition(capa, "accept"), {})
    assert response.status_code == 409
    assert "nicht möglich" in response.context["conflict"]


def test_an_unknown_step_is_a_404(management_user, support_user):
    capa = raise_capa(support_user)
    assert web_client(management_user).post(transition(capa, "delete"), {}).status_code == 404
    assert web_client(management_user).get(reverse("capa-detail", args=[999999])).status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    raise_capa(support_user, tickets=create_ticket(support_user).number)
    with django_assert_max_num_queries(8) as few:
        web.get(LIST)
    for _ in range(10):
        raise_capa(support_user, tickets=create_ticket(support_user).number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(LIST)
    assert len(response.context["page"].object_list) == 11


def test_the_proposal_page_runs_a_fixed_number_of_queries(
    management_user, support_user, django_assert_max_num_queries
):
    client = web_client(management_user)
    capa = capa_in_state(CapaProposal.State.IMPLEMENTED, raised_by=support_user, decided_by=management_user)
    with django_assert_max_num_queries(12) as few:
        client.get(detail(capa))
    numbers = " ".join(create_ticket(support_user).number for _ in range(10))
    many = raise_capa(support_user, tickets=numbers)
    for name in ("accept", "implement"):
        step(many, name, management_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail(many))
    assert len(response.context["tickets"]) == 10 and len(response.context["timeline"]) == 13
