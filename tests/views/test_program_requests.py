"""Program requests at SIC: list, detail with linked tickets, and realize/reject for all of them (R5)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from tests.conftest import web_client
from tests.factories import ContactFactory, CustomerFactory, run, ticket_in_state, tomorrow
from tickets.models import State, Ticket
from vendor.models import ProgramRequest

pytestmark = pytest.mark.django_db

LIST = reverse("program-request-list")
WORKERS = [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN]


def detail_url(program_request):
    return reverse("program-request-detail", args=[program_request.pk])


def decide_url(program_request, name):
    return reverse("program-request-decide", args=[program_request.pk, name])


def program_request_of(ticket):
    return ProgramRequest.objects.get(pk=Ticket.objects.get(pk=ticket.pk).program_request_id)


def linked_ticket(program_request, by, **create_kwargs):
    """Another ticket registered on the same program request."""
    ticket = ticket_in_state(State.ESCALATED, by, **create_kwargs)
    return run(
        ticket,
        "register_program_request",
        by,
        program_request=program_request.pk,
        follow_up_date=tomorrow().isoformat(),
    )


@pytest.fixture
def shared(support_user):
    """One open program request shared by two tickets of two customers, plus the request itself."""
    first_customer = CustomerFactory(name="Reha-Technik Niederrhein")
    first = ticket_in_state(
        State.PROGRAM_REQUEST,
        support_user,
        customer=first_customer,
        contact=ContactFactory(customer=first_customer, name="Anja Schulte").pk,
        caller_name="Anja Schulte",
        caller_phone="0203 2987452",
    )
    program_request = program_request_of(first)
    second = linked_ticket(
        program_request,
        support_user,
        customer=CustomerFactory(name="Sanitätshaus am Quirinus"),
        caller_name="Stefan Fischer",
        caller_phone="02131 6629848",
    )
    return program_request, first, second


def shown(response):
    return [pr.vendor_reference for pr in response.context["page"].object_list]


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_it_shows_list_and_detail_to_every_role(users, role, shared):
    program_request, _, _ = shared
    client = web_client(users[role])
    listing = client.get(LIST)
    detail = client.get(detail_url(program_request))
    assert listing.status_code == 200
    assert "vendor/program_request_list.html" in [t.name for t in listing.templates]
    assert detail.status_code == 200
    assert "vendor/program_request_detail.html" in [t.name for t in detail.templates]


@pytest.mark.req("R8")
def test_it_sends_anonymous_users_to_login(client, shared):
    program_request, _, _ = shared
    for response in (
        client.get(LIST),
        client.get(detail_url(program_request)),
        client.post(decide_url(program_request, "realize"), {"release": "24.5"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert program_request_of(shared[1]).state == ProgramRequest.State.OPEN


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", WORKERS)
def test_it_offers_both_decisions_to_working_roles(users, role, shared):
    program_request, _, _ = shared
    body = web_client(users[role]).get(detail_url(program_request)).content.decode()
    assert f'action="{decide_url(program_request, "realize")}"' in body
    assert f'action="{decide_url(program_request, "reject")}"' in body
    assert "Ablehnung durch SIC" in body


@pytest.mark.req("R8")
def test_the_qmb_sees_no_decision_forms_and_may_not_decide(qmb_user, shared):
    program_request, first, second = shared
    client = web_client(qmb_user)
    response = client.get(detail_url(program_request))
    main = response.content.decode().split('<main id="main"')[1].split("</main>")[0]
    assert "<form" not in main
    assert "decision_forms" not in response.context
    assert client.post(decide_url(program_request, "realize"), {"release": "24.5"}).status_code == 403
    assert client.post(decide_url(program_request, "reject"), {"justification": "x" * 20}).status_code == 403
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.OPEN
    assert {Ticket.objects.get(pk=t.pk).state for t in (first, second)} == {State.PROGRAM_REQUEST}


def test_it_refuses_wrong_methods_and_unknown_decisions(web, shared):
    program_request, _, _ = shared
    assert web.post(LIST).status_code == 405
    assert web.post(detail_url(program_request)).status_code == 405
    assert web.get(decide_url(program_request, "realize")).status_code == 405
    assert web.post(decide_url(program_request, "close"), {}).status_code == 404
    assert web.get(reverse("program-request-detail", args=[999999])).status_code == 404
    assert web.post(reverse("program-request-decide", args=[999999, "realize"])).status_code == 404


# --- list ---------------------------------------------------------------------------------------


def test_it_lists_requests_with_kind_state_ticket_count_and_plan(web, support_user, shared):
    ticket = ticket_in_state(State.ESCALATED, support_user)
    run(
        ticket,
        "register_program_request",
        support_user,
        kind="wish",
        vendor_reference="PW-WISH-1",
        follow_up_date=tomorrow().isoformat(),
        planned_release="SaniVision 24.4",
    )
    response = web.get(LIST)
    rows = {pr.vendor_reference: pr for pr in response.context["page"].object_list}
    assert rows["PW-2026-17"].ticket_count == 2
    assert rows["PW-WISH-1"].ticket_count == 1
    body = response.content.decode()
    assert "Kundenwunsch" in body
    assert "Beanstandung" in body
    assert "SaniVision 24.4" in body
    assert '<span class="badge state-open">Offen</span>' in body
    assert detail_url(shared[0]) in body


def test_it_filters_by_state_and_kind(web, support_user, shared):
    decided = ticket_in_state(State.REJECTED, support_user, summary="Abgelehnter Wunsch")
    rejected = program_request_of(decided)
    assert [pr.pk for pr in web.get(LIST + "?state=open").context["page"].object_list] == [shared[0].pk]
    assert [pr.pk for pr in web.get(LIST + "?state=rejected").context["page"].object_list] == [rejected.pk]
    assert shown(web.get(LIST + "?state=realized")) == []
    assert shown(web.get(LIST + "?kind=wish")) == []
    assert len(shown(web.get(LIST + "?kind=complaint"))) == 2
    assert "Keine Programmwünsche gefunden." in web.get(LIST + "?state=realized").content.decode()


def test_an_unknown_filter_value_shows_an_error_not_everything(web, shared):
    response = web.get(LIST + "?state=erledigt")
    assert response.status_code == 200
    assert shown(response) == []
    assert "erledigt ist keine gültige Auswahl." in response.content.decode()


# --- detail -------------------------------------------------------------------------------------


def test_it_shows_facts_and_linked_tickets(web, shared):
    program_request, first, second = shared
    body = web.get(detail_url(program_request)).content.decode()
    assert "PW-2026-17" in body
    assert "Beanstandung" in body
    assert "hohe Priorität" in body
    for ticket in (first, second):
        assert reverse("ticket-detail", args=[ticket.pk]) in body
        assert ticket.number in body
    assert "Reha-Technik Niederrhein" in body
    assert "Sanitätshaus am Quirinus" in body
    assert body.count('<span class="badge state-program_request">Programmwunsch</span>') == 2
    assert "Kunden jetzt informieren" not in body


# --- realize and reject (R5) -------------------------------------------------------------------


@pytest.mark.req("R5")
def test_realizing_moves_every_linked_ticket_and_lists_the_customers_to_inform(web, support_user, shared):
    program_request, first, second = shared
    response = web.post(decide_url(program_request, "realize"), {"release": "SaniVision 24.5"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(program_request)
    program_request.refresh_from_db()
    assert (program_request.state, program_request.realized_release) == ("realized", "SaniVision 24.5")
    for ticket in (first, second):
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert ticket.state == State.REALIZED
        assert ticket.history.first().history_change_reason == "realize"

    page = web.get(response["Location"])
    body = page.content.decode()
    assert (
        "Der Programmwunsch ist als realisiert erfasst. 2 verknüpfte Vorgänge wurden weitergeschaltet."
        in body
    )
    assert "Kunden jetzt informieren" in body
    assert [t.pk for t in page.context["to_inform"]] == [first.pk, second.pk]
    inform = body.split("Kunden jetzt informieren")[1].split("</section>")[0]
    for text in (
        "Anja Schulte",
        "0203 2987452",
        "Stefan Fischer",
        "02131 6629848",
        "Sanitätshaus am Quirinus",
    ):
        assert text in inform
    assert reverse("ticket-detail", args=[first.pk]) in inform
    assert "decision_forms" in page.context
    assert page.context["decision_forms"] == {}  # decided: no forms any more

    again = web.get(detail_url(program_request))
    assert [t.pk for t in again.context["to_inform"]] == [first.pk, second.pk]  # survives a reload


@pytest.mark.req("R5")
def test_rejecting_moves_every_linked_ticket(web, shared):
    program_request, first, second = shared
    justification = "Verhalten entspricht der Spezifikation der Krankenkassen."
    response = web.post(decide_url(program_request, "reject"), {"justification": justification})
    assert response.status_code == 302
    assert {Ticket.objects.get(pk=t.pk).state for t in (first, second)} == {State.REJECTED}
    body = web.get(response["Location"]).content.decode()
    assert "Die Ablehnung durch SIC ist erfasst." in body
    assert justification in body
    assert body.count('<span class="badge state-rejected">Abgelehnt</span>') >= 3


@pytest.mark.req("R4")
def test_a_short_justification_is_refused_in_german_and_nothing_moves(web, shared):
    program_request, first, second = shared
    response = web.post(decide_url(program_request, "reject"), {"justification": "  zu   kurz  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Die Begründung muss mindestens 10 Zeichen (ohne Leerzeichen) haben." in body
    assert 'id="reject-justification"' in body
    assert "zu   kurz" in body  # what was typed is kept
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.OPEN
    assert {Ticket.objects.get(pk=t.pk).state for t in (first, second)} == {State.PROGRAM_REQUEST}


@pytest.mark.req("R4")
def test_a_missing_release_is_refused_in_german(web, shared):
    program_request, _, _ = shared
    response = web.post(decide_url(program_request, "realize"), {"release": "", "realized_on": "morgen"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in body
    assert "Bitte ein gültiges Datum eingeben." in body
    assert program_request_of(shared[1]).state == ProgramRequest.State.OPEN


@pytest.mark.req("R1")
def test_a_second_decision_is_a_conflict_with_a_message(web, shared):
    program_request, _, _ = shared
    web.post(decide_url(program_request, "realize"), {"release": "24.5"})
    response = web.post(
        decide_url(program_request, "reject"), {"justification": "Doch nicht umgesetzt, sorry."}
    )
    assert response.status_code == 409
    assert "SIC hat über diesen Programmwunsch bereits entschieden (Realisiert)." in response.content.decode()
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.REALIZED


def test_realized_on_defaults_to_today_and_accepts_a_date(web, support_user, shared):
    program_request, _, _ = shared
    web.post(decide_url(program_request, "realize"), {"release": "24.5", "realized_on": "2026-01-15"})
    program_request.refresh_from_db()
    assert program_request.realized_on.isoformat() == "2026-01-15"


# --- query counts -------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_runs_a_fixed_number_of_queries(web, support_user, django_assert_max_num_queries):
    ticket_in_state(State.PROGRAM_REQUEST, support_user)
    few = count_queries(web, LIST)
    for _ in range(6):
        ticket_in_state(State.PROGRAM_REQUEST, support_user)
    with django_assert_max_num_queries(few):
        response = web.get(LIST)
    assert len(shown(response)) == 7


def test_the_detail_runs_a_fixed_number_of_queries(web, support_user, shared, django_assert_max_num_queries):
    program_request, _, _ = shared
    few = count_queries(web, detail_url(program_request))
    for _ in range(5):
        customer = CustomerFactory()
        linked_ticket(
            program_request, support_user, customer=customer, contact=ContactFactory(customer=customer).pk
        )
    with django_assert_max_num_queries(few):
        response = web.get(detail_url(program_request))
    assert len(response.context["tickets"]) == 7


def test_the_inform_list_runs_a_fixed_number_of_queries(
    web, support_user, shared, django_assert_max_num_queries
):
    program_request, _, _ = shared
    other = program_request_of(ticket_in_state(State.PROGRAM_REQUEST, support_user))
    web.post(decide_url(other, "realize"), {"release": "1"})
    few = count_queries(web, detail_url(other))
    for _ in range(5):
        linked_ticket(program_request, support_user)
    web.post(decide_url(program_request, "realize"), {"release": "2"})
    with django_assert_max_num_queries(few):
        response = web.get(detail_url(program_request))
    assert len(response.context["to_inform"]) == 7
