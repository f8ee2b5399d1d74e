"""DESIGN §4 `close_as_duplicate` and §7 `…/links/`: "same as 2026-000117" is said by a link, never by
a made-up solution; links are never deleted, a wrong one is ended with a reason (R7, R9)."""

import pytest

from accounts import roles
from audit.history import history_rows
from tests.conftest import client_for, web_client
from tests.factories import create_ticket, ticket_in_state
from tickets.models import State, Ticket, TicketLink

pytestmark = pytest.mark.django_db


def close_as_duplicate(api, ticket, other, reason="Gleicher Fehler, zweiter Anruf desselben Kunden."):
    return api.post(
        f"/api/v1/tickets/{ticket.pk}/transitions/close_as_duplicate/",
        {"duplicate_of": other if isinstance(other, (int, str)) else other.pk, "reason": reason},
        format="json",
    )


@pytest.mark.parametrize("state", [State.INTAKE, State.TRIAGE, State.ESCALATED])
def test_a_second_call_about_the_same_problem_is_closed_as_its_duplicate(api, support_user, state):
    carrier = create_ticket(support_user)
    second = ticket_in_state(state, support_user, customer=carrier.customer)

    response = close_as_duplicate(api, second, carrier)

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed" and response.json()["duplicate_of"] == carrier.pk
    second.refresh_from_db()
    assert second.follow_up_date is None
    # No customer notification and no complaint evaluation were needed (R2, R15: the carrier has the case).
    assert not second.notifications.exists() or state == State.ESCALATED
    links = api.get(f"/api/v1/tickets/{carrier.pk}/links/").json()
    assert [(row["kind"], row["target"], row["direction"]) for row in links] == [
        ("duplicate", second.pk, "incoming")
    ]
    own = api.get(f"/api/v1/tickets/{second.pk}/links/").json()
    assert [(row["kind"], row["target"]) for row in own] == [("duplicate_of", carrier.pk)]
    assert own[0]["reason"] == "Gleicher Fehler, zweiter Anruf desselben Kunden."


def test_the_duplicate_can_be_named_by_its_number(api, support_user):
    carrier, second = create_ticket(support_user), create_ticket(support_user)
    assert close_as_duplicate(api, second, carrier.number).status_code == 200


@pytest.mark.req("R4")
def test_it_refuses_itself_a_duplicate_and_an_unknown_ticket_with_field_errors(api, support_user):
    first, second, third = (create_ticket(support_user) for _ in range(3))
    assert close_as_duplicate(api, second, first).status_code == 200

    itself = close_as_duplicate(api, third, third)
    of_a_duplicate = close_as_duplicate(api, third, second)
    unknown = close_as_duplicate(api, third, "2026-999999")
    no_reason = close_as_duplicate(api, third, first, reason="")

    for response in (itself, of_a_duplicate, unknown, no_reason):
        assert response.status_code == 400
    assert "sich selbst" in itself.json()["duplicate_of"][0]
    assert first.number in of_a_duplicate.json()["duplicate_of"][0]
    assert "2026-999999" in unknown.json()["duplicate_of"][0]
    assert "reason" in no_reason.json()
    assert Ticket.objects.get(pk=third.pk).state == State.INTAKE


@pytest.mark.req("R1")
def test_it_refuses_close_as_duplicate_once_a_solution_is_on_its_way(api, support_user):
    carrier = create_ticket(support_user)
    fixed = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    assert close_as_duplicate(api, fixed, carrier).status_code == 409


def test_both_pages_show_the_duplicate_link(web, support_user):
    carrier = create_ticket(support_user)
    second = create_ticket(support_user, summary="Rezeptdruck bricht wieder ab")
    response = web.post(
        f"/tickets/{second.pk}/transitions/close_as_duplicate/",
        {
            "duplicate_of": carrier.number,
            "reason": "Dasselbe Problem, zweiter Anruf.",
            "expected_state": "intake",
        },
    )
    assert response.status_code == 302

    carrier_page = web.get(f"/tickets/{carrier.pk}/").content.decode()
    second_page = web.get(f"/tickets/{second.pk}/").content.decode()
    assert second.number in carrier_page and "als Duplikat dieses Vorgangs abgeschlossen" in carrier_page
    assert "Duplikat von" in second_page and carrier.number in second_page


