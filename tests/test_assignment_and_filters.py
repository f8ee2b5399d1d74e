"""Issue 11 "speed of the agent's hands": the list filters by several states and "alle offenen";
the assignee list offers only those who may work tickets; handing a ticket to a colleague tells
them (dashboard and an e-mail through the outbox)."""

import pytest
from django.utils import timezone

from accounts import roles
from outbox.models import OutgoingEmail
from tests.conftest import web_client
from tests.factories import create_ticket, run, ticket_in_state, transition_data, user_with_role
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db


def numbers(response):
    return {row["number"] for row in response.json()["results"]}


def test_the_list_filters_by_several_states_and_all_open_ones(api, support_user):
    intake = create_ticket(support_user)
    escalated = ticket_in_state(State.ESCALATED, support_user)
    closed = ticket_in_state(State.CLOSED, support_user)

    both = api.get("/api/v1/tickets/", {"state": ["intake", "escalated"]})
    open_ones = api.get("/api/v1/tickets/?state=open")

    assert numbers(both) == {intake.number, escalated.number}
    assert numbers(open_ones) == {intake.number, escalated.number} and closed.number not in numbers(open_ones)
    assert api.get("/api/v1/tickets/?state=gibtsnicht").status_code == 400
    page = web_client(support_user).get("/tickets/?state=open&state=closed")
    assert page.status_code == 200
    assert {row.number for row in page.context["rows"]} == {intake.number, escalated.number, closed.number}
    assert "alle offenen" in page.content.decode()


def test_only_those_who_may_work_tickets_can_be_assigned(users, support_user):
    ticket = create_ticket(support_user)
    for role in (roles.QMB, roles.PROCESS_MANAGER):
        refused = services_update(ticket, support_user, assignee=users[role].pk)
        assert "assignee" in refused
    offered = web_client(support_user).get("/tickets/filter/assignee/").content.decode()
    assert (
        users[roles.MANAGEMENT].get_username() in offered
        or users[roles.MANAGEMENT].get_full_name() in offered
    )
    assert f'value="{users[roles.QMB].pk}"' not in offered


def services_update(ticket, by, **data):
    from supportdesk.errors import InvalidData

    try:
        services.ticket_update(ticket_id=ticket.pk, by=by, data={"reason": "Zuständigkeit", **data})
    except InvalidData as refused:
        return refused.form.errors
    return {}


def test_handing_a_ticket_to_a_colleague_tells_them(support_user, django_capture_on_commit_callbacks):
    colleague = user_with_role(
        roles.SUPPORT, email="kollegin@example.org", first_name="Anna", last_name="Kollegin"
    )
    ticket = create_ticket(support_user)

    with django_capture_on_commit_callbacks(execute=False):
        assert services_update(ticket, support_user, assignee=colleague.pk) == {}

    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.assigned_by) == (colleague, support_user) and ticket.assigned_at
    mail = OutgoingEmail.objects.get(ticket=ticket)
    assert mail.to == "kollegin@example.org" and ticket.number in mail.subject
    dashboard = web_client(colleague).get("/").content.decode()
    assert ticket.number in dashboard and "zugewiesen von" in dashboard

    # Taking it back oneself tells nobody and says no one handed it over.
    with django_capture_on_commit_callbacks(execute=False):
        services_update(ticket, support_user, assignee=support_user.pk)
    ticket.refresh_from_db()
    assert ticket.assigned_by is None and OutgoingEmail.objects.filter(ticket=ticket).count() == 1


def test_only_my_own_list_says_who_handed_a_ticket_over(web, support_user):
    colleague = user_with_role(roles.SUPPORT)
    create_ticket(support_user)  # mine
    triaged = ticket_in_state(State.TRIAGE, support_user)
    today = timezone.localdate().isoformat()
    handed_over = run(triaged, "escalate", support_user, **transition_data("escalate"), follow_up_date=today)
    services_update(handed_over, support_user, assignee=colleague.pk)
    response = web.get("/")
    assert handed_over in response.context["follow_ups"]
    assert "zugewiesen von" not in response.content.decode()
