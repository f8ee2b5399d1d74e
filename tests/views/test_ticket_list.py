"""The ticket list: filters kept in the URL, text search, sorting, pagination, badges, fixed queries."""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from tests.conftest import web_client
from tests.factories import CustomerFactory, create_ticket, run, ticket_in_state, transition_data
from tickets import services
from tickets.models import State

pytestmark = pytest.mark.django_db


def list_url(**query):
    return reverse("ticket-list") + ("?" + urlencode(query) if query else "")


def numbers_on(response):
    return [ticket.number for ticket in response.context["page"].object_list]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_it_shows_the_list_to_every_role(role, users):
    ticket = create_ticket(users[roles.SUPPORT])
    response = web_client(users[role]).get(list_url())
    assert response.status_code == 200
    assert "tickets/ticket_list.html" in [t.name for t in response.templates]
    assert ticket.number in response.content.decode()


@pytest.mark.req("R8")
def test_it_sends_anonymous_visitors_to_the_login(client):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.req("R8")
def test_it_refuses_a_post(web):
    assert web.post(list_url()).status_code == 405


# --- what a row shows --------------------------------------------------------------------------


def test_it_shows_the_state_as_a_labelled_badge(web, support_user):
    ticket_in_state(State.ESCALATED, support_user)
    html = web.get(list_url()).content.decode()
    assert '<span class="badge state-escalated">Bei SIC</span>' in html


def test_it_flags_risk_relevant_tickets_in_text(web, support_user):
    risky = create_ticket(support_user, summary="Falsche Kompressionsklasse")
    run(risky, "flag_risk", support_user)
    create_ticket(support_user, summary="Harmloser Druckfehler")
    html = web.get(list_url()).content.decode()
    assert html.count('<span class="badge risk">risikorelevant</span>') == 1


def in_program_request_with_follow_up(by, day, monkeypatch):
    """A ticket waiting on SIC with its follow-up on `day` (registered 'back then', when it was allowed)."""
    ticket = ticket_in_state(State.ESCALATED, by)
    with monkeypatch.context() as m:
        m.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        data = {**transition_data("register_program_request"), "follow_up_date": day.isoformat()}
        return run(ticket, "register_program_request", by, **data)


def test_it_marks_overdue_and_due_follow_ups_in_text(web, support_user, monkeypatch):
    today = timezone.localdate()
    overdue = in_program_request_with_follow_up(support_user, today - datetime.timedelta(days=3), monkeypatch)
    due = in_program_request_with_follow_up(support_user, today, monkeypatch)
    later = in_program_request_with_follow_up(support_user, today + datetime.timedelta(days=3), monkeypatch)
    rows = {row.number: row for row in web.get(list_url()).context["page"].object_list}
    assert rows[overdue.number].follow_up_status == "overdue"
    assert rows[due.number].follow_up_status == "due"
    assert rows[later.number].follow_up_status == ""
    html = web.get(list_url()).content.decode()
    assert '<span class="badge overdue">überfällig</span>' in html
    assert '<span class="badge overdue">heute fällig</span>' in html


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def mix(support_user, management_user):
    """Tickets that differ in each filtered attribute."""
    acme = CustomerFactory(name="Sanitätshaus Acme")
    return {
        "intake": create_ticket(support_user, customer=acme, summary="Etikettendruck leer"),
        "triage": ticket_in_state(State.TRIAGE, support_user, summary="Frage zur Rezeptzuzahlung"),
        "escalated": ticket_in_state(
            State.ESCALATED, management_user, description="Importfehler im Hilfsmittelverzeichnis"
        ),
        "closed": ticket_in_state(State.CLOSED, support_user, customer=acme),
    }


def test_it_filters_by_state(web, mix):
    assert numbers_on(web.get(list_url(state="escalated"))) == [mix["escalated"].number]


def test_it_filters_by_category(web, mix, support_user):
    question = ticket_in_state(State.INTAKE, support_user)
    run(question, "triage", support_user, category="question", risk_relevant="false")
    assert numbers_on(web.get(list_url(category="question"))) == [question.number]


def test_it_filters_by_customer(web, mix):
    numbers = numbers_on(web.get(list_url(customer=mix["intake"].customer_id)))
    assert sorted(numbers) == sorted([mix["intake"].number, mix["closed"].number])


def test_it_filters_by_risk(web, mix, support_user):
    run(mix["triage"], "flag_risk", support_user)
    assert numbers_on(web.get(list_url(risk_relevant="true"))) == [mix["triage"].number]
    assert mix["triage"].number not in numbers_on(web.get(list_url(risk_relevant="false")))


def test_it_filters_by_follow_up_due(web, support_user, monkeypatch):
    today = timezone.localdate()
    due = in_program_request_with_follow_up(support_user, today, monkeypatch)
    in_program_request_with_follow_up(support_user, today + datetime.timedelta(days=1), monkeypatch)
    assert numbers_on(web.get(list_url(follow_up_due="true"))) == [due.number]


def test_it_filters_by_assignee(web, mix, management_user):
    assert numbers_on(web.get(list_url(assignee=management_user.pk))) == [mix["escalated"].number]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Etikettendruck", "intake"),  # summary
        ("hilfsmittelverzeichnis", "escalated"),  # description, any case
        ("Acme", "intake"),  # customer name (the closed one too, checked below)
    ],
)
def test_it_searches_summary_description_and_customer(web, mix, query, key):
    assert mix[key].number in numbers_on(web.get(list_url(q=query)))
    assert mix["triage"].number not in numbers_on(web.get(list_url(q=query)))


