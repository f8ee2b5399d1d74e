"""The OpenAPI schema tells what the API does (DESIGN §7): schemathesis sends every operation
generated requests on a live server and finds no answer the schema does not describe; the
schema and its docs need a login."""

import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from accounts import roles
from solutions import services as solution_services
from solutions.models import KnownSolution
from tests.factories import PASSWORD, ContactFactory, CustomerFactory, run, ticket_in_state, user_with_role
from tickets import services
from tickets.models import State

API = "/api/v1"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def seed(by) -> dict[str, list[int]]:
    """Customers, tickets in every state (with program requests and a pending risk review) and known
    solutions in every state: by path, the ids that hit real objects."""
    customers = [ContactFactory().customer, CustomerFactory()]
    tickets = [ticket_in_state(state, by, customer=customers[0]) for state in State]
    run(tickets[1], "flag_risk", by)
    solution = {
        "title": "Rezeptdruck bricht ab",
        "symptoms": "Fehler 4711",
        "solution": "Druckertreiber neu zuweisen.",
        "kind": "workaround",
        "category": "software",
    }
    solutions = [
        solution_services.solution_create(by=by, data=solution, state=state).pk
        for state in (KnownSolution.State.DRAFT, KnownSolution.State.ACTIVE, KnownSolution.State.ACTIVE)
    ]
    solution_services.solution_transition(
        solution_id=solutions[2], name="retire", by=by, data={"reason": "alt"}
    )
    return {
        f"{API}/customers/": [c.pk for c in customers],
        f"{API}/tickets/": [t.pk for t in tickets],
        f"{API}/program-requests/": sorted({t.program_request_id for t in tickets} - {None}),
        f"{API}/solutions/": solutions,
    }


def token_headers(base_url, user) -> dict:
    response = requests.post(
        f"{base_url}{API}/auth/token/", json={"username": user.username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Token {response.json()['token']}"}


def fuzz(schema, base_url, headers, ids, *, max_examples) -> list[str]:
    """Every operation with a bounded, reproducible number of generated requests, most of them
    with the id of a seeded object; the first failure found per operation."""
    failures = {}
    for operation in (result.ok() for result in schema.get_all_operations()):
        known = next((pks for prefix, pks in ids.items() if operation.path.startswith(prefix)), [])
        seeded = [
            operation.as_strategy(path_parameters={"id": pk}) for pk in known if "{id}" in operation.path
        ]

        @settings(
            max_examples=max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(operation.as_strategy(), *seeded))
        def call(case):
            try:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)
            except (Exception, FailureGroup) as failure:
                failures.setdefault(case.operation.label, f"{case.operation.label}: {failure}")

        call()
    return list(failures.values())


@pytest.mark.django_db(transaction=True)
def test_the_schema_describes_every_answer_of_every_operation(live_server):
    # Management may do all that support does and also sign risk reviews; qmb only reads (403 for
    # every write); without a token every operation answers 401.
    management, qmb = user_with_role(roles.MANAGEMENT), user_with_role(roles.QMB)
    ids = seed(management)
    base_url = live_server.url
    headers = token_headers(base_url, management)
    response = requests.get(
        f"{base_url}{API}/schema/", headers=headers, params={"format": "json"}, timeout=30
    )
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())

    failures = {
        "management": fuzz(schema, base_url, headers, ids, max_examples=25),
        "qmb": fuzz(schema, base_url, token_headers(base_url, qmb), ids, max_examples=5),
        "no token": fuzz(schema, base_url, {}, ids, max_examples=2),
    }

    assert failures == {"management": [], "qmb": [], "no token": []}, "\n\n".join(
        f"As {who}: {report}" for who, reports in failures.items() for report in reports
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{API}/schema/", f"{API}/docs/"])
def test_the_schema_and_the_docs_need_a_login(url, support_user):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]

    client = APIClient()
    client.force_authenticate(support_user)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [f"{API}/docs/"])
def test_the_docs_run_under_the_content_security_policy(url, api):
    page = api.get(url).content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)  # no inline script
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere
    if url.endswith("/docs/"):
        start = api.get(url, {"script": ""})
        assert start["Content-Type"] == "application/javascript"
        assert f"{API}/schema/" in start.content.decode()


@pytest.mark.django_db
def test_each_transition_documents_the_data_it_takes(api):
    schema = api.get(f"{API}/schema/", {"format": "json"}).json()
    bodies = schema["components"]["schemas"]
    operation = schema["paths"][f"{API}/tickets/{{id}}/transitions/{{name}}/"]["post"]

    documented = {p["name"]: p for p in operation["parameters"]}["name"]["schema"]["enum"]
    assert set(documented) == set(services.TICKETS.forms)
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TicketTransition"}
    assert len(bodies["TicketTransition"]["anyOf"]) == len(services.TICKETS.forms)
    triage = bodies["TicketTransitionTriage"]
    assert set(triage["properties"]) == {
        "category",
        "risk_relevant",
        "risk_description",
        "is_complaint",
        "expected_state",
    }
    assert triage["required"] == ["category", "risk_relevant"]  # the complaint answer may come later (R15)
    assert bodies["ProgramRequestTransitionReject"]["required"] == ["justification"]
    assert "expected_status" in bodies["SolutionTransitionRetire"]["properties"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409"}
