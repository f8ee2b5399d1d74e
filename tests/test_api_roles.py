"""Who may do what over the API (DESIGN §5, §7; R7, R8): a generated matrix of every endpoint × every role."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts import roles
from audit.models import DeletionRefused
from capa import services as capa_services
from capa.models import CapaProposal
from customers.models import Contact, Customer
from solutions import services as solution_services
from solutions.models import KnownSolution
from supportdesk.urls import router
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    create_ticket,
    notify,
    run,
    ticket_in_state,
    tomorrow,
    transition_data,
    user_with_role,
)
from tickets.models import CallNote, CustomerNotification, NotificationKind, RiskReview, State, Ticket
from vendor.models import ProgramRequest

API = "/api/v1"
ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
ALL_CALLERS = [*roles.ROLES, ANONYMOUS, NO_ROLE]
WORKERS = frozenset({roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN})
SIGNERS = frozenset({roles.MANAGEMENT})
PROPOSERS = frozenset(roles.ROLES)  # every human role proposes a process CAPA (DESIGN §5)
CAPA_DECIDERS = frozenset({roles.MANAGEMENT})  # not even the admin
CAPA_CARRIERS = frozenset({roles.PROCESS_MANAGER})  # implementation and effectiveness check
CASE_APPS = {"tickets", "customers", "vendor", "audit", "authtoken", "solutions", "calls", "capa", "outbox"}
OUTBOX_READERS = frozenset({roles.MANAGEMENT, roles.ADMIN})


# --- the objects an endpoint works on, made by a support user ------------------------------------------


def with_ticket(state):
    def setup(by):
        ticket = ticket_in_state(state, by)
        return {"ticket": ticket.pk, "customer": ticket.customer_id, "pr": ticket.program_request_id}

    return setup


def with_two_tickets(by):
    """A ticket in triage and another of its customer: a duplicate, a link (DESIGN §4, §7)."""
    ctx = with_ticket(State.TRIAGE)(by)
    ctx["other"] = create_ticket(by, customer=Customer.objects.get(pk=ctx["customer"])).pk
    return ctx


def with_link(by):
    from tickets import services

    ctx = with_two_tickets(by)
    data = {"target": ctx["other"], "reason": "Gleiche Ursache."}
    ctx["link"] = services.ticket_link(ticket_id=ctx["ticket"], by=by, data=data).pk
    return ctx


def with_risk_ticket(by):
    ticket = create_ticket(by)
    run(
        ticket,
        "triage",
        by,
        category="software",
        risk_relevant=True,
        risk_description="Falsche Dosierangabe auf dem Lieferschein möglich.",
    )
    return {"ticket": ticket.pk, "customer": ticket.customer_id, "pr": None}


def with_customer(by):
    customer = CustomerFactory()
    ContactFactory(customer=customer)
    return {"ticket": None, "customer": customer.pk, "pr": None}


def with_contact(by):
    contact = ContactFactory(customer=CustomerFactory())
    return {"ticket": None, "customer": contact.customer_id, "pr": None, "contact": contact.pk}


def new_solution(ctx=None):
    return {
        "title": "Lizenz abgelaufen",
        "symptoms": "Meldung L-17 beim Programmstart.",
        "solution": "Lizenzdatei neu einspielen.",
        "kind": "answer",
        "category": "question",
    }


def with_solution(status):
    def setup(by):
        retired = status == KnownSolution.State.RETIRED
        created = KnownSolution.State.ACTIVE if retired else status
        solution = solution_services.solution_create(by=by, data=new_solution(), state=created)
        if retired:
            solution_services.solution_transition(
                solution_id=solution.pk, name="retire", by=by, data={"reason": "überholt"}
            )
        return {"ticket": None, "customer": None, "pr": None, "solution": solution.pk}

    return setup


CAPA_PATH = {
    CapaProposal.State.PROPOSED: [],
    CapaProposal.State.ACCEPTED: ["accept"],
    CapaProposal.State.IMPLEMENTED: ["accept", "implement"],
}


def capa_step_body(name, ctx):
    return {
        "accept": {"owner": ctx["owner"], "due_date": tomorrow().isoformat(), "password": PASSWORD},
        "reject": {"reason": "Schon durch die Schulung im April abgedeckt.", "password": PASSWORD},
        "implement": {"implementation": "Checkliste in die Arbeitsanweisung aufgenommen."},
        "check_effectiveness": {"effective": True, "result": "Seit drei Monaten kein Fall mehr."},
    }[name]


def with_capa(state):
    """A CAPA proposal raised by `by` (support) and moved to `state` by a manager and a process
    manager of its own; `owner`: the process manager, for an acceptance's body."""

    def setup(by):
        ticket = create_ticket(by)
        manager, carrier = user_with_role(roles.MANAGEMENT), user_with_role(roles.PROCESS_MANAGER)
        ctx = {"ticket": ticket.pk, "customer": ticket.customer_id, "pr": None, "owner": carrier.pk}
        capa = capa_services.capa_create(by=by, data={**new_capa(ctx), "tickets": ticket.number})
        for name in CAPA_PATH[state]:
            actor = manager if name in ("accept", "reject") else carrier
            capa_services.capa_transition(
                capa_id=capa.pk, name=name, by=actor, data=capa_step_body(name, ctx)
            )
        return {**ctx, "capa": capa.pk}

    return setup


