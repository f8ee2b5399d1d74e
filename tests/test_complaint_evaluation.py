"""R15, DESIGN §10.1: every ticket is evaluated as a complaint (or not) before it is closed; for a
complaint, the investigation's findings or a justified decision not to investigate, with who and
when. A later evaluation supersedes, both stay (ISO 13485 §8.2.2)."""

import pytest

from accounts import roles
from audit.history import history_rows
from tests.conftest import client_for, web_client
from tests.factories import create_ticket, run, ticket_in_state
from tickets.models import ComplaintEvaluation, State

pytestmark = pytest.mark.django_db


def solved_without_answer(support_user):
    ticket = create_ticket(support_user)
    ticket = run(ticket, "triage", support_user, category="software", risk_relevant=False)
    return run(ticket, "fix_immediately", support_user)


def evaluate(client, ticket, **data):
    return client.post(f"/api/v1/tickets/{ticket.pk}/complaint-evaluation/", data, format="json")


def close(client, ticket):
    return client.post(f"/api/v1/tickets/{ticket.pk}/transitions/close/", {}, format="json")


@pytest.mark.req("R15")
def test_close_waits_for_the_complaint_answer_left_open_at_triage(api, support_user):
    ticket = solved_without_answer(support_user)

    refused = close(api, ticket)
    assert refused.status_code == 409
    assert "Beanstandung" in refused.json()["detail"]
    assert "close" in api.get(f"/api/v1/tickets/{ticket.pk}/").json()["available_transitions"]

    assert evaluate(api, ticket, is_complaint=False).status_code == 201
    assert close(api, ticket).status_code == 200


@pytest.mark.req("R15")
def test_a_complaint_needs_findings_or_a_justified_decision_not_to_investigate(api, support_user):
    ticket = solved_without_answer(support_user)
    open_complaint = evaluate(api, ticket, is_complaint=True)
    assert open_complaint.status_code == 201
    assert "Untersuchung" in close(api, ticket).json()["detail"]

    no_findings = evaluate(api, ticket, is_complaint=True, investigation="investigated")
    short = evaluate(
        api, ticket, is_complaint=True, investigation="not_investigated", justification="  siehe  "
    )
    assert no_findings.status_code == 400 and "findings" in no_findings.json()
    assert short.status_code == 400 and "justification" in short.json()

    justified = evaluate(
        api,
        ticket,
        is_complaint=True,
        investigation="not_investigated",
        justification="Identisch mit 2026-000117, dort von SIC untersucht.",
    )
    assert justified.status_code == 201
    shown = api.get(f"/api/v1/tickets/{ticket.pk}/").json()["complaint"]
    assert shown["investigation"] == "not_investigated" and shown["evaluated_by"] == support_user.username
    assert close(api, ticket).status_code == 200


@pytest.mark.req("R15")
def test_a_later_evaluation_supersedes_and_both_stay_in_the_history(api, support_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)  # answered "no complaint" at triage
    first = ticket.complaint_evaluation
    assert first is not None and first.is_complaint is False

    evaluate(
        api,
        ticket,
        is_complaint=True,
        investigation="investigated",
        findings="Fehler im Druckmodul, SIC-4711.",
    )

    ticket.refresh_from_db()
    assert ComplaintEvaluation.objects.filter(ticket=ticket).count() == 2
    assert ticket.complaint_evaluation.findings == "Fehler im Druckmodul, SIC-4711."
    changes = [row.complaint_evaluation_id for row in history_rows(ticket)]
    assert first.pk in changes and ticket.complaint_evaluation_id == changes[-1]


@pytest.mark.req("R15")
def test_a_complaint_refers_to_sics_investigation_and_its_capa(api, support_user):
    from capa.models import CapaProposal

    ticket = ticket_in_state(State.ESCALATED, support_user)
    contact = ticket.vendor_contacts.get()
    capa = CapaProposal.objects.create(title="Druckprüfung", what="x", why="y", raised_by=support_user)
    other_ticket_contact = ticket_in_state(State.ESCALATED, support_user).vendor_contacts.get()

    foreign = evaluate(
        api,
        ticket,
        is_complaint=True,
        investigation="investigated",
        findings="SIC: Ursache im Treiber.",
        vendor_contact=other_ticket_contact.pk,
    )
    made = evaluate(
        api,
        ticket,
        is_complaint=True,
        investigation="investigated",
        findings="SIC: Ursache im Treiber.",
        vendor_contact=contact.pk,
        capa=capa.pk,
    )

    assert foreign.status_code == 400 and "vendor_contact" in foreign.json()
    assert made.status_code == 201 and (made.json()["vendor_contact"], made.json()["capa"]) == (
        contact.pk,
        capa.pk,
    )


@pytest.mark.req("R15")
def test_the_page_asks_the_complaint_question_at_triage(web, support_user):
    ticket = create_ticket(support_user)
    data = {"category": "software", "risk_relevant": "false", "expected_state": "intake"}
    refused = web.post(f"/tickets/{ticket.pk}/transitions/triage/", data)
    assert refused.status_code == 400
    assert "Beanstandung des Produkts?" in refused.content.decode()

    answered = web.post(f"/tickets/{ticket.pk}/transitions/triage/", {**data, "is_complaint": "true"})
    assert answered.status_code == 302
    ticket.refresh_from_db()
    assert ticket.complaint_evaluation.is_complaint is True
    page = web.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Untersuchung" in page and "noch offen" in page


@pytest.mark.req("R15")
def test_the_page_records_an_evaluation_and_keeps_the_typed_text_when_refused(support_user):
    web = web_client(support_user)
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    typed = {"is_complaint": "true", "investigation": "not_investigated", "justification": "kurz"}
    refused = web.post(f"/tickets/{ticket.pk}/complaint/", typed)
    assert refused.status_code == 400 and "mindestens 10 Zeichen" in refused.content.decode()
    assert "kurz</textarea>" in refused.content.decode()

    saved = web.post(
        f"/tickets/{ticket.pk}/complaint/",
        {**typed, "justification": "Bekannter Fehler, Version 12.4 behebt ihn."},
    )
    assert saved.status_code == 302
    assert "Bekannter Fehler, Version 12.4 behebt ihn." in web.get(f"/tickets/{ticket.pk}/").content.decode()


@pytest.mark.req("R8")
@pytest.mark.parametrize(
    ("role", "status"), [(roles.SUPPORT, 201), (roles.MANAGEMENT, 201), (roles.ADMIN, 201), (roles.QMB, 403)]
)
def test_evaluations_are_recorded_by_those_who_work_tickets(users, support_user, role, status):
    ticket = create_ticket(support_user)
    assert evaluate(client_for(users[role]), ticket, is_complaint=False).status_code == status
    assert evaluate(client_for(users[role]), ticket, is_complaint="vielleicht").status_code in (400, 403)


@pytest.mark.req("R15")
def test_the_close_refusal_links_to_the_form_that_fixes_it(web, support_user):
    ticket = solved_without_answer(support_user)
    html = web.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="refusal-close"' in html and '<a href="#record-complaint">Jetzt bewerten</a>' in html
    assert 'id="record-complaint"' in html

    web.post(f"/tickets/{ticket.pk}/complaint/", {"is_complaint": "false"})
    rejected = ticket_in_state(State.REJECTED, support_user)
    html = web.get(f"/tickets/{rejected.pk}/").content.decode()
    assert '<a href="#record-notification">Kundeninformation erfassen</a>' in html
