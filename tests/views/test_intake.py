"""The intake page /tickets/new/ and its caller lookup (DESIGN §8, issue 3 "Intake")."""

import pytest
from django.urls import reverse

from accounts import roles
from customers import services as customer_services
from customers.models import Contact, Customer
from tests.conftest import web_client
from tests.factories import ContactFactory, CustomerFactory
from tickets import services
from tickets.models import CallNote, RiskReview, State, Ticket

NEW = reverse("ticket-new")
LOOKUP = reverse("caller-lookup")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def rheinblick(db):
    customer = CustomerFactory(
        customer_number="K-10101", name="Sanitätshaus Rheinblick GmbH", phone="0211 1234567"
    )
    ContactFactory(customer=customer, name="Sabine Hoffmann", phone="0172 5518820")
    return customer


def call(customer=None, contact=None, **extra):
    data = {
        "customer": customer.pk if customer else "",
        "contact": contact.pk if contact else "",
        "caller_name": "Sabine Hoffmann",
        "caller_phone": "0211 1234567",
        "summary": "Rezeptdruck bricht ab",
        "description": "Beim Drucken eines Kassenrezepts erscheint Fehler 4711.",
        "note": "",
        "save": "1",
    }
    return {**data, **extra}


def counts():
    return Customer.objects.count(), Contact.objects.count(), Ticket.objects.count(), CallNote.objects.count()


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"), [(roles.SUPPORT, 200), (roles.MANAGEMENT, 200), (roles.ADMIN, 200), (roles.QMB, 403)]
)
def test_it_lets_only_working_roles_log_a_call(users, role, status):
    client = web_client(users[role])
    assert client.get(NEW).status_code == status
    assert client.get(LOOKUP, {"q": "Rhein"}, **HTMX).status_code == status


@pytest.mark.req("R8")
def test_it_refuses_a_qmb_posting_a_call(qmb_user, rheinblick):
    response = web_client(qmb_user).post(NEW, call(rheinblick))
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


@pytest.mark.req("R8")
def test_it_sends_anonymous_users_to_the_login(client):
    for url in (NEW, LOOKUP):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_it_refuses_other_methods(web):
    assert web.put(NEW).status_code == 405
    assert web.generic("TRACE", NEW).status_code == 405
    assert web.post(LOOKUP, **HTMX).status_code == 405


# --- the page ------------------------------------------------------------------------------------


def test_it_shows_the_form_with_the_lookup_focused_and_outside_the_ticket_form(web):
    response = web.get(NEW)
    assert response.templates[0].name == "tickets/intake.html"
    html = response.content.decode()
    lookup_input = html[html.index('id="lookup-q"') : html.index(">", html.index('id="lookup-q"'))]
    assert "autofocus" in lookup_input
    assert 'hx-trigger="input changed delay:200ms, search"' in lookup_input
    # Enter in the lookup submits the lookup form, which ends before the ticket form starts.
    assert html.index('id="lookup-q"') < html.index("</form>", html.index('id="lookup"'))
    assert html.index("</form>", html.index('id="lookup"')) < html.index('id="ticket-form"')
    assert 'aria-live="polite"' in html
    for label in (
        "Telefonnummer oder Name",
        "Neuer Kunde",
        "Betreff",
        "Problembeschreibung",
        "Gesprächsnotiz",
    ):
        assert label in html
    assert "Speichern und prüfen" in html


# --- the lookup ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0211 1234567", "+49 211 1234567", "0211/123", "Rheinblick", "hoffmann"])
def test_it_finds_the_caller_by_number_or_name(web, rheinblick, typed):
    CustomerFactory(name="Orthopädie Weber", phone="089 9876543")
    response = web.get(LOOKUP, {"q": typed}, **HTMX)
    assert [t.name for t in response.templates] == ["tickets/_caller_lookup.html"]
    html = response.content.decode()
    assert "<html" not in html
    assert "Sanitätshaus Rheinblick GmbH" in html
    assert "Orthopädie Weber" not in html
    assert f'name="customer" value="{rheinblick.pk}"' in html