def new_capa(ctx):
    return {
        "title": "Rückrufzeiten dokumentieren",
        "what": "Die zugesagte Rückrufzeit im Vorgang erfassen.",
        "why": "Kunden fragen, wann wir zurückrufen.",
    }


def with_mail(by):
    """A ticket with a mail to the customer in the outbox."""
    from tickets import services

    ctx = with_ticket(State.TRIAGE)(by)
    data = {"to": "info@kunde.test", "subject": "Rückfrage", "body": "Bitte das Protokoll senden."}
    ctx["mail"] = services.ticket_email_customer(ticket_id=ctx["ticket"], by=by, data=data).pk
    return ctx


def with_everything(by):
    ctx = with_ticket(State.PROGRAM_REQUEST)(by)
    ContactFactory(customer_id=ctx["customer"])
    notify(Ticket.objects.get(pk=ctx["ticket"]), NotificationKind.FORWARDED, by)
    ctx["solution"] = with_solution(KnownSolution.State.ACTIVE)(by)["solution"]
    ctx["capa"] = with_capa(CapaProposal.State.PROPOSED)(by)["capa"]
    return ctx


def source_state(name):
    return {
        "triage": State.INTAKE,
        "fix_immediately": State.TRIAGE,
        "escalate": State.TRIAGE,
        "register_program_request": State.ESCALATED,
        "follow_up": State.PROGRAM_REQUEST,
        "reject": State.PROGRAM_REQUEST,
        "realize": State.PROGRAM_REQUEST,
        "close": State.IMMEDIATE_FIX,  # fix_immediately from triage records the solution notification
        "flag_risk": State.ESCALATED,
        "reopen": State.CLOSED,
    }[name]


TRANSITIONS = [
    "triage",
    "fix_immediately",
    "escalate",
    "register_program_request",
    "follow_up",
    "reject",
    "realize",
    "close",
    "flag_risk",
    "reopen",
]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # template: {ticket}, {customer}, {pr}, {solution}, {capa}
    setup: Callable
    body: Callable = field(default=lambda ctx: None)
    ok: int = 200
    allowed: frozenset | None = None  # None: a read, every role
    reads: bool = False  # a read for `allowed` only (the outbox)

    @property
    def is_read(self):
        return self.allowed is None

    @property
    def route(self):
        """The path as the router declares it: objects as {id}, transition names as {name}."""
        path = re.sub(r"\{(ticket|customer|pr|solution|capa|mail)\}", "{id}", self.path)
        path = path.replace("{contact}", "{contact_id}").replace("{link}", "{link_id}")
        return self.method, re.sub(r"/transitions/[a-z_]+/", "/transitions/{name}/", path)

    def __str__(self):
        return f"{self.method} {self.path}"


def new_customer(ctx):
    return {"customer_number": "K-NEU-1", "name": "Sanitätshaus Neu", "phone": "0211 987654"}


def new_ticket(ctx):
    return {
        "customer": ctx["customer"],
        "caller_name": "Herr Neu",
        "caller_phone": "0211 987654",
        "summary": "Etikettendruck leer",
        "description": "Die Etiketten kommen leer aus dem Drucker.",
    }


