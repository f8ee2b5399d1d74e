"""Issue 11 "caller context at intake" (DESIGN §9 "Calls"): once the caller is picked the intake
shows their open and last closed tickets, warns about an open ticket with a similar summary, and
"Zu bestehendem Vorgang" records the call as a call note there instead of a new ticket. The call's
time becomes the ticket's `received_at`."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.history import save_audited
from calls.models import IncomingCall
from tests.conftest import client_for, web_client
from tests.factories import ContactFactory, CustomerFactory, create_ticket, ticket_in_state, user_with_role
from tickets import selectors
from tickets.models import CallNote, State, Ticket

pytestmark = pytest.mark.django_db
NEW = reverse("ticket-new")


@pytest.fixture
def lindner(support_user):
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH", phone="0211 7817340")
    contact = ContactFactory(customer=customer, name="Petra Schneider", phone="0211 7817341")
    open_ticket = create_ticket(support_user, customer=customer, summary="Kassenrezept druckt nicht")
    closed = ticket_in_state(State.CLOSED, support_user, customer=customer, summary="Etiketten leer")
    other_customers = create_ticket(support_user, summary="Kassenrezept druckt nicht")
    return {
        "customer": customer,
        "contact": contact,
        "open": open_ticket,
        "closed": closed,
        "other": other_customers,
    }


def intake_data(lindner, **extra):
    return {
        "customer": lindner["customer"].pk,
        "contact": lindner["contact"].pk,
        "caller_name": "Petra Schneider",
        "caller_phone": "0211 7817341",
        "summary": "Kassenrezept druckt schon wieder nicht",
        "description": "Der Druck bricht nach der ersten Seite ab.",
        **extra,
    }


def test_picking_the_customer_shows_their_open_and_last_closed_tickets(web, lindner):
    page = web.get(NEW, {"customer": lindner["customer"].pk}, headers={"HX-Request": "true"})
    html = page.content.decode()
    assert lindner["open"].number in html and lindner["closed"].number in html
    assert lindner["other"].number not in html
    assert "Zu bestehendem Vorgang" in html


def test_the_caller_context_has_a_fixed_number_of_queries(
    web, support_user, lindner, django_assert_max_num_queries
):
    def page():
        return web.get(NEW, {"customer": lindner["customer"].pk}, headers={"HX-Request": "true"})

    page()
    with django_assert_max_num_queries(8) as few:
        page()
    for _ in range(12):
        create_ticket(support_user, customer=lindner["customer"])
        ticket_in_state(State.CLOSED, support_user, customer=lindner["customer"])
    with django_assert_max_num_queries(len(few)):
        assert page().status_code == 200


def test_a_similar_summary_warns_of_the_customers_open_ticket(web, lindner, django_assert_max_num_queries):
    params = {
        "summary": "Kassenrezept druckt nicht mehr",
        "description": "",
        "customer": lindner["customer"].pk,
    }
    with django_assert_max_num_queries(8):
        html = web.get(reverse("solution-suggestions"), params).content.decode()
    assert 'id="duplicate-warning" hx-swap-oob="innerHTML"' in html
    assert "Möglicherweise derselbe Fall" in html and lindner["open"].number in html
    assert lindner["other"].number not in html  # another customer's ticket is no duplicate

    unrelated = web.get(
        reverse("solution-suggestions"), {**params, "summary": "Lizenz abgelaufen"}
    ).content.decode()
    assert "Möglicherweise derselbe Fall" not in unrelated


def test_the_warning_compares_the_customers_newest_open_tickets(web, support_user, lindner, monkeypatch):
    """A chain with thousands of open tickets: the newest SIMILAR_OPEN_SEARCHED are compared."""
    for _ in range(2):
        create_ticket(support_user, customer=lindner["customer"], summary="Lizenz", description="abgelaufen")
    params = {"summary": "Kassenrezept druckt nicht mehr", "customer": lindner["customer"].pk}

    monkeypatch.setattr(selectors, "SIMILAR_OPEN_SEARCHED", 2)
    html = web.get(reverse("solution-suggestions"), params).content.decode()
    assert "Möglicherweise derselbe Fall" not in html  # the similar one is older than the newest two

    monkeypatch.setattr(selectors, "SIMILAR_OPEN_SEARCHED", 3)
    html = web.get(reverse("solution-suggestions"), params).content.decode()
    assert "Möglicherweise derselbe Fall" in html and lindner["open"].number in html


def test_a_refused_save_shows_the_warning_without_javascript(web, lindner):
    response = web.post(NEW, intake_data(lindner, description="", save="1"))
    assert response.status_code == 400
    assert "Möglicherweise derselbe Fall" in response.content.decode()


def test_to_the_existing_ticket_records_a_call_note_there_and_no_new_ticket(web, support_user, lindner):
    phone_system = user_with_role(roles.TELEPHONY)
    call = (
        client_for(phone_system)
        .post("/api/v1/calls/", {"caller_phone": "0211 7817341"}, format="json")
        .json()
    )
    tickets_before = Ticket.objects.count()

    response = web.post(NEW, intake_data(lindner, to_ticket=lindner["open"].pk, call=call["id"]))

    assert response.status_code == 302 and response["Location"] == f"/tickets/{lindner['open'].pk}/"
    assert Ticket.objects.count() == tickets_before
    note = CallNote.objects.filter(ticket=lindner["open"]).latest("pk")
    assert note.direction == "inbound" and note.created_by == support_user
    assert "Kassenrezept druckt schon wieder nicht" in note.text and "ersten Seite" in note.text
    assert IncomingCall.objects.get(pk=call["id"]).handled_by == support_user


def test_to_the_existing_ticket_refuses_another_customers_or_a_closed_ticket(web, lindner):
    for target in (lindner["other"], lindner["closed"]):
        response = web.post(NEW, intake_data(lindner, to_ticket=target.pk))
        assert response.status_code == 400
        assert "nicht mehr offen oder gehört nicht zum Kunden" in response.content.decode()
        assert "Kassenrezept druckt schon wieder nicht" in response.content.decode()  # R14: kept
    assert not CallNote.objects.filter(
        ticket__in=[lindner["other"], lindner["closed"]], text__contains="wieder"
    ).exists()


def test_the_calls_time_becomes_the_tickets_received_at(web, lindner):
    phone_system = user_with_role(roles.TELEPHONY)
    rang = timezone.now() - datetime.timedelta(minutes=7)  # the agent types it in after the call
    made = IncomingCall(
        caller_phone="0211 7817341",
        customer=lindner["customer"],
        contact=lindner["contact"],
        reported_by=phone_system,
        received_at=rang,
    )
    save_audited(made, by=phone_system, reason="call_reported")
    call = {"id": made.pk}

    page = web.get(NEW, {"call": call["id"]}).content.decode()
    typed = timezone.localtime(rang).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{typed}"' in page

    assert (
        web.post(NEW, intake_data(lindner, received_at=typed, call=call["id"], save="1")).status_code == 302
    )
    ticket = Ticket.objects.latest("pk")
    assert timezone.localtime(ticket.received_at).strftime("%Y-%m-%dT%H:%M") == typed
    assert ticket.channel == "phone"


@pytest.mark.req("R4")
def test_received_at_is_never_in_the_future(api, lindner):
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    response = api.post("/api/v1/tickets/", {**intake_data(lindner), "received_at": later}, format="json")
    assert response.status_code == 400 and "Zukunft" in response.json()["received_at"][0]

    letter = (timezone.now() - datetime.timedelta(days=2)).isoformat()
    made = api.post(
        "/api/v1/tickets/",
        {
            **intake_data(lindner),
            "received_at": letter,
            "channel": "letter",
            "sanivision_reference": "SV-2026-0815",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["channel"], body["sanivision_reference"]) == ("letter", "SV-2026-0815")
    assert datetime.datetime.fromisoformat(body["received_at"]) == datetime.datetime.fromisoformat(letter)
    assert (
        api.post(
            "/api/v1/tickets/", {**intake_data(lindner), "channel": "brieftaube"}, format="json"
        ).status_code
        == 400
    )


def test_a_call_note_from_the_banner_takes_the_call_off_it(support_user, lindner):
    phone_system = user_with_role(roles.TELEPHONY)
    call = (
        client_for(phone_system)
        .post("/api/v1/calls/", {"caller_phone": "0211 7817341"}, format="json")
        .json()
    )
    web = web_client(support_user)
    page = web.get(f"/tickets/{lindner['open'].pk}/", {"call": call["id"]}).content.decode()
    assert f'name="call" value="{call["id"]}"' in page

    note = {"direction": "inbound", "text": "Kundin fragt nach dem Stand.", "call": call["id"]}
    assert web.post(f"/tickets/{lindner['open'].pk}/call-notes/", note).status_code == 302
    assert IncomingCall.objects.get(pk=call["id"]).handled_at is not None
