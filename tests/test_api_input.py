"""Bad input over the API gets a clear 400 (or 409), never a 500, and saves nothing (R4, R14)."""

import json

import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import roles
from customers.forms import ContactForm, CustomerEditForm, CustomerForm
from customers.models import Customer
from tests.conftest import client_for
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    create_ticket,
    ticket_in_state,
    transition_data,
    user_with_role,
)
from tickets.forms import (
    TRANSITION_FORMS,
    CallNoteForm,
    NotificationForm,
    RiskReviewSignForm,
    TicketCreateForm,
    TicketEditForm,
)
from tickets.models import CallNote, CustomerNotification, State, Ticket
from vendor.models import VendorContact

API = "/api/v1"
CASE_APPS = {"tickets", "customers", "vendor", "audit"}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# A refused signature password is a failed sign-in, recorded on purpose (R18): no case data.
SIGN_IN_LOG = {"audit.SignInEvent", "audit.EventChainHead"}


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in CASE_APPS and model._meta.label not in SIGN_IN_LOG
    }


# --- arbitrary JSON values -------------------------------------------------------------------------------

ODD_DATES = st.sampled_from(
    [
        "31.12.2099",
        "2099-13-01",
        "2099-02-30",
        "0000-00-00",
        "99999-01-01",
        "+2099-01-01",
        "2099-1-1",
        "1.1.99",
        "20990101",
        "2099-01-01T00:00:00+01:00",
        "morgen",
        " 2099-01-01 ",
        "2099-01-01\x00",
        "",
        " ",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.text(max_size=10).map(lambda s: f"{s}\x00{s}"),
    st.sampled_from(["x" * 20001, "ä" * 201, "a\nb", "\r\n", "1", "0", "-1", "true", "null", "[]", "{}"]),
    ODD_DATES,
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def payloads(fields, valid):
    """Dicts with the endpoint's field names, each missing, valid, or any JSON value."""
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.just(valid[name]), JSON_VALUES) if name in valid else JSON_VALUES
            for name in fields
        },
    )


def post_json(client, path, payload, method="post"):
    return getattr(client, method)(path, data=json.dumps(payload), content_type="application/json")


def assert_clear_answer(response, fields, ok):
    assert response.status_code != 500
    assert response.status_code in {ok, 400, 409}, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if response.status_code == 400:
        assert isinstance(body, dict)
        assert body
        assert set(body) <= {*fields, "non_field_errors"}, body
        for messages in body.values():
            assert isinstance(messages, list)
            assert messages
            assert all(isinstance(m, str) and m for m in messages)
    if response.status_code == 409:
        assert body["detail"]


def try_in_savepoint(request, fields, ok):
    """Send one request, check the answer, and undo whatever it saved (the next example starts afresh)."""
    with transaction.atomic():
        before = row_counts()
        tickets_before = list(Ticket.objects.values_list("pk", "state", "version"))
        response = request()
        assert_clear_answer(response, fields, ok)
        if response.status_code in (400, 409):
            assert row_counts() == before, "a refused request saved something"
            assert list(Ticket.objects.values_list("pk", "state", "version")) == tickets_before
        transaction.set_rollback(True)


SOURCE_STATE = {
    "triage": State.INTAKE,
    "fix_immediately": State.ESCALATED,
    "escalate": State.TRIAGE,
    "register_program_request": State.ESCALATED,
    "follow_up": State.PROGRAM_REQUEST,
    "reject": State.PROGRAM_REQUEST,
    "realize": State.PROGRAM_REQUEST,
    "close": State.IMMEDIATE_FIX,
    "flag_risk": State.TRIAGE,
    "reopen": State.CLOSED,
    "close_as_duplicate": State.TRIAGE,
}


@pytest.mark.req("R14")
@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize("name", list(TRANSITION_FORMS))
def test_it_never_fails_with_500_on_any_transition_payload(support_user, name):
    ticket = ticket_in_state(SOURCE_STATE[name], support_user)
    other = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    fields = [*TRANSITION_FORMS[name].base_fields, "expected_state"]
    valid = {
        **transition_data(name, ticket),
        "expected_state": SOURCE_STATE[name].value,
        "program_request": other.program_request_id,
    }
    api = client_for(support_user)
    path = f"{API}/tickets/{ticket.pk}/transitions/{name}/"

    @FUZZ
    @given(payload=payloads(fields, valid))
    def check(payload):
        try_in_savepoint(lambda: post_json(api, path, payload), fields, 200)

    check()