ENDPOINTS = [
    # reads: every role
    Endpoint("GET", f"{API}/customers/", with_everything),
    Endpoint("GET", f"{API}/customers/{{customer}}/", with_everything),
    Endpoint("GET", f"{API}/customers/{{customer}}/contacts/", with_everything),
    Endpoint("GET", f"{API}/tickets/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/history/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/notifications/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/call-notes/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/vendor-contacts/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/links/", with_link),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/risk-review/", with_risk_ticket),
    Endpoint("GET", f"{API}/program-requests/", with_everything),
    Endpoint("GET", f"{API}/program-requests/{{pr}}/", with_everything),
    Endpoint("GET", f"{API}/solutions/", with_everything),
    Endpoint("GET", f"{API}/solutions/{{solution}}/", with_everything),
    Endpoint("GET", f"{API}/solutions/{{solution}}/history/", with_everything),
    Endpoint("GET", f"{API}/calls/", with_everything),
    Endpoint("GET", f"{API}/tickets/{{ticket}}/emails/", with_mail),
    # the outbox (R17): management and admin only
    Endpoint("GET", f"{API}/outbox/", with_mail, allowed=OUTBOX_READERS, reads=True),
    Endpoint("GET", f"{API}/outbox/{{mail}}/", with_mail, allowed=OUTBOX_READERS, reads=True),
    Endpoint("GET", f"{API}/capa/", with_everything),
    Endpoint("GET", f"{API}/capa/{{capa}}/", with_everything),
    Endpoint("GET", f"{API}/capa/{{capa}}/history/", with_everything),
    # process CAPA (R22): everyone proposes; management decides (signed); the process manager carries out
    Endpoint(
        "POST",
        f"{API}/capa/",
        with_ticket(State.TRIAGE),
        lambda ctx: {**new_capa(ctx), "tickets": [ctx["ticket"]]},
        201,
        PROPOSERS,
    ),
    *[
        Endpoint(
            "POST",
            f"{API}/capa/{{capa}}/transitions/{name}/",
            with_capa(state),
            lambda ctx, name=name: capa_step_body(name, ctx),
            200,
            allowed,
        )
        for name, state, allowed in [
            ("accept", CapaProposal.State.PROPOSED, CAPA_DECIDERS),
            ("reject", CapaProposal.State.PROPOSED, CAPA_DECIDERS),
            ("implement", CapaProposal.State.ACCEPTED, CAPA_CARRIERS),
            ("check_effectiveness", CapaProposal.State.IMPLEMENTED, CAPA_CARRIERS),
        ]
    ],
    # writes: support, management, admin
    Endpoint("POST", f"{API}/customers/", with_customer, new_customer, 201, WORKERS),
    Endpoint(
        "POST", f"{API}/calls/", with_customer, lambda ctx: {"caller_phone": "0211 1234567"}, 201, WORKERS
    ),
    Endpoint(
        "PATCH",
        f"{API}/customers/{{customer}}/",
        with_customer,
        lambda ctx: {"city": "Köln", "reason": "Umzug"},
        200,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/customers/{{customer}}/contacts/",
        with_customer,
        lambda ctx: {"name": "Frau Kontakt", "phone": "0211 4455667", "email": "k@example.test"},
        201,
        WORKERS,
    ),
    Endpoint(
        "PATCH",
        f"{API}/customers/{{customer}}/contacts/{{contact}}/",
        with_contact,
        lambda ctx: {"phone": "0211 7788990", "reason": "neue Durchwahl"},
        200,
        WORKERS,
    ),
    Endpoint("POST", f"{API}/tickets/", with_customer, new_ticket, 201, WORKERS),
    Endpoint(
        "PATCH",
        f"{API}/tickets/{{ticket}}/",
        with_ticket(State.INTAKE),
        lambda ctx: {"summary": "Etikettendruck bricht ab", "reason": "genauer"},
        200,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/transitions/close_as_duplicate/",
        with_two_tickets,
        lambda ctx: {"duplicate_of": ctx["other"], "reason": "Zweiter Anruf zum selben Fehler."},
        200,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/links/",
        with_two_tickets,
        lambda ctx: {"target": ctx["other"], "reason": "Gleiche Druckerumgebung."},
        201,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/links/{{link}}/end/",
        with_link,
        lambda ctx: {"reason": "Falsch verknüpft."},
        200,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/complaint-evaluation/",
        with_ticket(State.TRIAGE),
        lambda ctx: {"is_complaint": True, "investigation": "investigated", "findings": "Treiberfehler."},
        201,
        WORKERS,
    ),
    *[
        Endpoint(
            "POST",
            f"{API}/tickets/{{ticket}}/transitions/{name}/",
            with_ticket(source_state(name)),
            lambda ctx, name=name: transition_data(name),
            200,
            WORKERS,
        )
        for name in TRANSITIONS
    ],
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/notifications/",
        with_ticket(State.ESCALATED),
        lambda ctx: {"kind": "other", "channel": "email", "note": "Zwischenstand gemailt."},
        201,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/emails/",
        with_ticket(State.REJECTED),
        lambda ctx: {"to": "info@kunde.test", "subject": "Ablehnung", "body": "Begründung", "kind": "other"},
        201,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/call-notes/",
        with_ticket(State.TRIAGE),
        lambda ctx: {"direction": "outbound", "text": "Rückruf: Kunde testet morgen."},
        201,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/vendor-contacts/",
        with_ticket(State.ESCALATED),
        lambda ctx: {"kind": "vendor_report", "channel": "email", "summary": "SIC: Update 12.4 behebt es."},
        201,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/program-requests/{{pr}}/transitions/realize/",
        with_ticket(State.PROGRAM_REQUEST),
        lambda ctx: {"release": "12.5"},
        200,
        WORKERS,
    ),
    Endpoint(
        "POST",
        f"{API}/program-requests/{{pr}}/transitions/reject/",
        with_ticket(State.PROGRAM_REQUEST),
        lambda ctx: {"justification": "SIC: entspricht der Spezifikation, keine Änderung."},
        200,
        WORKERS,
    ),
    Endpoint(
        "PATCH",
        f"{API}/program-requests/{{pr}}/",
        with_ticket(State.PROGRAM_REQUEST),
        lambda ctx: {"planned_release": "12.6", "reason": "SIC: eine Version später"},
        200,
        WORKERS,
    ),
    Endpoint("POST", f"{API}/solutions/", lambda by: {}, new_solution, 201, WORKERS),
    Endpoint(
        "PATCH",
        f"{API}/solutions/{{solution}}/",
        with_solution(KnownSolution.State.ACTIVE),
        lambda ctx: {"cause": "Lizenzdatei nach dem Jahreswechsel nicht erneuert.", "version": 1},
        200,
        WORKERS,
    ),
    *[
        Endpoint(
            "POST",
            f"{API}/solutions/{{solution}}/transitions/{name}/",
            with_solution(status),
            lambda ctx, body=body: body,
            200,
            WORKERS,
        )
        for name, status, body in [
            ("publish", KnownSolution.State.DRAFT, {}),
            ("retire", KnownSolution.State.ACTIVE, {"reason": "Ab Version 13.0 behoben."}),
            ("reactivate", KnownSolution.State.RETIRED, {}),
        ]
    ],
    # signing: management only, not even the admin
    Endpoint(
        "POST",
        f"{API}/tickets/{{ticket}}/risk-review/",
        with_risk_ticket,
        lambda ctx: {"decision": "no_action", "comment": "Kein Patientenbezug.", "password": PASSWORD},
        201,
        SIGNERS,
    ),
]


