"""DESIGN §4 `escalate`: the ticket is on follow-up from the escalation on (work instruction step 9),
and "callback promised" is recorded only when the agent told the customer so."""

import datetime

import pytest
from django.utils import timezone

from supportdesk import workdays
from tests.conftest import client_for, web_client
from tests.factories import ticket_in_state, transition_data
from tickets.models import NotificationKind, State, Ticket

pytestmark = pytest.mark.django_db


def escalate_over_api(user, ticket, **extra):
    body = {**transition_data("escalate"), **extra}
    return client_for(user).post(f"/api/v1/tickets/{ticket.pk}/transitions/escalate/", body, format="json")


def callbacks_promised(ticket) -> int:
    return ticket.notifications.filter(kind=NotificationKind.CALLBACK_PROMISED).count()


def test_working_days_skip_the_weekend():
    friday = datetime.date(2026, 12, 4)
    assert workdays.working_days_after(friday, 3) == datetime.date(2026, 12, 9)  # Wednesday
    assert workdays.working_days_after(datetime.date(2026, 12, 1), 3) == datetime.date(2026, 12, 4)


def test_without_a_date_the_ticket_is_due_three_working_days_later(support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    response = escalate_over_api(support_user, ticket)
    assert response.status_code == 200, response.content
    due = workdays.working_days_after(timezone.localdate(), 3)
    assert response.json()["follow_up_date"] == due.isoformat()
    assert Ticket.objects.get(pk=ticket.pk).follow_up_date == due


def test_a_given_follow_up_date_is_kept_and_the_ticket_is_on_the_follow_up_list(support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    today = timezone.localdate()
    assert escalate_over_api(support_user, ticket, follow_up_date=today.isoformat()).status_code == 200
    follow_ups = web_client(support_user).get("/follow-ups/")
    assert ticket.number in follow_ups.content.decode()
    due = client_for(support_user).get("/api/v1/tickets/?follow_up_due=true").json()
    assert [row["id"] for row in due["results"]] == [ticket.pk]


@pytest.mark.req("R4")
def test_a_follow_up_date_in_the_past_is_refused_and_nothing_is_saved(support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = escalate_over_api(support_user, ticket, follow_up_date=yesterday.isoformat())
    assert response.status_code == 400
    assert list(response.json()) == ["follow_up_date"]
    assert Ticket.objects.get(pk=ticket.pk).state == State.TRIAGE
    assert not ticket.vendor_contacts.exists()


def test_the_api_records_the_callback_promise_unless_told_otherwise(support_user):
    told, untold = (ticket_in_state(State.TRIAGE, support_user) for _ in range(2))
    assert escalate_over_api(support_user, told).status_code == 200
    assert escalate_over_api(support_user, untold, customer_informed=False).status_code == 200
    assert callbacks_promised(told) == 1
    assert callbacks_promised(untold) == 0
    assert untold.vendor_contacts.count() == 1  # SIC was contacted all the same


@pytest.mark.parametrize(("ticked", "promised"), [(False, 0), (True, 1)])
def test_on_the_page_only_a_ticked_box_records_the_callback_promise(support_user, ticked, promised):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    web = web_client(support_user)
    page = web.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'type="hidden" name="customer_informed" value="false"' in page
    assert 'type="checkbox" name="customer_informed"' in page
    data = {**transition_data("escalate"), "expected_state": State.TRIAGE, "customer_informed": "false"}
    if ticked:  # the browser sends the hidden "false" first, then the ticked box's value
        data["customer_informed"] = ["false", "on"]
    response = web.post(f"/tickets/{ticket.pk}/transitions/escalate/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Ticket.objects.get(pk=ticket.pk).state == State.ESCALATED
    assert callbacks_promised(ticket) == promised