def creation_endpoints():
    """(name, method, path builder, form fields, valid data builder, success status, role)"""
    return {
        "ticket": (
            "post",
            lambda ctx: f"{API}/tickets/",
            list(TicketCreateForm.base_fields),
            lambda ctx: {
                "customer": ctx["customer"].pk,
                "contact": ctx["contact"].pk,
                "caller_name": "Frau A",
                "caller_phone": "0211 1",
                "summary": "Druck",
                "description": "bricht ab",
            },
            201,
        ),
        "ticket_edit": (
            "patch",
            lambda ctx: f"{API}/tickets/{ctx['ticket'].pk}/",
            [*TicketEditForm.base_fields, "version"],
            lambda ctx: {
                "summary": "neu",
                "version": ctx["ticket"].version,
                "assignee": ctx["user"].pk,
                "reason": "Tippfehler",
            },
            200,
        ),
        "customer": (
            "post",
            lambda ctx: f"{API}/customers/",
            list(CustomerForm.base_fields),
            lambda ctx: {"customer_number": "K-1", "name": "Sanitätshaus", "phone": "0211 1234567"},
            201,
        ),
        "customer_edit": (
            "patch",
            lambda ctx: f"{API}/customers/{ctx['customer'].pk}/",
            list(CustomerEditForm.base_fields),
            lambda ctx: {"city": "Köln", "email": "a@example.test", "reason": "Umzug"},
            200,
        ),
        "contact": (
            "post",
            lambda ctx: f"{API}/customers/{ctx['customer'].pk}/contacts/",
            list(ContactForm.base_fields),
            lambda ctx: {"name": "Frau K", "phone": "0211 7654321", "email": "k@example.test"},
            201,
        ),
        "notification": (
            "post",
            lambda ctx: f"{API}/tickets/{ctx['ticket'].pk}/notifications/",
            list(NotificationForm.base_fields),
            lambda ctx: {"kind": "solution", "channel": "phone", "note": "informiert"},
            201,
        ),
        "call_note": (
            "post",
            lambda ctx: f"{API}/tickets/{ctx['ticket'].pk}/call-notes/",
            list(CallNoteForm.base_fields),
            lambda ctx: {"direction": "inbound", "text": "Anruf"},
            201,
        ),
        "risk_review": (
            "post",
            lambda ctx: f"{API}/tickets/{ctx['risky'].pk}/risk-review/",
            list(RiskReviewSignForm.base_fields),
            lambda ctx: {"decision": "capa", "comment": "CAPA 7", "password": PASSWORD},
            201,
        ),
    }


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(creation_endpoints()))
def test_it_never_fails_with_500_on_any_creation_payload(support_user, endpoint):
    method, path, fields, valid, ok = creation_endpoints()[endpoint]
    management = user_with_role(roles.MANAGEMENT)
    customer = CustomerFactory()
    risky = ticket_in_state(State.INTAKE, support_user, customer=customer)
    post_json(
        client_for(support_user),
        f"{API}/tickets/{risky.pk}/transitions/triage/",
        {"category": "software", "risk_relevant": True, "risk_description": "Gefahr für Patienten"},
    )
    ctx = {
        "customer": customer,
        "contact": customer.contacts.create(name="Herr K", phone="0211 555"),
        "ticket": create_ticket(support_user, customer=customer),
        "risky": risky,
        "user": support_user,
    }
    api = client_for(management if endpoint == "risk_review" else support_user)

    @FUZZ
    @given(payload=payloads(fields, valid(ctx)))
    def check(payload):
        try_in_savepoint(lambda: post_json(api, path(ctx), payload, method), fields, ok)

    check()


