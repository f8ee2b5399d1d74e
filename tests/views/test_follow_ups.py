"""The follow-up queue (Wiedervorlage): due and overdue tickets at SIC, oldest first."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from tests.conftest import web_client
from tests.factories import CustomerFactory, run, ticket_in_state
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

URL = reverse("follow-ups")


AS_OF = datetime.timedelta(days=10)


@pytest.fixture(autouse=True)
def _looked_at_later(monkeypatch):
    """A follow-up date can only be set in the future, so the queue is looked at AS_OF days later."""
    today = timezone.localdate()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + AS_OF)


def due_on(state, by, day, **kwargs):
    """A ticket in `state` whose follow-up falls `day` days from the day the queue is looked at."""
    page_day = timezone.localdate()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args, **kw: page_day - AS_OF)
        ticket = ticket_in_state(state, by, **kwargs)
        return run(
            ticket,
            "follow_up",
            by,
            note="SIC: noch in Arbeit.",
            next_follow_up_date=(page_day + datetime.timedelta(days=day)).isoformat(),
        )


def shown(response):
    return [ticket.number for ticket in response.context["page"].object_list]


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN])
def test_it_shows_the_queue_to_roles_that_work_tickets(users, role):
    response = web_client(users[role]).get(URL)
    assert response.status_code == 200
    assert "tickets/follow_ups.html" in [t.name for t in response.templates]


@pytest.mark.req("R8")
def test_it_refuses_the_qmb(qmb_user):
    response = web_client(qmb_user).get(URL)
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.content.decode()


@pytest.mark.req("R8")
def test_it_sends_anonymous_users_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_post(web):
    assert web.post(URL).status_code == 405


def test_it_lists_due_and_overdue_tickets_oldest_first(web, support_user):
    today = due_on(State.PROGRAM_REQUEST, support_user, 0)
    week_ago = due_on(State.ESCALATED, support_user, -7)
    yesterday = due_on(State.PROGRAM_REQUEST, support_user, -1)
    due_on(State.PROGRAM_REQUEST, support_user, 1)  # not yet due
    run(due_on(State.PROGRAM_REQUEST, support_user, -3), "realize", support_user)  # SIC decided
    response = web.get(URL)
    assert shown(response) == [week_ago.number, yesterday.number, today.number]
    assert "3 Wiedervorlagen fällig" in response.content.decode()


def row_of(body, number):
    return next(row for row in body.split("<tr>") if number in row)


def test_it_marks_overdue_tickets_with_text_not_only_colour(web, support_user):
    overdue = due_on(State.ESCALATED, support_user, -2)
    due_today = due_on(State.ESCALATED, support_user, 0)
    body = web.get(URL).content.decode()
    assert '<span class="badge overdue">überfällig</span>' in row_of(body, overdue.number)
    assert "heute fällig" in row_of(body, due_today.number)
    assert "überfällig" not in row_of(body, due_today.number)


def test_it_shows_customer_summary_program_request_and_links(web, support_user):
    customer = CustomerFactory(name="Sanitätshaus am Quirinus")
    ticket = due_on(State.PROGRAM_REQUEST, support_user, 0, customer=customer, summary="Sammeldruck")
    body = web.get(URL).content.decode()
    assert reverse("ticket-detail", args=[ticket.pk]) in body
    assert reverse("customer-detail", args=[customer.pk]) in body
    assert "Sanitätshaus am Quirinus" in body
    assert "Sammeldruck" in body
    assert reverse("program-request-detail", args=[ticket.program_request_id]) in body
    assert "PW-2026-17" in body
    assert "hohe Priorität" in body  # a complaint


def test_it_says_so_when_nothing_is_due(web, support_user):
    due_on(State.PROGRAM_REQUEST, support_user, 1)  # due tomorrow
    body = web.get(URL).content.decode()
    assert "Keine Wiedervorlage fällig." in body


def test_a_follow_up_takes_the_ticket_off_the_queue(web, support_user):
    ticket = due_on(State.PROGRAM_REQUEST, support_user, -1)
    run(Ticket.objects.get(pk=ticket.pk), "follow_up", support_user)
    assert shown(web.get(URL)) == []


def test_it_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    due_on(State.PROGRAM_REQUEST, support_user, 0)
    with CaptureQueriesContext(connection) as captured:
        web.get(URL)
    few = len(captured)
    for n in range(6):
        due_on(State.PROGRAM_REQUEST if n % 2 else State.ESCALATED, support_user, -n)
    with django_assert_max_num_queries(few):
        response = web.get(URL)
    assert len(shown(response)) == 7