def test_it_searches_the_ticket_number(web, mix):
    assert numbers_on(web.get(list_url(q=mix["triage"].number))) == [mix["triage"].number]


def test_it_combines_filters(web, mix):
    response = web.get(list_url(customer=mix["intake"].customer_id, state="closed", q="Acme"))
    assert numbers_on(response) == [mix["closed"].number]


def test_it_keeps_the_filters_in_the_form_and_the_links(web, mix, support_user):
    for _ in range(26):
        create_ticket(support_user, customer=mix["intake"].customer)
    response = web.get(list_url(customer=mix["intake"].customer_id, state="intake"))
    html = response.content.decode()
    assert response.context["filter"].form.cleaned_data["state"] == ["intake"]
    assert 'name="state" value="intake"' in html
    assert f'<option value="{mix["intake"].customer_id}" selected>' in html
    assert f"customer={mix['intake'].customer_id}&amp;state=intake&amp;page=2" in html
    assert f"customer={mix['intake'].customer_id}&amp;state=intake&amp;sort=number" in html


def test_it_renders_the_filter_widgets_after_the_api_schema_was_built(web, mix):
    assert web.get("/api/v1/schema/").status_code == 200  # drf-spectacular builds the filters' fields
    html = web.get(list_url(state="intake")).content.decode()
    assert 'type="checkbox" name="state" value="intake"' in html


def test_it_says_when_nothing_matches(web, mix):
    response = web.get(list_url(q="gibt es nicht"))
    assert response.status_code == 200
    assert "Keine Vorgänge passen zu diesen Filtern." in response.content.decode()


# --- bad filter input (R14) --------------------------------------------------------------------


@pytest.mark.req("R14")
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"state": "erledigt"}, "Bitte eine gültige Auswahl treffen."),
        ({"customer": "abc"}, "Bitte eine gültige Auswahl treffen."),
        ({"risk_relevant": "vielleicht"}, "Ja oder nein (true/false) wird erwartet."),
        ({"sort": "password"}, "Bitte eine gültige Auswahl treffen."),
        ({"q": "x" * 201}, "höchstens 200 Zeichen"),
    ],
)
def test_it_explains_bad_filter_input_instead_of_failing(web, mix, query, message):
    response = web.get(list_url(**query))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Die Filterangaben sind ungültig" in html
    assert message in html
    assert numbers_on(response) == []


def test_it_shows_the_last_page_for_a_page_number_out_of_range(web, mix):
    response = web.get(list_url(page="999"))
    assert response.status_code == 200
    assert len(numbers_on(response)) == 4
    assert web.get(list_url(page="abc")).status_code == 200


# --- sorting and pagination --------------------------------------------------------------------


def test_it_sorts_by_number_both_ways(web, mix):
    numbers = sorted(ticket.number for ticket in mix.values())
    assert numbers_on(web.get(list_url(sort="number"))) == numbers
    assert numbers_on(web.get(list_url(sort="-number"))) == numbers[::-1]


def test_it_shows_the_newest_first_by_default(web, mix):
    assert numbers_on(web.get(list_url())) == [t.number for t in sorted(mix.values(), key=lambda t: -t.pk)]


def test_it_sorts_by_follow_up_with_empty_dates_last(web, support_user, monkeypatch):
    today = timezone.localdate()
    late = in_program_request_with_follow_up(support_user, today + datetime.timedelta(days=9), monkeypatch)
    soon = in_program_request_with_follow_up(support_user, today + datetime.timedelta(days=1), monkeypatch)
    none = create_ticket(support_user)
    assert numbers_on(web.get(list_url(sort="follow_up"))) == [soon.number, late.number, none.number]
    assert numbers_on(web.get(list_url(sort="-follow_up"))) == [late.number, soon.number, none.number]


def test_it_sorts_by_last_change(web, mix, support_user):
    services.ticket_update(
        ticket_id=mix["intake"].pk, by=support_user, data={"reason": "Korrektur", "summary": "Neu"}
    )
    assert numbers_on(web.get(list_url(sort="-updated")))[0] == mix["intake"].number


def test_it_marks_the_sorted_column_for_screen_readers(web, mix):
    html = web.get(list_url(sort="-created")).content.decode()
    assert 'aria-sort="descending"' in html
    assert "sort=created" in html  # the header now offers the other direction


def test_it_pages_25_at_a_time(web, support_user):
    customer = CustomerFactory()
    for _ in range(27):
        create_ticket(support_user, customer=customer)
    first, second = web.get(list_url()), web.get(list_url(page=2))
    assert len(numbers_on(first)) == 25
    assert len(numbers_on(second)) == 2
    assert not set(numbers_on(first)) & set(numbers_on(second))
    assert "Seite 1 von 2" in first.content.decode()


# --- queries -----------------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("query", [{}, {"q": "Rezept", "sort": "follow_up"}, {"follow_up_due": "false"}])
def test_it_lists_with_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries, query):
    states = [State.INTAKE, State.PROGRAM_REQUEST, State.CLOSED]
    for i in range(3):
        ticket_in_state(states[i % 3], support_user, summary="Rezeptdruck")
    few, response = queries_for(web, list_url(**query))
    assert len(numbers_on(response)) == 3
    for i in range(27):
        ticket_in_state(states[i % 3], support_user, summary="Rezeptdruck")
    with django_assert_max_num_queries(few):
        response = web.get(list_url(**query))
    assert len(numbers_on(response)) == 25