# --- explicit cases --------------------------------------------------------------------------------------


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    ['{"category": ', "{'category': 'software'}", '{"a": NaN}', '{"a": Infinity}', "\xff\xfe", "[1, 2"],
)
def test_it_answers_malformed_json_with_400_json(api, support_user, raw):
    ticket = create_ticket(support_user)
    for path in (f"{API}/tickets/{ticket.pk}/transitions/triage/", f"{API}/tickets/", f"{API}/customers/"):
        response = api.post(path, data=raw.encode("latin-1"), content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["detail"]


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[]", '[{"category": "software"}]', '"software"', "42", "null", "true"])
def test_it_answers_a_json_body_that_is_no_object_with_400(api, support_user, body):
    ticket = create_ticket(support_user)
    before = row_counts()
    for path in (
        f"{API}/tickets/{ticket.pk}/transitions/triage/",
        f"{API}/tickets/",
        f"{API}/tickets/{ticket.pk}/notifications/",
        f"{API}/customers/",
    ):
        response = api.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert response.json()["detail"]
    assert row_counts() == before


@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "payload", "field"),
    [
        ("triage", {"category": "hardware", "risk_relevant": False}, "category"),
        ("triage", {"category": "software", "risk_relevant": "vielleicht"}, "risk_relevant"),
        ("notifications", {"kind": "fax", "channel": "phone"}, "kind"),
        ("notifications", {"kind": "other", "channel": "brieftaube"}, "channel"),
        ("call-notes", {"direction": "sideways", "text": "x"}, "direction"),
    ],
)
def test_it_names_the_field_of_an_unknown_choice(api, support_user, target, payload, field):
    ticket = create_ticket(support_user)
    path = (
        f"{API}/tickets/{ticket.pk}/transitions/triage/"
        if target == "triage"
        else f"{API}/tickets/{ticket.pk}/{target}/"
    )
    before = row_counts()
    response = api.post(path, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert row_counts() == before
    ticket.refresh_from_db()
    assert ticket.state == State.INTAKE


def ticket_payload(customer, **overrides):
    return {
        "customer": customer.pk,
        "caller_name": "Frau A",
        "caller_phone": "0211 1",
        "summary": "Druck bricht ab",
        "description": "Fehler 4711",
        **overrides,
    }


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"summary": "x" * 201}, "summary"),
        ({"summary": "Zeile eins\nZeile zwei"}, "summary"),
        ({"summary": "Zeile eins\rZeile zwei"}, "summary"),
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"caller_name": "x" * 201}, "caller_name"),
        ({"description": "x" * 20001}, "description"),
        ({"description": "Fehler\x00"}, "description"),
        ({"customer": 987654}, "customer"),
        ({"customer": True}, "customer"),
        ({"customer": "K10000"}, "customer"),
    ],
)
def test_it_refuses_a_ticket_with_bad_text_and_saves_nothing(api, overrides, field):
    customer = CustomerFactory()
    before = row_counts()
    response = api.post(f"{API}/tickets/", {**ticket_payload(customer), **overrides}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert row_counts() == before


@pytest.mark.django_db
def test_it_accepts_the_longest_allowed_summary_and_description(api):
    customer = CustomerFactory()
    response = api.post(
        f"{API}/tickets/",
        ticket_payload(customer, summary="ü" * 200, description="x" * 20000),
        format="json",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert len(ticket.summary) == 200
    assert len(ticket.description) == 20000


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"{API}/tickets/?q=%00",
        f"{API}/tickets/?q=abc%00def",
        f"{API}/tickets/?state=%00",
        f"{API}/tickets/?state=offen",
        f"{API}/tickets/?customer=%00",
        f"{API}/tickets/?customer=abc",
        f"{API}/customers/?q=%00",
        f"{API}/customers/?phone=%00",
        f"{API}/customers/?phone=0211%00123",
        f"{API}/program-requests/?state=%00",
    ],
)
def test_it_answers_a_nul_or_unknown_value_in_a_list_filter_with_400(api, support_user, url):
    create_ticket(support_user)
    response = api.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert isinstance(response.json(), dict)
    assert response.json()


@pytest.mark.req("R14")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/",
        "/api/v1/nichts/",
        "/api/v2/tickets/",
        f"{API}/tickets/987654/",
        f"{API}/tickets/abc/",
        f"{API}/tickets/987654/history/",
        f"{API}/customers/987654/contacts/",
        f"{API}/program-requests/987654/",
        f"{API}/tickets/1/transitions/Close/",
    ],
)
def test_it_answers_an_unknown_api_url_with_404_json(api, url):
    response = api.get(url)
    assert response.status_code in (404, 405), (url, response.status_code)
    if "transitions" not in url:
        assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.req("R14")
@pytest.mark.req("R4")
@pytest.mark.django_db
def test_it_saves_nothing_of_a_transition_that_fails_on_its_data(api, support_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    before = row_counts()
    history = ticket.history.count()

    response = api.post(
        f"{API}/tickets/{ticket.pk}/transitions/escalate/",
        {"problem_description": "Fehler 4711 bei jedem Rezept", "vendor_contact_summary": ""},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["vendor_contact_summary"]
    assert row_counts() == before
    ticket.refresh_from_db()
    assert ticket.state == State.TRIAGE
    assert ticket.problem_description == ""
    assert ticket.history.count() == history
    assert not VendorContact.objects.filter(ticket=ticket).exists()
    assert not CustomerNotification.objects.filter(ticket=ticket, kind="callback_promised").exists()


@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "payload", "field"),
    [
        ("reject", {"justification": "  zu kurz  "}, "justification"),
        ("follow_up", {"note": "SIC", "next_follow_up_date": "today"}, "next_follow_up_date"),
        ("follow_up", {"note": "SIC", "next_follow_up_date": 20990101}, "next_follow_up_date"),
        ("realize", {"release": ["12.4"]}, "release"),
        ("realize", {"release": "12.4", "realized_on": "2026-02-30"}, "realized_on"),
    ],
)
def test_it_refuses_bad_transition_data_with_the_field_named(api, support_user, name, payload, field):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    before = row_counts()
    response = api.post(f"{API}/tickets/{ticket.pk}/transitions/{name}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert row_counts() == before


@pytest.mark.req("R14")
@pytest.mark.django_db
def test_it_refuses_a_call_note_or_notification_on_a_missing_ticket_and_saves_nothing(api):
    before = row_counts()
    assert (
        api.post(f"{API}/tickets/987654/call-notes/", {"direction": "inbound", "text": "x"}).status_code
        == 404
    )
    response = api.post(f"{API}/tickets/987654/notifications/", {"kind": "other", "channel": "phone"})
    assert response.status_code == 404
    assert row_counts() == before
    assert CallNote.objects.count() == 0
    assert Customer.objects.count() == 0