def caller(users, who):
    if who == ANONYMOUS:
        return None
    if who == NO_ROLE:
        return UserFactory()
    return users[who]


def snapshot():
    """Everything a refused request must leave as it was: row counts of case data and object states."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in CASE_APPS
    }
    return {
        **counts,
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "state", "version", "summary")),
        "customers": list(Customer.objects.order_by("pk").values_list("pk", "city", "name")),
        "program_requests": list(ProgramRequest.objects.order_by("pk").values_list("pk", "state")),
        "reviews": list(RiskReview.objects.order_by("pk").values_list("pk", "state")),
        "solutions": list(
            KnownSolution.objects.order_by("pk").values_list("pk", "state", "version", "title")
        ),
        "capas": list(CapaProposal.objects.order_by("pk").values_list("pk", "state")),
    }


def call(client, endpoint, ctx):
    path = endpoint.path.format(**ctx)
    body = endpoint.body(ctx)
    return getattr(client, endpoint.method.lower())(path, body, format="json")


def expected_status(endpoint, who):
    if who == ANONYMOUS:
        return {401, 403}
    if who == NO_ROLE:
        return {403}
    if endpoint.is_read or who in endpoint.allowed:
        return {endpoint.ok}
    return {403}


@pytest.mark.req("R8")
@pytest.mark.django_db
@pytest.mark.parametrize("who", ALL_CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_it_enforces_every_role_on_every_endpoint(users, endpoint, who):
    ctx = endpoint.setup(users[roles.SUPPORT])
    before = snapshot()

    response = call(client_for(caller(users, who)), endpoint, ctx)

    assert response.status_code in expected_status(endpoint, who), (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert "detail" in response.json()
    if response.status_code >= 400 or endpoint.is_read or endpoint.reads:
        assert snapshot() == before, "a refused request or a read changed data"
    else:
        assert snapshot() != before, "a successful write changed nothing"


def test_it_has_a_matrix_row_for_every_api_route():
    declared = set()
    for pattern in router.urls:
        regex = pattern.pattern.regex.pattern
        if "format" in regex or not hasattr(pattern.callback, "actions"):
            continue
        allowed = pattern.callback.cls.http_method_names
        path = (
            regex.lstrip("^")
            .rstrip("$")
            .replace("(?P<pk>[^/.]+)", "{id}")
            .replace("(?P<name>[a-z_]+)", "{name}")
            .replace("(?P<contact_id>[0-9]{1,18})", "{contact_id}")
            .replace("(?P<link_id>[0-9]+)", "{link_id}")
            .replace("\\.", ".")
        )
        for method in pattern.callback.actions:
            if method in allowed and method != "head":
                declared.add((method.upper(), f"{API}/{path}"))
    in_matrix = {endpoint.route for endpoint in ENDPOINTS}
    # A ticket's e-mails are a view of their own beside the router (tickets/outgoing.py): in the matrix too.
    beside_the_router = {("GET", f"{API}/tickets/{{id}}/emails/"), ("POST", f"{API}/tickets/{{id}}/emails/")}
    assert declared - {(m, p) for m, p in in_matrix} == set()
    assert in_matrix - declared == beside_the_router


# --- error order: 404 → 403 → 409 → 400 (DESIGN §7) -----------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.django_db
def test_it_answers_404_before_403_for_a_ticket_that_does_not_exist(users):
    missing = 987654
    qmb = client_for(users[roles.QMB])
    response = qmb.post(f"{API}/tickets/{missing}/transitions/close/", {}, format="json")
    assert response.status_code == 404, response.content
    assert "detail" in response.json()
    response = qmb.post(f"{API}/tickets/{missing}/notifications/", {"kind": "x"}, format="json")
    assert response.status_code == 404
    response = qmb.post(f"{API}/program-requests/{missing}/transitions/realize/", {}, format="json")
    assert response.status_code == 404
    response = client_for(users[roles.ADMIN]).post(
        f"{API}/tickets/{missing}/risk-review/", {"decision": "nonsense"}, format="json"
    )
    assert response.status_code == 404
    response = client_for(users[roles.SUPPORT]).post(
        f"{API}/capa/{missing}/transitions/accept/", {"password": "x"}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.req("R8")
@pytest.mark.req("R1")
@pytest.mark.django_db
def test_it_answers_403_to_qmb_and_409_to_support_for_an_illegal_transition(users):
    ticket = create_ticket(users[roles.SUPPORT])
    path = f"{API}/tickets/{ticket.pk}/transitions/close/"

    assert client_for(users[roles.QMB]).post(path, {}, format="json").status_code == 403
    response = client_for(users[roles.SUPPORT]).post(path, {}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.state == State.INTAKE


@pytest.mark.req("R1")
@pytest.mark.req("R4")
@pytest.mark.django_db
def test_it_answers_409_before_400_when_the_state_forbids_the_transition_and_the_data_is_bad(users):
    support = users[roles.SUPPORT]
    ticket = ticket_in_state(State.ESCALATED, support)
    api = client_for(support)

    bad = {"category": "hardware", "risk_relevant": "maybe"}
    response = api.post(f"{API}/tickets/{ticket.pk}/transitions/triage/", bad, format="json")
    assert response.status_code == 409, response.content

    # the same bad data where the state allows it: now the data error shows
    other = ticket_in_state(State.INTAKE, support)
    response = api.post(f"{API}/tickets/{other.pk}/transitions/triage/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"category", "risk_relevant"}


@pytest.mark.req("R8")
@pytest.mark.django_db
def test_it_answers_403_before_409_and_409_before_400_on_a_decided_program_request(users):
    support = users[roles.SUPPORT]
    ticket = ticket_in_state(State.REJECTED, support)
    path = f"{API}/program-requests/{ticket.program_request_id}/transitions/realize/"

    assert client_for(users[roles.QMB]).post(path, {"release": ""}, format="json").status_code == 403
    response = client_for(support).post(path, {"release": ""}, format="json")
    assert response.status_code == 409, response.content
    assert ProgramRequest.objects.get().state == ProgramRequest.State.REJECTED


@pytest.mark.req("R12")
@pytest.mark.django_db
def test_it_answers_409_to_a_signature_when_no_review_is_pending_even_with_bad_data(users):
    ticket = create_ticket(users[roles.SUPPORT])
    response = client_for(users[roles.MANAGEMENT]).post(
        f"{API}/tickets/{ticket.pk}/risk-review/", {"decision": "nonsense", "password": "x"}, format="json"
    )
    assert response.status_code == 409, response.content


@pytest.mark.django_db
def test_it_answers_404_to_an_unknown_transition_name(api, support_user):
    ticket = create_ticket(support_user)
    response = api.post(f"{API}/tickets/{ticket.pk}/transitions/teleport/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"]
    response = api.post(f"{API}/program-requests/1/transitions/teleport/", {}, format="json")
    assert response.status_code == 404


# --- nothing is deleted (R7) -----------------------------------------------------------------------------


def every_object_url(ctx):
    return [
        f"{API}/tickets/",
        f"{API}/tickets/{ctx['ticket']}/",
        f"{API}/tickets/{ctx['ticket']}/history/",
        f"{API}/tickets/{ctx['ticket']}/notifications/",
        f"{API}/tickets/{ctx['ticket']}/call-notes/",
        f"{API}/tickets/{ctx['ticket']}/vendor-contacts/",
        f"{API}/tickets/{ctx['ticket']}/risk-review/",
        f"{API}/tickets/{ctx['ticket']}/transitions/close/",
        f"{API}/calls/",
        f"{API}/customers/",
        f"{API}/customers/{ctx['customer']}/",
        f"{API}/customers/{ctx['customer']}/contacts/",
        f"{API}/program-requests/",
        f"{API}/program-requests/{ctx['pr']}/",
        f"{API}/program-requests/{ctx['pr']}/transitions/reject/",
        f"{API}/solutions/",
        f"{API}/solutions/{ctx['solution']}/",
        f"{API}/solutions/{ctx['solution']}/history/",
        f"{API}/solutions/{ctx['solution']}/transitions/retire/",
        f"{API}/capa/",
        f"{API}/capa/{ctx['capa']}/",
        f"{API}/capa/{ctx['capa']}/history/",
        f"{API}/capa/{ctx['capa']}/transitions/accept/",
    ]


@pytest.mark.req("R7")
@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN])
def test_it_refuses_delete_on_every_api_url_with_405(users, role):
    ctx = with_everything(users[roles.SUPPORT])
    ticket = Ticket.objects.get(pk=ctx["ticket"])
    run(ticket, "flag_risk", users[roles.SUPPORT])
    CallNote.objects.create(ticket=ticket, direction="inbound", text="Anruf", created_by=users[roles.SUPPORT])
    before = snapshot()
    assert (
        before["tickets.CallNote"] and before["tickets.CustomerNotification"] and before["tickets.RiskReview"]
    )
    client = client_for(users[role])

    for url in every_object_url(ctx):
        response = client.delete(url)
        assert response.status_code == 405, (url, response.status_code)
        assert response.json()["detail"]

    assert snapshot() == before


@pytest.mark.django_db
def test_it_never_answers_trace_on_the_api(users):
    ctx = with_everything(users[roles.SUPPORT])
    client = client_for(users[roles.ADMIN])
    for url in [*every_object_url(ctx), f"{API}/", f"{API}/auth/token/", f"{API}/schema/"]:
        response = client.trace(url)
        assert response.status_code != 200, url
        assert response.status_code in (403, 405), (url, response.status_code)


@pytest.mark.req("R7")
@pytest.mark.django_db
def test_it_refuses_every_delete_through_the_orm(support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    notify(ticket, NotificationKind.FORWARDED, support_user)
    run(ticket, "flag_risk", support_user)
    ContactFactory(customer=ticket.customer)
    CallNote.objects.create(ticket=ticket, direction="inbound", text="Anruf", created_by=support_user)
    with_solution(KnownSolution.State.RETIRED)(support_user)
    models = [
        Ticket,
        Customer,
        Contact,
        CallNote,
        CustomerNotification,
        RiskReview,
        ProgramRequest,
        KnownSolution,
    ]
    before = snapshot()

    for model in models:
        with pytest.raises(DeletionRefused):
            model.objects.all().delete()
        with pytest.raises(DeletionRefused):
            model.objects.filter(pk=model.objects.first().pk).delete()
        with pytest.raises(DeletionRefused):
            model.objects.first().delete()
        with pytest.raises(DeletionRefused):
            model.history.first().delete()

    assert snapshot() == before


# --- token authentication (DESIGN §7) --------------------------------------------------------------------


@pytest.mark.django_db
def test_it_hands_out_a_token_that_authenticates_api_calls():
    user = user_with_role(roles.QMB, username="qm.beauftragte")
    client = APIClient()
    assert client.get(f"{API}/tickets/").status_code in (401, 403)

    response = client.post(
        f"{API}/auth/token/", {"username": "qm.beauftragte", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(f"{API}/tickets/")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}
    # the token carries the user's role, not more
    response = client.post(f"{API}/customers/", {"customer_number": "K1", "name": "X"}, format="json")
    assert response.status_code == 403
    assert Customer.objects.filter(customer_number="K1").count() == 0

    assert user.auth_token.key == token

    # a made-up token is refused, with JSON
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(f"{API}/tickets/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"]


@pytest.mark.django_db
def test_it_refuses_a_token_for_a_wrong_password_with_400_json():
    user_with_role(roles.SUPPORT, username="support.eins")
    client = APIClient()
    response = client.post(
        f"{API}/auth/token/", {"username": "support.eins", "password": "falsch"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "token" not in response.json()
    assert response.json()["non_field_errors"]
    response = client.post(f"{API}/auth/token/", {"username": "niemand", "password": PASSWORD}, format="json")
    assert response.status_code == 400


@pytest.mark.req("R8")
@pytest.mark.django_db
def test_it_refuses_a_user_whose_roles_were_taken_away(users):
    support = users[roles.SUPPORT]
    support.groups.remove(Group.objects.get(name=roles.SUPPORT))
    support = type(support).objects.get(pk=support.pk)
    assert client_for(support).get(f"{API}/tickets/").status_code == 403
    support.is_active = False
    assert client_for(support).get(f"{API}/tickets/").status_code == 403


# --- schema and docs (DESIGN §7) -------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_publishes_an_openapi_3_schema_and_docs_without_a_cdn(api):
    response = api.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert f"{API}/tickets/{{id}}/transitions/{{name}}/" in paths
    assert f"{API}/tickets/{{id}}/history/" in paths
    assert f"{API}/program-requests/{{id}}/transitions/{{name}}/" in paths
    assert f"{API}/solutions/" in paths
    assert f"{API}/solutions/{{id}}/transitions/{{name}}/" in paths
    assert "post" in paths[f"{API}/tickets/{{id}}/transitions/{{name}}/"]

    response = api.get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "swagger" in html
    for cdn in ("cdn", "jsdelivr", "unpkg"):
        assert cdn not in html