def test_it_finds_a_customer_by_a_contacts_number(web, rheinblick):
    response = web.get(LOOKUP, {"q": "+49 172 5518820"}, **HTMX)
    html = response.content.decode()
    assert "Sanitätshaus Rheinblick GmbH" in html
    contact = rheinblick.contacts.get()
    assert f'name="contact" value="{contact.pk}"' in html
    assert "Sabine Hoffmann" in html


def test_it_says_when_nobody_matches(web, rheinblick):
    html = web.get(LOOKUP, {"q": "0951 000000"}, **HTMX).content.decode()
    assert "Kein Kunde gefunden" in html
    assert web.get(LOOKUP, {"q": ""}, **HTMX).content.decode().strip() == ""


def test_it_leaves_out_inactive_customers(web, rheinblick):
    CustomerFactory(name="Sanitätshaus Rheinblick Alt", active=False)
    html = web.get(LOOKUP, {"q": "Rheinblick"}, **HTMX).content.decode()
    assert "Rheinblick Alt" not in html


def test_the_lookup_without_htmx_shows_the_results_in_the_page(web, rheinblick):
    response = web.get(LOOKUP, {"q": "Rheinblick"})
    assert response.status_code == 302
    page = web.get(response.url)
    assert "tickets/intake.html" in [t.name for t in page.templates]
    assert "Sanitätshaus Rheinblick GmbH" in page.content.decode()


def test_the_lookup_runs_a_fixed_number_of_queries(web, rheinblick, django_assert_max_num_queries):
    def lookup():
        with django_assert_max_num_queries(5):  # session, user, groups, customers, contacts
            return web.get(LOOKUP, {"q": "Sanitätshaus"}, **HTMX)

    lookup()
    for _ in range(12):
        ContactFactory.create_batch(3, customer=CustomerFactory())
    html = lookup().content.decode()
    assert html.count('name="contact"') > 3
    assert html.count("<li>") == 8  # at most eight customers


# --- picking a caller ----------------------------------------------------------------------------


def test_picking_a_contact_via_htmx_returns_the_selected_caller_fragment(web, rheinblick):
    contact = rheinblick.contacts.get()
    response = web.get(NEW, {"customer": rheinblick.pk, "contact": contact.pk}, **HTMX)
    assert response.templates[0].name == "tickets/_caller.html"
    html = response.content.decode()
    assert "<html" not in html
    assert f'name="customer" value="{rheinblick.pk}"' in html
    assert f'name="contact" value="{contact.pk}"' in html
    assert 'value="Sabine Hoffmann"' in html
    assert 'value="0172 5518820"' in html
    assert "Neuer Kunde" not in html


