"""The CAPA API (DESIGN §7, R22, R8): lists, detail with available_transitions, proposing, the signed
decision and the process manager's steps; errors in the order 404 → 403 → 409 → 400."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from capa.models import CapaProposal
from tests.conftest import client_for
from tests.factories import PASSWORD, create_ticket
from tests.test_capa import capa_in_state, raise_capa

API = "/api/v1/capa"


def accept_body(owner, **data):
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    return {
        "owner": owner.pk,
        "due_date": due,
        "comment": "Qualitätsbesprechung 04/2026",
        "password": PASSWORD,
        **data,
    }


@pytest.mark.req("R22")
def test_anyone_proposes_with_ticket_ids_and_gets_201_with_the_proposal(qmb_user, support_user):
    first, second = create_ticket(support_user), create_ticket(support_user)
    body = {
        "title": "Rückrufzeit erfassen",
        "what": "Feld Rückrufzeit.",
        "why": "Kunden fragen nach.",
        "tickets": [second.pk, first.pk],
    }

    response = client_for(qmb_user).post(f"{API}/", body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "proposed" and data["state_label"] == "vorgeschlagen"
    assert data["tickets"] == [second.pk, first.pk]
    assert data["raised_by"] == qmb_user.username
    assert data["available_transitions"] == []  # the QMB reads and proposes, never decides
    assert CapaProposal.objects.get().raised_by == qmb_user


@pytest.mark.req("R4")
def test_a_bad_proposal_is_a_400_with_field_errors(support_user):
    api = client_for(support_user)
    response = api.post(f"{API}/", {"title": "", "what": "x", "why": "y", "tickets": [987654]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"title", "tickets"}
    response = api.post(
        f"{API}/", {"title": "t", "what": "x", "why": "y", "tickets": "2026-000001"}, format="json"
    )
    assert response.status_code == 400 and "tickets" in response.json()
    assert not CapaProposal.objects.exists()


@pytest.mark.req("R8")
@pytest.mark.req("R22")
def test_the_detail_names_the_steps_each_role_may_run(users):
    proposed = raise_capa(users[roles.SUPPORT])
    accepted = capa_in_state(
        CapaProposal.State.ACCEPTED,
        raised_by=users[roles.SUPPORT],
        decided_by=users[roles.MANAGEMENT],
        carried_out_by=users[roles.PROCESS_MANAGER],
    )
    expected = {
        roles.SUPPORT: ([], []),
        roles.MANAGEMENT: (["accept", "reject"], []),
        roles.QMB: ([], []),
        roles.PROCESS_MANAGER: ([], ["implement"]),
        roles.ADMIN: ([], []),
    }
    for role, (on_proposed, on_accepted) in expected.items():
        api = client_for(users[role])
        assert api.get(f"{API}/{proposed.pk}/").json()["available_transitions"] == on_proposed, role
        assert api.get(f"{API}/{accepted.pk}/").json()["available_transitions"] == on_accepted, role


@pytest.mark.req("R22")
def test_management_accepts_with_the_password_and_the_signature_shows(
    support_user, management_user, process_manager_user
):
    capa = raise_capa(support_user)
    response = client_for(management_user).post(
        f"{API}/{capa.pk}/transitions/accept/", accept_body(process_manager_user), format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "accepted"
    assert data["decided_by"] == management_user.username
    assert data["decision_signer_name"] == management_user.get_full_name()
    assert data["decision_meaning"] == "decision"
    assert data["decided_at"] and data["owner"] == process_manager_user.pk
    assert data["owner_name"] == process_manager_user.get_full_name()
    assert data["due_date"] == (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    assert data["overdue"] is False
    assert "password" not in data


@pytest.mark.req("R22")
def test_a_wrong_password_is_a_400_on_password_and_nothing_is_signed(
    support_user, management_user, process_manager_user
):
    capa = raise_capa(support_user)
    response = client_for(management_user).post(
        f"{API}/{capa.pk}/transitions/accept/",
        accept_body(process_manager_user, password="falsch"),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED and capa.decided_by is None


@pytest.mark.req("R22")
def test_repeated_wrong_passwords_lock_the_signature_out_with_429(
    support_user, management_user, process_manager_user, settings
):
    capa = raise_capa(support_user)
    api = client_for(management_user)
    url = f"{API}/{capa.pk}/transitions/reject/"
    answers = [
        api.post(
            url, {"reason": "Schon durch Schulung abgedeckt.", "password": "falsch"}, format="json"
        ).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert set(answers) == {400}
    response = api.post(
        url, {"reason": "Schon durch Schulung abgedeckt.", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429 and response["Retry-After"]
    capa.refresh_from_db()
    assert capa.state == CapaProposal.State.PROPOSED


@pytest.mark.req("R8")
@pytest.mark.req("R22")
def test_errors_come_in_the_order_404_403_409_400(users):
    support, manager, carrier = users[roles.SUPPORT], users[roles.MANAGEMENT], users[roles.PROCESS_MANAGER]
    rejected = capa_in_state(CapaProposal.State.REJECTED, raised_by=support, decided_by=manager)
    bad = {"owner": "niemand", "due_date": "gestern", "password": ""}

    assert (
        client_for(carrier).post(f"{API}/987654/transitions/accept/", bad, format="json").status_code == 404
    )
    assert (
        client_for(carrier).post(f"{API}/{rejected.pk}/transitions/teleport/", bad, format="json").status_code
        == 404
    )
    # the process manager may not decide: 403 although the state forbids it too and the data is bad
    assert (
        client_for(carrier).post(f"{API}/{rejected.pk}/transitions/accept/", bad, format="json").status_code
        == 403
    )
    # management may decide, but a rejected proposal is decided: 409 before the bad data
    response = client_for(manager).post(f"{API}/{rejected.pk}/transitions/accept/", bad, format="json")
    assert response.status_code == 409 and "nicht möglich" in response.json()["detail"]
    # where the state allows it, the bad data shows: 400 with each field
    proposed = raise_capa(support)
    response = client_for(manager).post(f"{API}/{proposed.pk}/transitions/accept/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"owner", "due_date", "password"}


@pytest.mark.req("R22")
def test_the_process_manager_implements_and_checks_over_the_api(
    support_user, management_user, process_manager_user
):
    capa = capa_in_state(
        CapaProposal.State.ACCEPTED,
        raised_by=support_user,
        decided_by=management_user,
        carried_out_by=process_manager_user,
    )
    api = client_for(process_manager_user)
    response = api.post(
        f"{API}/{capa.pk}/transitions/implement/", {"implementation": "Checkliste eingeführt."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (
        response.json()["state"] == "implemented"
        and response.json()["implemented_by"] == process_manager_user.username
    )
    response = api.post(
        f"{API}/{capa.pk}/transitions/check_effectiveness/",
        {"effective": False, "result": "Noch zwei späte Risikomeldungen.", "expected_state": "implemented"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["effective"] is False and response.json()["state"] == "effectiveness_checked"
    history = api.get(f"{API}/{capa.pk}/history/").json()
    assert [row["reason"] for row in history["results"]] == [
        "capa_create",
        "accept",
        "implement",
        "check_effectiveness",
    ]


def test_the_list_is_paginated_newest_first_in_a_fixed_number_of_queries(
    support_user, django_assert_max_num_queries
):
    api = client_for(support_user)
    raise_capa(support_user, tickets=create_ticket(support_user).number)
    with django_assert_max_num_queries(12) as few:
        api.get(f"{API}/")
    for _ in range(5):
        raise_capa(support_user, tickets=create_ticket(support_user).number)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(f"{API}/")
    data = response.json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 6
    ids = [row["id"] for row in data["results"]]
    assert ids == sorted(ids, reverse=True)


def test_the_schema_describes_the_capa_endpoints(support_user):
    schema = (
        client_for(support_user).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    )
    paths = schema["paths"]
    assert "post" in paths[f"{API}/"] and "get" in paths[f"{API}/"]
    transition = paths[f"{API}/{{id}}/transitions/{{name}}/"]["post"]
    assert {"200", "400", "403", "404", "409", "429"} <= set(transition["responses"])
    components = schema["components"]["schemas"]
    assert {"password", "owner", "due_date"} <= set(components["CapaTransitionAccept"]["properties"])
    assert {"password", "reason"} <= set(components["CapaTransitionReject"]["properties"])
    assert {"title", "what", "why", "tickets"} <= set(components["CapaCreate"]["properties"])
    assert components["CapaCreate"]["properties"]["tickets"]["type"] == "array"


@pytest.mark.req("R14")
def test_a_ticket_id_no_database_can_hold_is_a_field_error(api):
    body = {"title": "Prüfung", "what": "Was", "why": "Warum", "tickets": [2**90]}
    response = api.post("/api/v1/capa/", body, format="json")
    assert response.status_code == 400 and "tickets" in response.json()