@pytest.mark.req("R7")
def test_a_wrong_link_is_ended_with_a_reason_and_stays(api, support_user):
    one, other = create_ticket(support_user), create_ticket(support_user)
    made = api.post(
        f"/api/v1/tickets/{one.pk}/links/",
        {"kind": "related", "target": other.pk, "reason": "Gleiche Druckerumgebung."},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert api.get(f"/api/v1/tickets/{other.pk}/links/").json()[0]["direction"] == "incoming"
    again = api.post(
        f"/api/v1/tickets/{other.pk}/links/", {"target": one.number, "reason": "doppelt"}, format="json"
    )
    assert again.status_code == 409

    link_id = made.json()["id"]
    no_reason = api.post(f"/api/v1/tickets/{one.pk}/links/{link_id}/end/", {"reason": ""}, format="json")
    ended = api.post(
        f"/api/v1/tickets/{other.pk}/links/{link_id}/end/",
        {"reason": "Falscher Vorgang verknüpft."},
        format="json",
    )

    assert no_reason.status_code == 400
    assert ended.status_code == 200 and ended.json()["ended_at"]
    link = TicketLink.objects.get(pk=link_id)  # kept, with its history
    assert link.end_reason == "Falscher Vorgang verknüpft."
    assert [row.history_change_reason for row in history_rows(link)] == ["link", "link_end"]
    assert (
        api.post(
            f"/api/v1/tickets/{one.pk}/links/{link_id}/end/", {"reason": "nochmal"}, format="json"
        ).status_code
        == 409
    )
    assert (
        api.post(f"/api/v1/tickets/{one.pk}/links/99999/end/", {"reason": "x"}, format="json").status_code
        == 404
    )
    assert api.delete(f"/api/v1/tickets/{one.pk}/links/").status_code == 405


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (roles.SUPPORT, True),
        (roles.MANAGEMENT, True),
        (roles.ADMIN, True),
        (roles.QMB, False),
        (roles.PROCESS_MANAGER, False),
    ],
)
def test_links_are_made_by_those_who_work_tickets_and_read_by_all(users, support_user, role, allowed):
    one, other = create_ticket(support_user), create_ticket(support_user)
    client = client_for(users[role])
    response = client.post(
        f"/api/v1/tickets/{one.pk}/links/", {"target": other.pk, "reason": "siehe auch"}, format="json"
    )
    assert response.status_code == (201 if allowed else 403)
    assert client.get(f"/api/v1/tickets/{one.pk}/links/").status_code == 200
    assert client_for(None).get(f"/api/v1/tickets/{one.pk}/links/").status_code in (401, 403)


def test_the_page_links_and_ends_and_keeps_the_typed_reason_when_refused(support_user):
    web = web_client(support_user)
    one, other = create_ticket(support_user), create_ticket(support_user)
    refused = web.post(f"/tickets/{one.pk}/links/", {"target": "2026-999999", "reason": "Gleiche Ursache"})
    assert refused.status_code == 400
    assert "Gleiche Ursache" in refused.content.decode()  # R14: nothing typed is lost

    assert (
        web.post(
            f"/tickets/{one.pk}/links/", {"target": other.number, "reason": "Gleiche Ursache"}
        ).status_code
        == 302
    )
    link = TicketLink.objects.get()
    assert web.post(f"/tickets/{other.pk}/links/{link.pk}/end/", {"reason": "Irrtum"}).status_code == 302
    assert web.post(f"/tickets/{other.pk}/links/{link.pk + 1}/end/", {"reason": "Irrtum"}).status_code == 404
    page = web.get(f"/tickets/{one.pk}/").content.decode()
    assert "Irrtum" in page and other.number in page
