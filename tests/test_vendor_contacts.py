"""DESIGN §7 `POST /api/v1/tickets/{id}/vendor-contacts/`: a contact with SIC recorded as it happened
(our inquiry, SIC reporting on its own, anything else) with its real channel, never moving the
follow-up date (issue 11: "SIC reported on its own" is no chasing)."""

import pytest

from accounts import roles
from tests.conftest import client_for, web_client
from tests.factories import ticket_in_state
from tickets.models import State
from vendor.models import VendorContact

pytestmark = pytest.mark.django_db

REPORT = {
    "kind": "vendor_report",
    "channel": "email",
    "vendor_person": "Herr Krause",
    "summary": "SIC meldet: Korrektur ist mit Update 12.4 ausgeliefert.",
    "vendor_reference": "SIC-4711",
    "outcome": "Kunde kann das Update einspielen.",
}


def url(ticket):
    return f"/api/v1/tickets/{ticket.pk}/vendor-contacts/"


def test_a_report_by_sic_is_recorded_with_its_channel_and_leaves_the_follow_up_date(support_user):
    ticket = ticket_in_state(State.ESCALATED, support_user)
    due = ticket.follow_up_date
    response = client_for(support_user).post(url(ticket), REPORT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in REPORT} == REPORT
    assert body["created_by"] == support_user.username
    ticket.refresh_from_db()
    assert ticket.follow_up_date == due and ticket.state == State.ESCALATED
    contact = VendorContact.objects.get(pk=body["id"])
    assert contact.history.get().history_change_reason == "vendor_contact"

    listed = client_for(support_user).get(url(ticket)).json()
    assert [row["kind"] for row in listed["results"]] == ["escalation", "vendor_report"]
    page = web_client(support_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Kontakt mit SIC: Meldung von SIC" in page


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "escalation"}, "kind"), ({"channel": "fax"}, "channel"), ({"summary": " "}, "summary")],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(support_user, change, field):
    ticket = ticket_in_state(State.ESCALATED, support_user)
    response = client_for(support_user).post(url(ticket), {**REPORT, **change}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert ticket.vendor_contacts.count() == 1  # the escalation's


def test_reading_roles_may_not_record_and_a_missing_ticket_is_a_404(users):
    ticket = ticket_in_state(State.ESCALATED, users[roles.SUPPORT])
    assert client_for(users[roles.QMB]).post(url(ticket), REPORT, format="json").status_code == 403
    assert client_for(users[roles.QMB]).get(url(ticket)).status_code == 200
    missing = client_for(users[roles.SUPPORT]).post("/api/v1/tickets/987654/vendor-contacts/", REPORT)
    assert missing.status_code == 404


def test_the_ticket_page_records_a_contact_and_keeps_what_was_typed_when_refused(support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    web = web_client(support_user)
    refused = web.post(f"/tickets/{ticket.pk}/vendor-contacts/", {**REPORT, "channel": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="record-vendor-contact" open' in html
    assert REPORT["summary"] in html and REPORT["outcome"] in html
    saved = web.post(f"/tickets/{ticket.pk}/vendor-contacts/", REPORT)
    assert saved.status_code == 302
    assert ticket.vendor_contacts.filter(kind="vendor_report", channel="email").count() == 1
