"""The dashboard / (DESIGN §8, issue 3 "Dashboard")."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.history import save_audited
from tests.conftest import web_client
from tests.factories import PASSWORD, create_ticket, notify, run, ticket_in_state, transition_data
from tickets import services
from tickets.models import NotificationKind, State, Ticket, customer_informed
from tickets.selectors import waiting_for_customer_information

DASHBOARD = reverse("dashboard")


def numbers(response, name):
    return [ticket.number for ticket in response.context[name]]


def due_in(days, by, state=State.PROGRAM_REQUEST):
    """A ticket whose follow-up date is `days` from today (negative: overdue)."""
    ticket = ticket_in_state(state, by)
    ticket.follow_up_date = timezone.localdate() + datetime.timedelta(days=days)
    save_audited(ticket, by=by, reason="test: follow-up date")
    return ticket


def risky(by):
    ticket = create_ticket(by)
    return run(
        ticket, "triage", by, category="software", risk_relevant=True, risk_description="Patient gefährdet."
    )


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_sees_the_dashboard(users, role):
    response = web_client(users[role]).get(DASHBOARD)
    assert response.status_code == 200
    assert "tickets/dashboard.html" in [t.name for t in response.templates]
    assert response.content.decode().count("<h1") == 1


@pytest.mark.req("R8")
def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_only_answers_get(web):
    assert web.post(DASHBOARD).status_code == 405
    assert web.generic("TRACE", DASHBOARD).status_code == 405


def test_my_open_tickets_are_the_open_ones_assigned_to_me(web, support_user, management_user):
    mine = [create_ticket(support_user), ticket_in_state(State.ESCALATED, support_user)]
    ticket_in_state(State.CLOSED, support_user)
    create_ticket(management_user)
    response = web.get(DASHBOARD)
    assert sorted(numbers(response, "mine")) == sorted(t.number for t in mine)
    assert response.context["counts"]["mine"] == 2
    html = response.content.decode()
    for ticket in mine:
        assert reverse("ticket-detail", args=[ticket.pk]) in html


def test_open_tickets_nobody_has_taken_are_listed_oldest_first(web, support_user):
    older, newer = create_ticket(support_user, assign=False), create_ticket(support_user, assign=False)
    create_ticket(support_user)
    ticket_in_state(State.CLOSED, support_user, assign=False)
    response = web.get(DASHBOARD)
    assert numbers(response, "unassigned") == [older.number, newer.number]
    assert 'id="unassigned-heading"' in response.content.decode()


def test_the_list_of_tickets_without_assignee_shows_only_when_there_are_some(web, support_user):
    create_ticket(support_user)
    assert 'id="unassigned"' not in web.get(DASHBOARD).content.decode()


def test_follow_ups_due_today_and_overdue_oldest_first_and_nothing_else(web, support_user):
    today = due_in(0, support_user)
    overdue = due_in(-3, support_user, state=State.ESCALATED)
    due_in(1, support_user)  # tomorrow
    due_in(-5, support_user, state=State.CLOSED)  # closed: never due
    due_in(-5, support_user, state=State.IMMEDIATE_FIX)  # no longer waiting on SIC
    response = web.get(DASHBOARD)
    assert numbers(response, "follow_ups") == [overdue.number, today.number]
    assert response.context["counts"]["follow_ups"] == 2


def test_overdue_follow_ups_are_marked_in_words(web, support_user):
    due_in(0, support_user)
    html = web.get(DASHBOARD).content.decode()
    assert "überfällig" not in html
    due_in(-1, support_user)
    html = web.get(DASHBOARD).content.decode()
    assert html.count('<span class="badge overdue">überfällig</span>') == 1


def test_follow_ups_use_the_date_of_berlin(web, support_user, settings):
    assert settings.TIME_ZONE == "Europe/Berlin"
    due_in(0, support_user)
    assert web.get(DASHBOARD).context["today"] == timezone.localdate()


def test_pending_risk_reviews_are_listed_for_everyone(users, support_user, management_user):
    pending = risky(support_user)
    signed = risky(support_user)
    services.risk_review_sign(
        ticket_id=signed.pk,
        by=management_user,
        data={"decision": "no_action", "comment": "", "password": PASSWORD},
    )
    for user in users.values():
        response = web_client(user).get(DASHBOARD)
        assert [review.ticket.number for review in response.context["risk_reviews"]] == [pending.number]
        assert response.context["counts"]["risk_reviews"] == 1


def test_management_sees_pending_risk_reviews_first_with_a_call_to_act(support_user, management_user):
    risky(support_user)
    html = web_client(management_user).get(DASHBOARD).content.decode()
    assert "Risikorelevante Ereignisse warten auf Ihre Bewertung" in html
    assert html.index('id="risk-reviews"') < html.index('id="mine"')
    assert reverse("risk-reviews") in html
    support_html = web_client(support_user).get(DASHBOARD).content.decode()
    assert "warten auf Ihre Bewertung" not in support_html
    assert support_html.index('id="risk-reviews"') > support_html.index('id="mine"')


@pytest.mark.req("R2")
def test_waiting_for_customer_information_lists_exactly_the_tickets_r2_keeps_open(web, support_user):
    # fixed from triage: the advice on the call is the notification already
    informed_on_call = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    vendor_fix = ticket_in_state(State.ESCALATED, support_user)
    vendor_fix = run(
        vendor_fix, "fix_immediately", support_user, **transition_data("fix_immediately", vendor_fix)
    )
    rejected = ticket_in_state(State.REJECTED, support_user)
    notify(rejected, NotificationKind.SOLUTION, support_user)  # the wrong kind does not count
    realized_informed = ticket_in_state(State.REALIZED, support_user)
    notify(realized_informed, NotificationKind.REALIZED, support_user)
    realized = ticket_in_state(State.REALIZED, support_user)
    ticket_in_state(State.CLOSED, support_user)
    ticket_in_state(State.PROGRAM_REQUEST, support_user)

    response = web.get(DASHBOARD)
    waiting = {vendor_fix.number, rejected.number, realized.number}
    assert set(numbers(response, "waiting")) == waiting
    assert response.context["counts"]["waiting"] == 3
    assert informed_on_call.number not in numbers(response, "waiting")
    # One definition: the query agrees with the model's close guard for every ticket.
    for ticket in Ticket.objects.all():
        in_query = waiting_for_customer_information().filter(pk=ticket.pk).exists()
        assert in_query == (
            ticket.state in (State.IMMEDIATE_FIX, State.REJECTED, State.REALIZED)
            and not customer_informed(ticket)
        )


@pytest.mark.req("R2")
def test_a_notification_from_before_the_current_state_does_not_count(web, support_user):
    ticket = ticket_in_state(State.REALIZED, support_user)
    notify(ticket, NotificationKind.REALIZED, support_user)
    assert ticket.number not in numbers(web.get(DASHBOARD), "waiting")
    for name in ("close", "reopen", "escalate", "register_program_request", "realize"):
        ticket = run(ticket, name, support_user)
    assert ticket.state == State.REALIZED  # realized again; the old notification is from before
    assert numbers(web.get(DASHBOARD), "waiting") == [ticket.number]


def test_empty_lists_say_so(web):
    html = web.get(DASHBOARD).content.decode()
    assert "Ihnen ist kein offener Vorgang zugewiesen." in html
    assert "Heute ist keine Wiedervorlage fällig." in html
    assert "Keine Risikobewertung offen." in html
    assert "Kein Vorgang wartet auf eine Kundeninformation." in html


def test_the_dashboard_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    def tickets_of_every_kind():
        due_in(-1, support_user)
        risky(support_user)
        ticket_in_state(State.REJECTED, support_user)
        create_ticket(support_user)
        create_ticket(support_user, assign=False)

    tickets_of_every_kind()
    with django_assert_max_num_queries(14) as few:
        web.get(DASHBOARD)
    for _ in range(4):
        tickets_of_every_kind()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(DASHBOARD)
    assert response.context["counts"] == {
        "mine": 20,
        "unassigned": 5,
        "follow_ups": 5,
        "risk_reviews": 5,
        "waiting": 5,
    }


def test_long_lists_are_cut_and_counted(web, support_user, monkeypatch):
    monkeypatch.setattr("tickets.dashboard.SHOWN", 2)
    for _ in range(3):
        create_ticket(support_user)
    response = web.get(DASHBOARD)
    assert len(response.context["mine"]) == 2
    assert response.context["counts"]["mine"] == 3
    assert f"{reverse('ticket-list')}?assignee={support_user.pk}" in response.content.decode()