def test_picking_without_javascript_renders_the_page_with_the_caller(web, rheinblick):
    response = web.get(NEW, {"customer": rheinblick.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="customer" value="{rheinblick.pk}"' in html
    assert 'value="0211 1234567"' in html  # the customer's number as the callback number


def test_picking_an_unknown_customer_is_404(web, rheinblick):
    other = ContactFactory()
    assert web.get(NEW, {"customer": 999999}).status_code == 404
    assert web.get(NEW, {"customer": rheinblick.pk, "contact": other.pk}).status_code == 404


# --- saving --------------------------------------------------------------------------------------


def test_it_logs_a_call_of_a_known_customer_and_its_first_call_note(web, support_user, rheinblick):
    contact = rheinblick.contacts.get()
    response = web.post(NEW, call(rheinblick, contact))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ticket-detail", args=[ticket.pk])
    assert (ticket.customer, ticket.contact, ticket.state) == (rheinblick, contact, State.INTAKE)
    assert (ticket.taken_by, ticket.caller_name) == (support_user, "Sabine Hoffmann")
    note = ticket.call_notes.get()
    assert note.direction == CallNote.Direction.INBOUND
    assert note.text == ticket.description
    assert note.created_by == support_user


def test_the_call_note_can_differ_from_the_description(web, rheinblick):
    web.post(NEW, call(rheinblick, note="Kundin ruft vom Handy an, Rückruf nach 14 Uhr."))
    assert Ticket.objects.get().call_notes.get().text == "Kundin ruft vom Handy an, Rückruf nach 14 Uhr."


def test_it_creates_a_new_customer_inline(web, support_user):
    data = call(
        **{
            "new_customer-customer_number": "K-20202",
            "new_customer-name": "Reha-Technik Nord",
            "new_customer-city": "Hamburg",
            "new_customer-phone": "040 445566",
        }
    )
    response = web.post(NEW, data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    customer = ticket.customer
    assert (customer.customer_number, customer.name, customer.city) == (
        "K-20202",
        "Reha-Technik Nord",
        "Hamburg",
    )
    assert customer.phone_e164 == "+4940445566"
    assert customer.history.get().history_user == support_user
    assert ticket.contact is None


def test_it_creates_a_new_customer_with_a_new_contact_who_is_the_caller(web):
    data = call(
        caller_name="",
        caller_phone="",
        **{
            "new_customer-customer_number": "K-20202",
            "new_customer-name": "Reha-Technik Nord",
            "new_contact-name": "Jens Petersen",
            "new_contact-phone": "0171 2233445",
        },
    )
    assert web.post(NEW, data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.contact.customer == ticket.customer
    assert (ticket.contact.name, ticket.caller_name, ticket.caller_phone) == (
        "Jens Petersen",
        "Jens Petersen",
        "0171 2233445",
    )


def test_it_adds_a_new_contact_to_a_known_customer(web, rheinblick):
    data = call(rheinblick, **{"new_contact-name": "Markus Becker", "new_contact-phone": "0172 1111111"})
    assert web.post(NEW, data).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.customer == rheinblick
    assert ticket.contact.name == "Markus Becker"
    assert rheinblick.contacts.count() == 2
    assert ticket.caller_name == "Sabine Hoffmann"  # typed, so kept


@pytest.mark.req("R14")
def test_invalid_ticket_data_saves_nothing_not_even_the_new_customer(web):
    before = counts()
    data = call(
        summary="",
        description="",
        **{
            "new_customer-customer_number": "K-20202",
            "new_customer-name": "Reha-Technik Nord",
            "new_contact-name": "Jens Petersen",
        },
    )
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before
    assert response.context["problem"].errors["summary"] == ["Dieses Feld ist zwingend erforderlich."]
    assert "description" in response.context["problem"].errors
    html = response.content.decode()
    assert "Der Vorgang wurde nicht gespeichert" in html
    assert 'value="Reha-Technik Nord"' in html  # nothing typed is lost
    assert 'value="Jens Petersen"' in html


@pytest.mark.req("R14")
def test_every_section_shows_its_errors_at_once(web, rheinblick):
    before = counts()
    data = call(
        caller_name="",
        summary="Zeile 1\nZeile 2",
        **{"new_customer-customer_number": "K-10101", "new_customer-phone": "kein Anschluss"},
    )
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before
    new_customer = response.context["new_customer"].errors
    assert "customer_number" in new_customer  # already taken
    assert new_customer["name"] == ["Dieses Feld ist zwingend erforderlich."]
    assert new_customer["phone"] == ["„kein Anschluss“ ist keine gültige Telefonnummer."]
    assert response.context["problem"].errors["summary"] == ["Der Betreff ist eine einzige Zeile."]
    assert response.context["caller"].errors["caller_name"] == ["Dieses Feld ist zwingend erforderlich."]


def test_a_call_needs_a_customer(web):
    response = web.post(NEW, call())
    assert response.status_code == 400
    assert response.context["new_customer"].errors["customer_number"] == [
        "Dieses Feld ist zwingend erforderlich."
    ]
    assert Ticket.objects.count() == 0


def test_a_contact_of_another_customer_is_refused(web, rheinblick):
    stranger = ContactFactory()
    response = web.post(NEW, call(rheinblick, stranger))
    assert response.status_code == 400
    assert "Dieser Ansprechpartner gehört nicht zu dem gewählten Kunden." in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_service_refusal_inside_the_transaction_rolls_everything_back(web, support_user, monkeypatch):
    """Data the page accepted but a service refuses (here: a customer made inactive meanwhile)."""
    before = counts()
    data = call(**{"new_customer-customer_number": "K-30303", "new_customer-name": "Neu GmbH"})
    create = services.ticket_create

    def refuse(*, by, data):
        customer_services.customer_update(
            customer_id=data["customer"], by=by, data={"reason": "Korrektur", "active": False}
        )
        return create(by=by, data=data)

    monkeypatch.setattr(services, "ticket_create", refuse)
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before
    assert response.context["caller"].non_field_errors()


# --- straight into triage ------------------------------------------------------------------------


def test_save_and_triage_lands_in_triage(web, rheinblick):
    data = call(
        rheinblick,
        save_and_triage="1",
        **{"triage-category": "technical", "triage-risk_relevant": "false", "triage-is_complaint": "false"},
    )
    data.pop("save")
    response = web.post(NEW, data)
    ticket = Ticket.objects.get()
    assert response.url == reverse("ticket-detail", args=[ticket.pk])
    assert (ticket.state, ticket.category, ticket.risk_relevant) == (State.TRIAGE, "technical", False)
    assert ticket.call_notes.count() == 1
    assert [h.history_change_reason for h in ticket.history.order_by("history_id")] == ["intake", "triage"]


def test_save_and_triage_with_a_risk_asks_management_for_a_review(web, rheinblick):
    data = call(
        rheinblick,
        save_and_triage="1",
        **{
            "triage-category": "software",
            "triage-risk_relevant": "true",
            "triage-is_complaint": "true",
            "triage-risk_description": "Falsche Menge könnte an Patienten ausgegeben werden.",
        },
    )
    web.post(NEW, data)
    ticket = Ticket.objects.get()
    assert ticket.state == State.TRIAGE
    assert ticket.risk_reviews.get().state == RiskReview.State.PENDING


@pytest.mark.req("R4")
def test_invalid_triage_data_saves_nothing_and_keeps_everything_typed(web, rheinblick):
    before = counts()
    data = call(
        rheinblick,
        save_and_triage="1",
        **{"triage-category": "", "triage-risk_relevant": "true", "new_contact-name": "Markus Becker"},
    )
    response = web.post(NEW, data)
    assert response.status_code == 400
    assert counts() == before
    errors = response.context["triage"].errors
    assert errors["category"] == ["Dieses Feld ist zwingend erforderlich."]
    assert errors["risk_description"] == ["Beschreiben Sie das Risiko für Patienten oder Anwender."]
    html = response.content.decode()
    assert 'value="Markus Becker"' in html
    assert "Rezeptdruck bricht ab" in html
    assert '<details class="transition" open>' in html


def test_triage_fields_are_ignored_by_plain_save(web, rheinblick):
    response = web.post(NEW, call(rheinblick, **{"triage-category": "nonsense"}))
    assert response.status_code == 302
    assert Ticket.objects.get().state == State.INTAKE


def test_the_page_with_results_runs_a_fixed_number_of_queries(web, rheinblick, django_assert_max_num_queries):
    def page():
        with django_assert_max_num_queries(6):  # session, user, groups, customers, contacts, work instruction
            return web.get(NEW, {"q": "Sanitätshaus"})

    page()
    for _ in range(12):
        ContactFactory.create_batch(3, customer=CustomerFactory())
    assert page().content.decode().count('name="contact" value=') > 3
