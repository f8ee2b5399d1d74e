"""The customer pages: list with search, one customer with contacts and tickets, and their two forms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from customers.models import Contact, Customer
from tests.conftest import web_client
from tests.factories import ContactFactory, CustomerFactory, create_ticket, ticket_in_state
from tickets.models import State

pytestmark = [pytest.mark.django_db, pytest.mark.req("R8")]

WORKERS = [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN]


def list_url(**query):
    url = reverse("customer-list")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(customer):
    return reverse("customer-detail", args=[customer.pk])


def edit_url(customer):
    return reverse("customer-edit", args=[customer.pk])


def contact_url(customer):
    return reverse("customer-contact-add", args=[customer.pk])


def customer_data(customer, **changes):
    data = {
        "customer_number": customer.customer_number,
        "name": customer.name,
        "street": customer.street,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "phone": customer.phone,
        "alt_phone": customer.alt_phone,
        "email": customer.email,
        "notes": customer.notes,
        "active": "on",
        "reason": "Umzug",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def names_on(response):
    return [customer.name for customer in response.context["page"].object_list]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", roles.ROLES)
def test_it_shows_list_and_detail_to_every_role(users, role):
    customer = CustomerFactory()
    client = web_client(users[role])
    listing = client.get(list_url())
    detail = client.get(detail_url(customer))
    assert listing.status_code == 200
    assert "customers/customer_list.html" in [t.name for t in listing.templates]
    assert detail.status_code == 200
    assert "customers/customer_detail.html" in [t.name for t in detail.templates]


def test_it_sends_anonymous_users_to_login(client):
    customer = CustomerFactory()
    for url in (list_url(), detail_url(customer)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = client.post(contact_url(customer), {"name": "Neu"})
    assert response.status_code == 302
    assert not customer.contacts.exists()


@pytest.mark.parametrize("role", WORKERS)
def test_it_offers_both_forms_to_working_roles(users, role):
    customer = CustomerFactory()
    body = web_client(users[role]).get(detail_url(customer)).content.decode()
    assert f'action="{edit_url(customer)}"' in body
    assert f'action="{contact_url(customer)}"' in body


def test_it_shows_qmb_no_write_forms_and_refuses_its_posts(qmb_user):
    customer = CustomerFactory(city="Essen")
    client = web_client(qmb_user)
    response = client.get(detail_url(customer))
    body = response.content.decode()
    assert "<form" not in body.split('<main id="main"')[1].split("</main>")[0]
    assert "customer_form" not in response.context
    assert "contact_form" not in response.context
    assert client.post(edit_url(customer), customer_data(customer, city="Bonn")).status_code == 403
    assert client.post(contact_url(customer), {"name": "Frau Neu"}).status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Essen"
    assert not customer.contacts.exists()


def test_it_refuses_other_methods(web):
    customer = CustomerFactory()
    assert web.post(list_url()).status_code == 405
    assert web.post(detail_url(customer)).status_code == 405
    assert web.get(edit_url(customer)).status_code == 405
    assert web.get(contact_url(customer)).status_code == 405


def test_it_answers_404_for_an_unknown_customer(web):
    assert web.get(reverse("customer-detail", args=[999999])).status_code == 404
    assert web.post(reverse("customer-contact-add", args=[999999]), {"name": "X"}).status_code == 404


# --- list ---------------------------------------------------------------------------------------


def test_it_finds_customers_by_name_number_city_and_contact_name(web):
    rheinblick = CustomerFactory(name="Sanitätshaus Rheinblick", customer_number="K-777", city="Düsseldorf")
    ruhr = CustomerFactory(name="Ruhrgesund", city="Essen")
    ContactFactory(customer=ruhr, name="Sabine Hoffmann")
    assert names_on(web.get(list_url(q="rheinblick"))) == [rheinblick.name]
    assert names_on(web.get(list_url(q="K-777"))) == [rheinblick.name]
    assert names_on(web.get(list_url(q="Essen"))) == [ruhr.name]
    assert names_on(web.get(list_url(q="hoffmann"))) == [ruhr.name]


def test_it_finds_customers_by_any_spelling_of_a_phone_number(web):
    own = CustomerFactory(name="Eigene Nummer", phone="0211 7817340")
    via_contact = CustomerFactory(name="Über Ansprechpartner", phone="0201 111111")
    ContactFactory(customer=via_contact, phone="0172 5518820")
    CustomerFactory(name="Andere", phone="030 999999")
    assert names_on(web.get(list_url(q="%2B49 211 781 73 40"))) == [own.name]
    assert names_on(web.get(list_url(q="0172/5518820"))) == [via_contact.name]


def test_it_filters_by_active(web):
    CustomerFactory(name="Aktiv")
    CustomerFactory(name="Ehemalig", active=False)
    assert names_on(web.get(list_url(active="1"))) == ["Aktiv"]
    assert names_on(web.get(list_url(active="0"))) == ["Ehemalig"]
    assert sorted(names_on(web.get(list_url()))) == ["Aktiv", "Ehemalig"]
    assert "inaktiv" in web.get(list_url(active="0")).content.decode()


def test_it_says_so_when_nothing_matches(web):
    CustomerFactory(name="Aktiv")
    body = web.get(list_url(q="gibtesnicht")).content.decode()
    assert "Keine Kunden gefunden." in body


def test_it_paginates_and_keeps_the_filter_in_the_page_links(web):
    for n in range(30):
        CustomerFactory(name=f"Haus {n:02d}", city="Köln")
    first = web.get(list_url(q="Köln"))
    assert len(names_on(first)) == 25
    assert "Seite 1 von 2" in first.content.decode()
    assert "?q=K%C3%B6ln&amp;page=2" in first.content.decode()
    second = web.get(list_url(q="Köln", page=2))
    assert names_on(second) == [f"Haus {n:02d}" for n in range(25, 30)]


def test_it_counts_each_customers_tickets(web, support_user):
    customer = CustomerFactory()
    create_ticket(support_user, customer=customer)
    create_ticket(support_user, customer=customer)
    row = web.get(list_url()).context["page"].object_list[0]
    assert row.ticket_count == 2


# --- detail -------------------------------------------------------------------------------------


def test_it_shows_facts_contacts_and_tickets(web, support_user):
    customer = CustomerFactory(name="Rheinblick", street="Kölner Straße 112", postal_code="40227")
    ContactFactory(customer=customer, name="Markus Becker", role="Orthopädietechnik")
    ticket = ticket_in_state(State.ESCALATED, support_user, customer=customer, summary="Druck bricht ab")
    body = web.get(detail_url(customer)).content.decode()
    assert "Kölner Straße 112, 40227" in body
    assert "Markus Becker" in body
    assert "Orthopädietechnik" in body
    assert reverse("ticket-detail", args=[ticket.pk]) in body
    assert ticket.number in body
    assert "Druck bricht ab" in body
    assert '<span class="badge state-escalated">Bei SIC</span>' in body


def test_it_says_so_when_a_customer_has_no_tickets_yet(web):
    body = web.get(detail_url(CustomerFactory())).content.decode()
    assert "Für diesen Kunden gibt es noch keine Vorgänge." in body


# --- add a contact ------------------------------------------------------------------------------


def test_it_adds_a_contact(web, support_user):
    customer = CustomerFactory()
    response = web.post(contact_url(customer), {"name": "Frau Neu", "role": "Kasse", "phone": "0211 123456"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(customer)
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.role, contact.phone_e164, contact.active) == (
        "Frau Neu",
        "Kasse",
        "+49211123456",
        True,
    )
    assert contact.history.get().history_user == support_user
    page = web.get(response["Location"]).content.decode()
    assert "Ansprechpartner „Frau Neu“ wurde angelegt." in page
    assert "Frau Neu" in page


def test_it_shows_contact_errors_in_german_and_saves_nothing(web):
    customer = CustomerFactory()
    response = web.post(contact_url(customer), {"name": "", "phone": "abc"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in body
    assert "„abc“ ist keine gültige Telefonnummer." in body
    assert 'id="contact-phone"' in body
    assert '<details class="transition" open>' in body
    assert not customer.contacts.exists()


# --- edit the customer --------------------------------------------------------------------------


def test_it_updates_the_customer(web, support_user):
    customer = CustomerFactory(city="Essen")
    response = web.post(edit_url(customer), customer_data(customer, city="Bonn", email="info@example.test"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.email, customer.active) == ("Bonn", "info@example.test", True)
    assert customer.history.first().history_change_reason == "edit: Umzug"  # R20
    assert "Die Kundendaten wurden gespeichert." in web.get(response["Location"]).content.decode()


def test_an_unticked_active_box_deactivates_the_customer(web):
    customer = CustomerFactory()
    response = web.post(edit_url(customer), customer_data(customer, active=None))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.active is False


def test_it_shows_customer_errors_in_german_and_keeps_the_old_data(web):
    customer = CustomerFactory(name="Alt", city="Essen")
    response = web.post(edit_url(customer), customer_data(customer, name="", city="Bonn", email="kaputt"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in body
    assert "Gib eine gültige E-Mail Adresse an." in body
    assert 'id="customer-email"' in body
    customer.refresh_from_db()
    assert (customer.name, customer.city) == ("Alt", "Essen")


# --- query counts -------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_runs_a_fixed_number_of_queries(web, django_assert_max_num_queries):
    CustomerFactory()
    few = count_queries(web, list_url())
    for _ in range(20):
        ContactFactory(customer=CustomerFactory())
    with django_assert_max_num_queries(few):
        response = web.get(list_url(q="Sanit"))
    assert len(response.context["page"].object_list) == 21


def test_the_detail_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    customer = CustomerFactory()
    few = count_queries(web, detail_url(customer))
    for _ in range(8):
        ContactFactory(customer=customer)
        ticket_in_state(State.TRIAGE, support_user, customer=customer)
    with django_assert_max_num_queries(few):
        response = web.get(detail_url(customer))
    assert len(response.context["tickets"]) == 8
    assert Customer.objects.get(pk=customer.pk).contacts.count() == 8
