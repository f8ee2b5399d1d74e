"""The header's search box: a ticket number or a customer number opens its page at once."""

import pytest
from django.urls import reverse

from tests.conftest import web_client
from tests.factories import CustomerFactory, create_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_number_opens_the_ticket_also_short(web, support_user):
    ticket = create_ticket(support_user)
    serial = str(int(ticket.number.split("-")[1]))
    for typed in (ticket.number, serial, f" {ticket.number} "):
        response = web.get(reverse("jump"), {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == reverse("ticket-detail", args=[ticket.pk])


def test_a_customer_number_opens_the_customer(web):
    customer = CustomerFactory(customer_number="K-4711")
    response = web.get(reverse("jump"), {"q": "k-4711"})
    assert response["Location"] == reverse("customer-detail", args=[customer.pk])


def test_anything_else_is_the_ticket_lists_search(web):
    response = web.get(reverse("jump"), {"q": "Kassenrezept & Druck"})
    assert response["Location"] == reverse("ticket-list") + "?q=Kassenrezept+%26+Druck"
    assert web.get(reverse("jump"), {"q": "999999"})["Location"] == reverse("ticket-list") + "?q=999999"


def test_every_signed_in_page_has_the_box_and_the_shortcuts(web):
    html = web.get(reverse("dashboard")).content.decode()
    assert 'role="search"' in html and 'id="jump-q"' in html
    assert 'id="shortcuts"' in html and "js/shortcuts.js" in html
    assert f'data-new-call="{reverse("ticket-new")}"' in html


def test_a_reading_role_gets_no_shortcut_to_work_it_may_not_do(qmb_user):
    html = web_client(qmb_user).get(reverse("dashboard")).content.decode()
    assert "data-new-call" not in html
