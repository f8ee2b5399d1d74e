"""Incoming calls (DESIGN §7 `POST/GET /api/v1/calls/`, §8 the banner, §9 "Calls")."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from calls.models import IncomingCall
from tests.conftest import client_for, web_client
from tests.factories import ContactFactory, CustomerFactory, create_ticket, ticket_in_state, user_with_role
from tickets.models import State

pytestmark = pytest.mark.django_db
URL = "/api/v1/calls/"


@pytest.fixture
def phone_system():
    return user_with_role(roles.TELEPHONY)


@pytest.fixture
def caller(support_user):
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH", phone="0211 7817340")
    contact = ContactFactory(customer=customer, name="Petra Schneider", phone="0211 7817341")
    open_ticket = create_ticket(support_user, customer=customer, summary="Kassenrezept druckt nicht")
    ticket_in_state(State.CLOSED, support_user, customer=customer)
    return {"customer": customer, "contact": contact, "open": open_ticket}


def test_a_reported_call_is_matched_like_the_caller_lookup(phone_system, caller):
    response = client_for(phone_system).post(URL, {"caller_phone": "+49 211 781 73 41"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["matches"] == [
        {
            "customer": caller["customer"].pk,
            "customer_name": "Sanitätshaus Lindner GmbH",
            "contact": caller["contact"].pk,
            "contact_name": "Petra Schneider",
        }
    ]
    assert body["open_tickets"] == [caller["open"].pk]  # the closed one is no open ticket
    assert datetime.datetime.fromisoformat(body["received_at"]) <= timezone.now()


def test_a_repeated_external_id_is_the_same_call(phone_system, caller):
    client = client_for(phone_system)
    first = client.post(URL, {"caller_phone": "0211 7817341", "external_id": "pbx-1"}, format="json")
    again = client.post(URL, {"caller_phone": "0211 7817341", "external_id": "pbx-1"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert IncomingCall.objects.count() == 1


@pytest.mark.req("R8")
def test_the_phone_system_may_only_report_calls(phone_system, caller, users):
    client = client_for(phone_system)
    assert client.get(URL).status_code == 403
    assert client.get("/api/v1/tickets/").status_code == 403
    assert client.get(f"/api/v1/customers/{caller['customer'].pk}/").status_code == 403
    assert (
        client_for(users[roles.QMB]).post(URL, {"caller_phone": "0211 1"}, format="json").status_code == 403
    )
    assert client_for(users[roles.SUPPORT]).get(URL).status_code == 200


def test_bad_input_is_a_400_naming_the_field(phone_system):
    client = client_for(phone_system)
    assert list(client.post(URL, {}, format="json").json()) == ["caller_phone"]
    unknown = client.post(URL, {"caller_phone": "0211 1", "agent": "niemand"}, format="json")
    assert list(unknown.json()) == ["agent"]


def test_the_banner_shows_the_call_to_its_agent_and_to_everyone_if_for_nobody(phone_system, caller, users):
    support, management = users[roles.SUPPORT], users[roles.MANAGEMENT]
    client_for(phone_system).post(
        URL, {"caller_phone": "0211 7817341", "agent": management.username}, format="json"
    )
    mine = web_client(management).get(reverse("call-banner")).content.decode()
    assert "Eingehender Anruf" in mine and "Petra Schneider" in mine
    assert caller["open"].number in mine
    assert "Eingehender Anruf" not in web_client(support).get(reverse("call-banner")).content.decode()

    client_for(phone_system).post(URL, {"caller_phone": "0171 9999999"}, format="json")
    unknown = web_client(support).get(reverse("call-banner")).content.decode()
    assert "Nummer unbekannt" in unknown


def test_the_intake_is_prefilled_from_the_call_and_logging_it_takes_it_off_the_banner(
    phone_system, caller, support_user
):
    call = client_for(phone_system).post(URL, {"caller_phone": "0211 7817341"}, format="json").json()
    web = web_client(support_user)
    page = web.get(reverse("ticket-new"), {"call": call["id"]})
    assert page.context["selected_customer"] == caller["customer"]
    assert page.context["selected_contact"] == caller["contact"]
    html = page.content.decode()
    assert f'name="call" value="{call["id"]}"' in html
    assert 'value="0211 7817341"' in html
    data = {
        "customer": caller["customer"].pk,
        "contact": caller["contact"].pk,
        "caller_name": "Petra Schneider",
        "caller_phone": "0211 7817341",
        "summary": "Etiketten werden leer gedruckt",
        "description": "Seit heute früh.",
        "call": call["id"],
        "save": "1",
    }
    assert web.post(reverse("ticket-new"), data).status_code == 302
    assert IncomingCall.objects.get(pk=call["id"]).handled_by == support_user
    assert "Eingehender Anruf" not in web.get(reverse("call-banner")).content.decode()


def test_the_banner_poll_stops_when_signed_out_and_keeps_no_session_alive(client, support_user):
    assert client.get(reverse("call-banner")).status_code == 286  # htmx: stop polling
    web = web_client(support_user)
    response = web.get(reverse("call-banner"), headers={"X-Supportdesk-Poll": "1"})
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # not saved: polling is no activity (R18)


def test_the_banner_has_a_fixed_number_of_queries(
    phone_system, caller, support_user, django_assert_max_num_queries
):
    for i in range(3):
        client_for(phone_system).post(URL, {"caller_phone": f"0211 781734{i}"}, format="json")
    web = web_client(support_user)
    with django_assert_max_num_queries(6):
        assert web.get(reverse("call-banner")).status_code == 200


def test_adduser_creates_the_phone_systems_account(monkeypatch):

    monkeypatch.setenv("DJANGO_USER_PASSWORD", "Telefonanlage-2026!")
    call_command("adduser", "pbx", "--role", "telephony")
    user = (
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.get(username="pbx")
    )
    assert roles.can_report_calls(user) and not roles.can_read(user)
