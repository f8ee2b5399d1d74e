"""Corrections of recorded facts state their reason (R20): a customer's contact and the plan of a
program request, on their pages and through the API (DESIGN §7 PATCH). The history row's reason is
the correction's text; a stale version is a 409; a refused form comes back with everything typed
(R14); only the roles that work tickets may correct (R8)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.history import object_history
from customers.models import Contact
from tests.conftest import client_for, web_client
from tests.factories import ContactFactory, ticket_in_state
from tickets.models import State, Ticket
from vendor.models import ProgramRequest

pytestmark = pytest.mark.django_db

API = "/api/v1"
WORKERS = [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN]
READERS = [roles.QMB]


def reasons_of(obj) -> list[str]:
    return list(
        type(obj)
        .history.filter(id=obj.pk)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )


# ---- contacts ------------------------------------------------------------------------------------


@pytest.fixture
def contact():
    return ContactFactory(
        name="Anja Schulte", role="Kasse", phone="0203 2987452", email="a.schulte@example.test"
    )


def contact_api(contact) -> str:
    return f"{API}/customers/{contact.customer_id}/contacts/{contact.pk}/"


def contact_page(contact) -> str:
    return reverse("customer-detail", args=[contact.customer_id])


def contact_edit(contact) -> str:
    return reverse("customer-contact-edit", args=[contact.customer_id, contact.pk])


def contact_form(contact, **changes) -> dict:
    """What the page's correction form sends: every field, the unticked box as "false", the version."""
    data = {
        "name": contact.name,
        "role": contact.role,
        "phone": contact.phone,
        "email": contact.email,
        "active": "false",
        "active_box": "on" if contact.active else None,
        "version": str(contact.version),
        "reason": "Tippfehler im Namen",
    }
    data.update(changes)
    if data.pop("active_box") == "on":
        data["active"] = "true"
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.req("R20")
@pytest.mark.parametrize("role", WORKERS)
def test_a_contact_is_corrected_through_the_api_with_its_reason_in_the_history(users, contact, role):
    response = client_for(users[role]).patch(
        contact_api(contact),
        {"name": "Anja Schulte-Berg", "phone": "0203 2987400", "reason": "Name nach Heirat"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["phone_e164"], body["email"], body["version"]) == (
        "Anja Schulte-Berg",
        "+492032987400",
        "a.schulte@example.test",  # not sent: kept
        2,
    )
    contact.refresh_from_db()
    assert contact.name == "Anja Schulte-Berg"
    assert reasons_of(contact)[1:] == ["edit: Name nach Heirat"]
    entry = object_history(contact)[-1]
    assert entry.username == users[role].username
    assert entry.reason == "Angaben korrigiert: Name nach Heirat"
    assert ("Name", "Anja Schulte", "Anja Schulte-Berg") in entry.changes
    assert ("Telefon", "0203 2987452", "0203 2987400") in entry.changes


@pytest.mark.req("R20")
@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, "Dieses Feld ist zwingend erforderlich."),
        ("", "Dieses Feld ist zwingend erforderlich."),
        ("   ", "Dieses Feld ist zwingend erforderlich."),
        (
            "x" * 501,
            "Bitte sicherstellen, dass der Wert aus höchstens 500 Zeichen besteht. "
            "(Er besteht aus 501 Zeichen.)",
        ),
        (["Grund"], "Text wird erwartet."),
    ],
)
def test_a_contact_correction_without_a_reason_is_a_400_and_changes_nothing(api, contact, reason, message):
    body = {"name": "Falsch"} if reason is None else {"name": "Falsch", "reason": reason}
    response = api.patch(contact_api(contact), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [message]}
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("Anja Schulte", 1)
    assert len(reasons_of(contact)) == 1


@pytest.mark.req("R20")
def test_a_reason_of_500_characters_is_taken(api, contact):
    response = api.patch(contact_api(contact), {"role": "Inhaberin", "reason": "x" * 500}, format="json")
    assert response.status_code == 200
    assert reasons_of(contact)[-1] == "edit: " + "x" * 500


