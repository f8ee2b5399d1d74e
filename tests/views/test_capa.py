"""The CAPA pages: list with state filter, raising from a ticket, the proposal with history and steps;
management signs its decision with the password, the process manager carries it out (R22, R8)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from capa.models import CapaProposal
from tests.conftest import web_client
from tests.factories import PASSWORD, create_ticket, user_with_role
from tests.test_capa import capa_in_state, raise_capa, step, step_data

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


def accept_form(owner, **data):
    due = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    return {
        "owner": owner.pk,
        "due_date": due,
        "comment": "Beschluss QB 04/2026",
        "password": PASSWORD,
        **data,
    }


@pytest.mark.req("R8")
@pytest.mark.req("R22")
def test_management_sees_the_signed_decision_and_accepts_with_the_password(
    management_user, support_user, process_manager_user
):
    capa = raise_capa(support_user)
    client = web_client(management_user)
    response = client.get(detail(capa))
    assert [panel["name"] for panel in response.context["panels"]] == ["accept", "reject"]
    html = response.content.decode()
    assert "Ihr Passwort (Unterschrift)" in html and "Entscheidung der Geschäftsleitung" in html

    response = client.post(
        transition(capa, "accept"), {**accept_form(process_manager_user), "expected_state": "proposed"}
    )
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.ACCEPTED and capa.owner == process_manager_user
    page = client.get(detail(capa)).content.decode()
    assert "vorgeschlagen → angenommen" in page and "Beschluss QB 04/2026" in page
    assert capa.decision_signer_name in page and "Bedeutung der Unterschrift" in page
    assert process_manager_user.get_full_name() in page


@pytest.mark.req("R22")
def test_a_wrong_password_shows_the_form_again_with_everything_typed(
    management_user, support_user, process_manager_user
):
    capa = raise_capa(support_user)
    response = web_client(management_user).post(
        transition(capa, "accept"), accept_form(process_manager_user, password="falsch")
    )
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["name"] == "accept")
    assert panel["open"] and list(panel["form"].errors) == ["password"]
    html = response.content.decode()
    assert "Das Passwort ist falsch; die Entscheidung wurde nicht unterschrieben." in html
    assert "Beschluss QB 04/2026" in html  # nothing typed is lost
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED


@pytest.mark.req("R8")
@pytest.mark.req("R22")
def test_the_process_manager_implements_and_checks_in_the_browser(
    management_user, support_user, process_manager_user
):
    capa = capa_in_state(
        CapaProposal.State.ACCEPTED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    client = web_client(process_manager_user)
    assert [p["name"] for p in client.get(detail(capa)).context["panels"]] == ["implement"]
    response = client.post(transition(capa, "implement"), step_data("implement"))
    assert response.status_code == 302
    assert [p["name"] for p in client.get(detail(capa)).context["panels"]] == ["check_effectiveness"]
    response = client.post(transition(capa, "check_effectiveness"), step_data("check_effectiveness"))
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.EFFECTIVENESS_CHECKED and capa.checked_by == process_manager_user
    page = client.get(detail(capa)).content.decode()
    assert step_data("check_effectiveness")["result"] in page and "wirksam" in page


@pytest.mark.req("R8")
@pytest.mark.req("R22")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB, roles.ADMIN, roles.PROCESS_MANAGER])
def test_no_one_but_management_decides_in_the_browser(users, role):
    capa = raise_capa(users[roles.SUPPORT])
    client = web_client(users[role])
    response = client.get(detail(capa))
    assert response.context["panels"] == []
    assert "/transitions/" not in response.content.decode()
    response = client.post(transition(capa, "accept"), accept_form(users[roles.PROCESS_MANAGER]))
    assert response.status_code == 403
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED


@pytest.mark.req("R8")
@pytest.mark.req("R22")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB, roles.ADMIN, roles.MANAGEMENT])
def test_no_one_but_the_process_manager_carries_out_in_the_browser(users, role):
    capa = capa_in_state(
        CapaProposal.State.ACCEPTED,
        raised_by=users[roles.SUPPORT],
        decided_by=users[roles.MANAGEMENT],
        carried_out_by=users[roles.PROCESS_MANAGER],
    )
    client = web_client(users[role])
    assert client.get(detail(capa)).context["panels"] == []
    assert client.post(transition(capa, "implement"), step_data("implement")).status_code == 403
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.ACCEPTED


@pytest.mark.req("R8")
def test_the_phone_system_sees_no_capa_page(support_user):
    capa = raise_capa(support_user)
    client = web_client(user_with_role(roles.TELEPHONY))
    for url in (LIST, NEW, detail(capa)):
        assert client.get(url).status_code == 403


@pytest.mark.req("R14")
def test_a_rejection_without_reason_reopens_the_form_with_the_error(management_user, support_user):
    capa = raise_capa(support_user)
    response = web_client(management_user).post(
        transition(capa, "reject"), {"reason": "", "password": PASSWORD}
    )
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
    management_user, support_user, process_manager_user, django_assert_max_num_queries
):
    client = web_client(management_user)
    capa = capa_in_state(
        CapaProposal.State.IMPLEMENTED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    with django_assert_max_num_queries(14) as few:
        client.get(detail(capa))
    numbers = " ".join(create_ticket(support_user).number for _ in range(10))
    many = raise_capa(support_user, tickets=numbers)
    step(many, "accept", management_user, owner_user=process_manager_user)
    step(many, "implement", process_manager_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail(many))
    assert len(response.context["tickets"]) == 10 and len(response.context["timeline"]) == 13


@pytest.mark.req("R22")
def test_an_overdue_capa_is_marked_on_the_list_and_its_page(
    monkeypatch, management_user, support_user, process_manager_user
):
    capa = raise_capa(support_user)
    today = timezone.localdate()
    step(
        capa,
        "accept",
        management_user,
        owner=process_manager_user.pk,
        due_date=today.isoformat(),
        password=PASSWORD,
    )
    client = web_client(process_manager_user)
    assert "überfällig" not in client.get(detail(capa)).content.decode()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(days=2))
    assert "überfällig" in client.get(detail(capa)).content.decode()
    assert "überfällig" in client.get(LIST).content.decode()
