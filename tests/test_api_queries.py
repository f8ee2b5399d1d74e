"""The API answers with a fixed number of SQL queries, however many rows it lists (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ContactFactory,
    CustomerFactory,
    create_ticket,
    notify,
    run,
    ticket_in_state,
)
from tickets import services
from tickets.models import NotificationKind, State

API = "/api/v1"


def queries_for(api, url):
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def count_with(api, url, grow, few, many):
    """Queries of `url` after growing the data to `few`, then to `many` rows."""
    api.get(url)  # the first request reads the user's roles once; not part of the comparison
    grow(few)
    small, body_small = queries_for(api, url)
    grow(many - few)
    large, body_large = queries_for(api, url)
    return small, large, body_small, body_large


@pytest.mark.django_db
def test_it_lists_tickets_with_a_fixed_number_of_queries(api, support_user):
    def grow(n):
        for i in range(n):
            customer = CustomerFactory()
            ContactFactory(customer=customer)
            ticket = ticket_in_state([State.INTAKE, State.ESCALATED, State.CLOSED][i % 3], support_user)
            notify(ticket, NotificationKind.OTHER, support_user)

    small, large, _, body = count_with(api, f"{API}/tickets/", grow, 3, 30)
    assert body["count"] == 30
    assert len(body["results"]) == 30
    assert large == small, f"{small} queries for 3 tickets, {large} for 30"


@pytest.mark.django_db
def test_it_shows_one_ticket_with_a_fixed_number_of_queries(api, support_user):
    ticket = ticket_in_state(State.ESCALATED, support_user)

    def grow(n):
        for _ in range(n):
            notify(ticket, NotificationKind.OTHER, support_user)
            services.ticket_add_call_note(
                ticket_id=ticket.pk, by=support_user, data={"direction": "outbound", "text": "Rückruf"}
            )
            run(ticket, "follow_up", support_user)

    small, large, _, body = count_with(api, f"{API}/tickets/{ticket.pk}/", grow, 2, 20)
    assert body["state"] == "escalated"
    assert large == small


@pytest.mark.django_db
def test_it_pages_history_with_a_fixed_number_of_queries(api, support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)

    def grow(n):
        for _ in range(n):
            run(ticket, "follow_up", support_user)

    small, large, body_small, body_large = count_with(api, f"{API}/tickets/{ticket.pk}/history/", grow, 2, 30)
    assert body_large["count"] == body_small["count"] + 28
    assert large == small


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [f"{API}/customers/", f"{API}/customers/?q=Sanit", f"{API}/customers/?phone=0211"]
)
def test_it_lists_customers_with_their_contacts_in_a_fixed_number_of_queries(api, url):
    def grow(n):
        for _ in range(n):
            customer = CustomerFactory()
            ContactFactory.create_batch(3, customer=customer)

    small, large, _, body = count_with(api, url, grow, 3, 30)
    assert body["count"] == 30
    assert all(len(c["contacts"]) == 3 for c in body["results"])
    assert large == small


@pytest.mark.django_db
def test_it_lists_program_requests_with_their_tickets_in_a_fixed_number_of_queries(api, support_user):
    def grow(n):
        for _ in range(n):
            first = ticket_in_state(State.PROGRAM_REQUEST, support_user)
            second = ticket_in_state(State.ESCALATED, support_user)
            run(
                second,
                "register_program_request",
                support_user,
                program_request=first.program_request_id,
                follow_up_date=first.follow_up_date.isoformat(),
            )

    small, large, _, body = count_with(api, f"{API}/program-requests/", grow, 3, 12)
    assert body["count"] == 12
    assert all(len(pr["tickets"]) == 2 for pr in body["results"])
    assert large == small

    pr = body["results"][0]["id"]
    detail, _ = queries_for(api, f"{API}/program-requests/{pr}/")
    assert detail <= small


@pytest.mark.django_db
def test_it_lists_notes_and_notifications_with_a_fixed_number_of_queries(api, support_user):
    ticket = create_ticket(support_user)

    def grow(n):
        for _ in range(n):
            notify(ticket, NotificationKind.OTHER, support_user)
            services.ticket_add_call_note(
                ticket_id=ticket.pk, by=support_user, data={"direction": "inbound", "text": "Anruf"}
            )

    notes = f"{API}/tickets/{ticket.pk}/notifications/"
    calls = f"{API}/tickets/{ticket.pk}/call-notes/"
    grow(2)
    small = queries_for(api, notes)[0], queries_for(api, calls)[0]
    grow(25)
    large = queries_for(api, notes)[0], queries_for(api, calls)[0]
    assert large == small