@pytest.mark.req("R14")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "abc"}, "phone"),
        ({"email": "kaputt"}, "email"),
        ({"name": ""}, "name"),
        ({"active": "vielleicht"}, "active"),
        ({"name": 42}, "name"),
    ],
)
def test_bad_contact_data_is_a_400_naming_the_field(api, contact, change, field):
    response = api.patch(contact_api(contact), {**change, "reason": "Korrektur"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    contact.refresh_from_db()
    assert contact.version == 1


@pytest.mark.req("R20")
@pytest.mark.req("R6")
def test_a_stale_version_is_a_409_and_the_newer_data_stays(api, contact):
    first = api.patch(
        contact_api(contact),
        {"email": "neu@example.test", "version": 1, "reason": "neue Adresse"},
        format="json",
    )
    assert first.status_code == 200
    stale = api.patch(
        contact_api(contact), {"name": "Anja S.", "version": 1, "reason": "Kurzform"}, format="json"
    )
    assert stale.status_code == 409
    assert "inzwischen von jemand anderem geändert" in stale.json()["detail"]
    contact.refresh_from_db()
    assert (contact.name, contact.email, contact.version) == ("Anja Schulte", "neu@example.test", 2)
    current = api.patch(
        contact_api(contact), {"name": "Anja S.", "version": 2, "reason": "Kurzform"}, format="json"
    )
    assert current.status_code == 200
    assert api.patch(contact_api(contact), {"version": "2", "reason": "x"}, format="json").status_code == 400


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", READERS)
def test_reading_roles_may_not_correct_a_contact(users, contact, role):
    client = client_for(users[role])
    assert client.patch(contact_api(contact), {"name": "X", "reason": "y"}, format="json").status_code == 403
    assert (
        web_client(users[role]).post(contact_edit(contact), contact_form(contact, name="X")).status_code
        == 403
    )
    contact.refresh_from_db()
    assert (contact.name, contact.version) == ("Anja Schulte", 1)
    assert (
        f'action="{contact_edit(contact)}"'
        not in web_client(users[role]).get(contact_page(contact)).content.decode()
    )


def test_a_contact_of_another_customer_or_none_is_a_404(api, contact):
    other = ContactFactory()
    wrong = f"{API}/customers/{other.customer_id}/contacts/{contact.pk}/"
    assert api.patch(wrong, {"name": "X", "reason": "y"}, format="json").status_code == 404
    assert (
        api.patch(
            f"{API}/customers/{contact.customer_id}/contacts/999999/", {"reason": "y"}, format="json"
        ).status_code
        == 404
    )
    assert (
        api.patch(
            f"{API}/customers/{contact.customer_id}/contacts/{'9' * 30}/", {"reason": "y"}, format="json"
        ).status_code
        == 404
    )
    assert api.put(contact_api(contact), {"name": "X", "reason": "y"}, format="json").status_code == 405
    assert api.delete(contact_api(contact)).status_code == 405


@pytest.mark.req("R20")
@pytest.mark.parametrize("role", WORKERS)
def test_the_customer_page_corrects_a_contact_with_its_reason(users, contact, role):
    client = web_client(users[role])
    page = client.get(contact_page(contact)).content.decode()
    assert f'action="{contact_edit(contact)}"' in page
    assert f'id="contact-{contact.pk}-reason"' in page
    assert "Grund der Korrektur" in page
    response = client.post(
        contact_edit(contact), contact_form(contact, name="Anja Schulte-Berg", reason="Name nach Heirat")
    )
    assert response.status_code == 302
    assert response["Location"] == contact_page(contact)
    contact.refresh_from_db()
    assert (contact.name, contact.active) == ("Anja Schulte-Berg", True)
    assert reasons_of(contact)[-1] == "edit: Name nach Heirat"
    assert (
        "Die Angaben zu „Anja Schulte-Berg“ wurden gespeichert."
        in client.get(response["Location"]).content.decode()
    )


@pytest.mark.req("R20")
def test_an_unticked_active_box_deactivates_the_contact_and_it_stays(web, contact):
    response = web.post(
        contact_edit(contact), contact_form(contact, active_box=None, reason="hat das Haus verlassen")
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.active is False
    assert Contact.objects.filter(pk=contact.pk).exists()  # deactivated, never deleted (R7)
    assert "inaktiv" in web.get(contact_page(contact)).content.decode()


@pytest.mark.req("R20")
@pytest.mark.req("R14")
def test_a_page_correction_without_reason_comes_back_with_everything_typed(web, contact):
    typed = contact_form(contact, name="Anja Schulte-Berg", phone="0203 111 222", reason="")
    response = web.post(contact_edit(contact), typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in body
    assert f'id="contact-{contact.pk}-reason_error"' in body or f'id="contact-{contact.pk}-reason"' in body
    assert 'value="Anja Schulte-Berg"' in body
    assert 'value="0203 111 222"' in body
    assert '<details class="transition" open>' in body
    contact.refresh_from_db()
    assert contact.name == "Anja Schulte"
    assert len(reasons_of(contact)) == 1


@pytest.mark.req("R20")
@pytest.mark.req("R14")
def test_a_stale_page_correction_is_a_409_keeping_the_input_and_showing_what_changed(
    web, support_user, contact
):
    seen = contact_form(contact, name="Anja Schulte-Berg", reason="Name nach Heirat")  # version 1
    client_for(support_user).patch(
        contact_api(contact), {"phone": "0203 555", "reason": "neue Durchwahl"}, format="json"
    )
    response = web.post(contact_edit(contact), seen)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Der Ansprechpartner wurde inzwischen von jemand anderem geändert." in body
    assert "Ihre Eingaben wurden nicht gespeichert" in body
    assert "Name nach Heirat" in body  # the reason typed, too
    assert 'value="Anja Schulte-Berg"' in body  # the form again, as typed
    assert "Inzwischen gespeichert:" in body and "0203 555" in body
    assert 'name="version" value="2"' in body  # saving again takes the current version
    contact.refresh_from_db()
    assert (contact.name, contact.phone) == ("Anja Schulte", "0203 555")
    again = web.post(contact_edit(contact), {**seen, "phone": "0203 555", "version": "2"})
    assert again.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.phone, contact.version) == ("Anja Schulte-Berg", "0203 555", 3)


def test_the_contact_edit_page_only_takes_posts_and_knows_its_contacts(web, contact):
    assert web.get(contact_edit(contact)).status_code == 405
    other = ContactFactory()
    wrong = reverse("customer-contact-edit", args=[other.customer_id, contact.pk])
    assert web.post(wrong, contact_form(contact, name="X")).status_code == 404
    contact.refresh_from_db()
    assert contact.name == "Anja Schulte"


# ---- program request plans ---------------------------------------------------------------------


@pytest.fixture
def program_request(support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    return ProgramRequest.objects.get(pk=Ticket.objects.get(pk=ticket.pk).program_request_id)


def plan_api(program_request) -> str:
    return f"{API}/program-requests/{program_request.pk}/"


def plan_page(program_request) -> str:
    return reverse("program-request-detail", args=[program_request.pk])


def plan_post(program_request) -> str:
    return reverse("program-request-plan", args=[program_request.pk])


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.mark.req("R20")
@pytest.mark.parametrize("role", WORKERS)
def test_the_plan_is_corrected_through_the_api_with_its_reason_in_the_history(users, program_request, role):
    planned = in_days(60)
    response = client_for(users[role]).patch(
        plan_api(program_request),
        {"planned_release": "26.2", "planned_date": planned.isoformat(), "reason": "SIC verschiebt auf 26.2"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["planned_release"], body["planned_date"], body["state"], body["version"]) == (
        "26.2",
        planned.isoformat(),
        "open",
        program_request.version + 1,
    )
    program_request.refresh_from_db()
    assert (program_request.planned_release, program_request.planned_date) == ("26.2", planned)
    assert reasons_of(program_request)[-1] == "edit: SIC verschiebt auf 26.2"
    entry = object_history(program_request)[-1]
    assert entry.username == users[role].username
    assert entry.reason == "Angaben korrigiert: SIC verschiebt auf 26.2"
    assert ("geplante Version", "—", "26.2") in entry.changes


@pytest.mark.req("R20")
def test_a_plan_field_not_sent_is_kept_and_can_be_cleared(api, program_request):
    planned = in_days(30)
    api.patch(
        plan_api(program_request),
        {"planned_release": "26.2", "planned_date": planned.isoformat(), "reason": "a"},
        format="json",
    )
    response = api.patch(
        plan_api(program_request),
        {"planned_release": "26.3", "reason": "SIC: eine Version später"},
        format="json",
    )
    assert response.json()["planned_date"] == planned.isoformat()
    response = api.patch(
        plan_api(program_request),
        {"planned_date": None, "reason": "SIC nennt keinen Termin mehr"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["planned_release"], response.json()["planned_date"]) == ("26.3", None)


@pytest.mark.req("R20")
@pytest.mark.req("R14")
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"planned_release": "26.2"}, "reason", "Dieses Feld ist zwingend erforderlich."),
        ({"planned_release": "26.2", "reason": ""}, "reason", "Dieses Feld ist zwingend erforderlich."),
        ({"planned_date": "2026-13-40", "reason": "x"}, "planned_date", "Bitte ein gültiges Datum eingeben."),
        ({"planned_date": 20260101, "reason": "x"}, "planned_date", "Bitte ein gültiges Datum eingeben."),
        ({"planned_date": "2000-01-01", "reason": "x"}, "planned_date", None),
        ({"planned_release": "x" * 51, "reason": "x"}, "planned_release", None),
        (
            {"planned_release": ["26.2"], "reason": "x"},
            "planned_release",
            "Text wird erwartet.",
        ),
    ],
)
def test_bad_plan_data_is_a_400_with_field_errors_and_changes_nothing(
    api, program_request, body, field, message
):
    before = (program_request.planned_release, program_request.planned_date, program_request.version)
    response = api.patch(plan_api(program_request), body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    program_request.refresh_from_db()
    assert (program_request.planned_release, program_request.planned_date, program_request.version) == before


def test_a_planned_date_before_the_request_was_filed_is_refused_in_german(api, program_request):
    filed = timezone.localdate(program_request.created_at)
    response = api.patch(
        plan_api(program_request),
        {"planned_date": (filed - datetime.timedelta(days=1)).isoformat(), "reason": "x"},
        format="json",
    )
    assert response.json() == {
        "planned_date": [
            f"Das geplante Datum kann nicht vor der Erfassung des Programmwunsches ({filed:%d.%m.%Y}) liegen."
        ]
    }
    assert (
        api.patch(
            plan_api(program_request), {"planned_date": filed.isoformat(), "reason": "x"}, format="json"
        ).status_code
        == 200
    )


@pytest.mark.req("R20")
@pytest.mark.req("R6")
def test_a_stale_plan_version_is_a_409(api, program_request):
    seen = program_request.version
    assert (
        api.patch(
            plan_api(program_request),
            {"planned_release": "26.2", "version": seen, "reason": "a"},
            format="json",
        ).status_code
        == 200
    )
    stale = api.patch(
        plan_api(program_request), {"planned_release": "27.1", "version": seen, "reason": "b"}, format="json"
    )
    assert stale.status_code == 409
    assert "inzwischen von jemand anderem geändert" in stale.json()["detail"]
    program_request.refresh_from_db()
    assert program_request.planned_release == "26.2"


@pytest.mark.req("R20")
@pytest.mark.req("R1")
@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("realize", {"release": "26.1"}, "Realisiert"),
        ("reject", {"justification": "SIC lehnt das ab, weil es so gewollt ist."}, "Abgelehnt"),
    ],
)
def test_a_decided_program_request_keeps_its_plan_409(api, program_request, name, data, label):
    assert api.post(f"{plan_api(program_request)}transitions/{name}/", data, format="json").status_code == 200
    response = api.patch(
        plan_api(program_request), {"planned_release": "27.1", "reason": "zu spät"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"SIC hat über diesen Programmwunsch bereits entschieden ({label}); "
        "sein Plan wird nicht mehr korrigiert."
    )
    program_request.refresh_from_db()
    assert program_request.planned_release == ""
    assert not any(reason.startswith("edit: ") for reason in reasons_of(program_request))


@pytest.mark.req("R8")
def test_reading_roles_may_not_correct_the_plan(users, program_request):
    qmb = users[roles.QMB]
    assert (
        client_for(qmb)
        .patch(plan_api(program_request), {"planned_release": "9", "reason": "y"}, format="json")
        .status_code
        == 403
    )
    assert (
        web_client(qmb).post(plan_post(program_request), {"planned_release": "9", "reason": "y"}).status_code
        == 403
    )
    page = web_client(qmb).get(plan_page(program_request)).content.decode()
    assert plan_post(program_request) not in page
    program_request.refresh_from_db()
    assert program_request.planned_release == ""


def test_the_plan_api_answers_404_and_405(api, program_request):
    assert api.patch(f"{API}/program-requests/999999/", {"reason": "y"}, format="json").status_code == 404
    assert api.put(plan_api(program_request), {"reason": "y"}, format="json").status_code == 405
    assert api.delete(plan_api(program_request)).status_code == 405


@pytest.mark.req("R20")
@pytest.mark.parametrize("role", WORKERS)
def test_the_program_request_page_corrects_the_plan(users, program_request, role):
    client = web_client(users[role])
    page = client.get(plan_page(program_request)).content.decode()
    assert f'action="{plan_post(program_request)}"' in page
    assert 'id="id_plan_reason"' in page
    planned = in_days(45)
    response = client.post(
        plan_post(program_request),
        {
            "planned_release": "26.2",
            "planned_date": planned.isoformat(),
            "reason": "Telefonat mit SIC",
            "version": program_request.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == plan_page(program_request)
    program_request.refresh_from_db()
    assert (program_request.planned_release, program_request.planned_date) == ("26.2", planned)
    assert reasons_of(program_request)[-1] == "edit: Telefonat mit SIC"
    shown = client.get(response["Location"]).content.decode()
    assert "Der Plan von SIC wurde korrigiert." in shown
    assert planned.strftime("%d.%m.%Y") in shown
    assert "Angaben korrigiert: Telefonat mit SIC" in shown  # the page's history
    assert f"geplant für: — → {planned:%d.%m.%Y}" in shown


@pytest.mark.req("R20")
@pytest.mark.req("R14")
def test_a_plan_refused_for_bad_input_comes_back_as_typed(web, program_request):
    typed = {
        "planned_release": "26.2",
        "planned_date": "31.02.2026",
        "reason": "",
        "version": program_request.version,
    }
    response = web.post(plan_post(program_request), typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("Dieses Feld ist zwingend erforderlich.") == 1
    assert "Bitte ein gültiges Datum eingeben." in body
    assert 'value="26.2"' in body and 'value="31.02.2026"' in body
    assert f'name="version" value="{program_request.version}"' in body
    program_request.refresh_from_db()
    assert program_request.planned_release == ""


@pytest.mark.req("R20")
@pytest.mark.req("R14")
def test_a_stale_plan_on_the_page_is_a_409_with_the_form_as_typed(web, api, program_request):
    seen = {
        "planned_release": "26.2",
        "planned_date": "",
        "reason": "SIC nannte 26.2",
        "version": program_request.version,
    }
    api.patch(
        plan_api(program_request), {"planned_release": "26.1", "reason": "vorher erfasst"}, format="json"
    )
    response = web.post(plan_post(program_request), seen)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Der Programmwunsch wurde inzwischen von jemand anderem geändert." in body
    assert "Ihre Eingaben wurden nicht gespeichert" in body and "SIC nannte 26.2" in body
    assert 'value="26.2"' in body  # the form again, as typed
    assert "<dd>26.1</dd>" in body  # what was saved meanwhile, in the facts
    assert f'name="version" value="{program_request.version + 1}"' in body


@pytest.mark.req("R14")
def test_a_plan_typed_for_a_request_decided_meanwhile_is_shown_not_lost(web, api, program_request):
    api.post(f"{plan_api(program_request)}transitions/realize/", {"release": "26.1"}, format="json")
    typed = {
        "planned_release": "26.2",
        "planned_date": "",
        "reason": "SIC nannte 26.2",
        "version": program_request.version,
    }
    response = web.post(plan_post(program_request), typed)
    assert response.status_code == 409
    body = response.content.decode()
    assert "SIC hat über diesen Programmwunsch bereits entschieden (Realisiert)" in body
    assert "Ihre Eingaben wurden nicht gespeichert" in body
    assert "SIC nannte 26.2" in body and "<dd>26.2</dd>" in body
    assert f'action="{plan_post(program_request)}"' not in body  # no form: a decided plan stays


def test_the_plan_form_is_offered_only_while_the_request_is_open(web, api, program_request):
    assert f'action="{plan_post(program_request)}"' in web.get(plan_page(program_request)).content.decode()
    api.post(f"{plan_api(program_request)}transitions/realize/", {"release": "26.1"}, format="json")
    page = web.get(plan_page(program_request)).content.decode()
    assert f'action="{plan_post(program_request)}"' not in page
    assert "Status: Offen → Realisiert" in page  # the decision in the page's history
