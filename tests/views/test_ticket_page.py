"""The ticket page: facts, one timeline, forms for exactly the steps this user may run, and its writes."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import roles
from supportdesk import workdays
from tests.conftest import web_client
from tests.factories import (
    PASSWORD,
    ContactFactory,
    create_ticket,
    notify,
    run,
    ticket_in_state,
    tomorrow,
    transition_data,
)
from tickets import services
from tickets.models import CallNote, CustomerNotification, NotificationKind, State, Ticket

pytestmark = pytest.mark.django_db

WORKERS = [roles.SUPPORT, roles.MANAGEMENT, roles.ADMIN]


def page_url(ticket):
    return reverse("ticket-detail", args=[ticket.pk])


def step_url(ticket, name):
    return reverse("ticket-transition", args=[ticket.pk, name])


def write_urls(ticket):
    return {
        "transition": step_url(ticket, "triage"),
        "call_note": reverse("ticket-call-note", args=[ticket.pk]),
        "notification": reverse("ticket-notification", args=[ticket.pk]),
        "edit": reverse("ticket-edit", args=[ticket.pk]),
    }


def steps_on(html):
    return re.findall(r'<details class="transition" id="step-([a-z_]+)"', html)


def panel(html, name):
    """The HTML of one step's <details> block."""
    match = re.search(rf'<details class="transition" id="step-{name}"(.*?)</details>', html, re.S)
    assert match, f"no form for {name}"
    return match.group(0)


def field_names(block):
    return set(re.findall(r'name="([a-z_]+)"', block)) - {"csrfmiddlewaretoken", "expected_state"}


def fresh(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def do_step(client, ticket, name, **data):
    """Open the ticket page, find the step's form there and submit it as a browser would."""
    ticket = fresh(ticket)
    html = client.get(page_url(ticket)).content.decode()
    block = panel(html, name)
    assert f'action="{step_url(ticket, name)}"' in block
    assert f'name="expected_state" value="{ticket.state}"' in block
    data = data or transition_data(name, ticket)
    assert set(data) <= field_names(block)
    response = client.post(step_url(ticket, name), {"expected_state": ticket.state, **data}, follow=True)
    assert response.redirect_chain == [(page_url(ticket), 302)]
    assert response.status_code == 200
    return response


def record_notification(client, ticket, kind):
    html = client.get(page_url(ticket)).content.decode()
    assert 'id="record-notification"' in html
    response = client.post(
        write_urls(ticket)["notification"],
        {"kind": kind, "channel": "phone", "note": "Kunde telefonisch informiert."},
        follow=True,
    )
    assert response.redirect_chain == [(page_url(ticket), 302)]
    assert "Die Kundeninformation wurde gespeichert." in response.content.decode()
    return response


# --- permissions (R8) --------------------------------------------------------------------------


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", WORKERS)
def test_it_shows_the_page_with_its_forms_to_those_who_work(role, users, support_user):
    ticket = create_ticket(support_user)
    response = web_client(users[role]).get(page_url(ticket))
    assert response.status_code == 200
    assert "tickets/ticket_detail.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert steps_on(html) == ["triage", "flag_risk", "close_as_duplicate"]
    for url in write_urls(ticket).values():
        assert f'action="{url}"' in html


@pytest.mark.req("R8")
def test_it_shows_the_qmb_the_ticket_without_any_write_control(qmb_user, support_user):
    ticket = ticket_in_state(State.REJECTED, support_user)
    response = web_client(qmb_user).get(page_url(ticket))
    assert response.status_code == 200
    html = response.content.decode()
    assert ticket.summary in html
    assert "Verlauf" in html
    assert steps_on(html) == []
    assert "<details" not in html
    assert "expected_state" not in html
    assert 'action="/tickets/' not in html  # no form posts to the ticket
    assert "Nächste Schritte" not in html


@pytest.mark.req("R8")
@pytest.mark.parametrize("kind", ["transition", "call_note", "notification", "edit"])
def test_it_refuses_every_write_of_the_qmb(kind, qmb_user, support_user):
    ticket = create_ticket(support_user)
    data = {
        "transition": {"category": "software", "risk_relevant": "false", "expected_state": "intake"},
        "call_note": {"direction": "inbound", "text": "Notiz"},
        "notification": {"kind": "other", "channel": "phone"},
        "edit": {"summary": "Geändert", "version": ticket.version},
    }[kind]
    response = web_client(qmb_user).post(write_urls(ticket)[kind], data)
    assert response.status_code == 403
    ticket = fresh(ticket)
    assert (ticket.state, ticket.summary, ticket.version) == (State.INTAKE, "Rezeptdruck bricht ab", 1)
    assert not CallNote.objects.filter(ticket=ticket).exists()
    assert not CustomerNotification.objects.filter(ticket=ticket).exists()


@pytest.mark.req("R8")
def test_it_sends_anonymous_visitors_to_the_login(client, support_user):
    ticket = create_ticket(support_user)
    for url in [page_url(ticket), *write_urls(ticket).values()]:
        response = client.get(url) if url == page_url(ticket) else client.post(url, {})
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    assert fresh(ticket).version == 1


def test_it_answers_404_for_an_unknown_ticket_or_step(web, support_user):
    ticket = create_ticket(support_user)
    assert web.get("/tickets/999999/").status_code == 404
    assert web.post("/tickets/999999/transitions/triage/", {}).status_code == 404
    assert web.post("/tickets/999999/call-notes/", {}).status_code == 404
    assert web.post(step_url(ticket, "delete"), {}).status_code == 404
    assert fresh(ticket).state == State.INTAKE


def test_it_accepts_only_posts_for_writes(web, support_user):
    ticket = create_ticket(support_user)
    for url in write_urls(ticket).values():
        assert web.get(url).status_code == 405
    assert web.post(page_url(ticket)).status_code == 405


# --- facts -------------------------------------------------------------------------------------


def test_it_shows_the_facts(web, support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    html = web.get(page_url(ticket)).content.decode()
    assert f"<h1>{ticket.number} · {ticket.summary}</h1>" in html
    assert f'href="/customers/{ticket.customer_id}/"' in html
    assert f'href="/program-requests/{ticket.program_request_id}/"' in html
    assert '<span class="badge state-program_request">Programmwunsch</span>' in html
    assert '<span class="badge high">Priorität hoch</span>' in html
    assert "Frau Beispiel" in html
    assert "Programmierung" in html
    assert tomorrow().strftime("%d.%m.%Y") in html
    assert escape(support_user.get_full_name()) in html


# --- the steps on the page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "steps"),
    [
        (State.INTAKE, ["triage", "flag_risk", "close_as_duplicate"]),
        (State.TRIAGE, ["fix_immediately", "escalate", "flag_risk", "close_as_duplicate"]),
        (
            State.ESCALATED,
            ["fix_immediately", "register_program_request", "follow_up", "flag_risk", "close_as_duplicate"],
        ),
        (State.PROGRAM_REQUEST, ["follow_up", "reject", "realize", "flag_risk"]),
        (State.REJECTED, ["close", "flag_risk"]),
        (State.CLOSED, ["reopen"]),
    ],
)
def test_it_offers_exactly_the_steps_the_services_allow(web, support_user, state, steps):
    ticket = ticket_in_state(state, support_user)
    html = web.get(page_url(ticket)).content.decode()
    assert steps_on(html) == steps == services.available_transitions(ticket, support_user)


@pytest.mark.parametrize(
    ("state", "name", "fields"),
    [
        (State.INTAKE, "triage", {"category", "risk_relevant", "risk_description", "is_complaint"}),
        (State.ESCALATED, "fix_immediately", {"resolution_kind", "solution", "known_solution"}),
        (State.PROGRAM_REQUEST, "reject", {"justification"}),
        (State.REJECTED, "close", set()),
    ],
)
def test_each_step_asks_only_for_its_own_data(web, support_user, state, name, fields):
    ticket = ticket_in_state(state, support_user)
    html = web.get(page_url(ticket)).content.decode()
    block = panel(html, name)
    assert field_names(block) == fields
    assert f"<summary>{services.transition_label(name)}</summary>" in block


FOUR_PATHS = {
    "immediate fix": ["triage", "fix_immediately", "close"],
    "SIC's immediate solution": ["triage", "escalate", "fix_immediately", "notify:solution", "close"],
    "program request rejected": [
        "triage",
        "escalate",
        "register_program_request",
        "reject",
        "notify:rejection_explained",
        "close",
    ],
    "program request realized after a follow-up": [
        "triage",
        "escalate",
        "register_program_request",
        "follow_up",
        "realize",
        "notify:realized",
        "close",
    ],
}


@pytest.mark.parametrize("path", FOUR_PATHS)
def test_each_path_of_the_work_instruction_runs_from_the_page(web, support_user, path):
    ticket = create_ticket(support_user)
    for step in FOUR_PATHS[path]:
        if step.startswith("notify:"):
            record_notification(web, ticket, step.removeprefix("notify:"))
            continue
        response = do_step(web, ticket, step)
        state = fresh(ticket).get_state_display()
        assert (
            f"„{services.transition_label(step)}“ ausgeführt. Status: {state}." in response.content.decode()
        )
    ticket = fresh(ticket)
    assert ticket.state == State.CLOSED
    html = web.get(page_url(ticket)).content.decode()
    assert '<span class="badge state-closed">Abgeschlossen</span>' in html
    assert steps_on(html) == ["reopen"]


def test_it_runs_flag_risk_and_reopen_from_the_page(web, support_user):
    ticket = ticket_in_state(State.CLOSED, support_user)
    do_step(web, ticket, "reopen")
    response = do_step(web, ticket, "flag_risk")
    assert "Die Geschäftsleitung wurde informiert" in response.content.decode()
    assert fresh(ticket).risk_relevant


# --- risk notice -------------------------------------------------------------------------------


def test_it_says_management_was_informed_after_a_risk_relevant_triage(web, support_user, mailoutbox):
    ticket = create_ticket(support_user)
    data = {
        "category": "technical",
        "risk_relevant": "true",
        "risk_description": "Falsche Menge möglich.",
        "is_complaint": "true",
    }
    response = do_step(web, ticket, "triage", **data)
    html = response.content.decode()
    assert "Risikorelevantes Ereignis: Die Geschäftsleitung wurde informiert" in html
    assert "Unterschrift ausstehend" in html


def test_it_says_nothing_about_management_after_an_ordinary_triage(web, support_user):
    response = do_step(web, create_ticket(support_user), "triage")
    assert "Geschäftsleitung wurde informiert" not in response.content.decode()


# --- validation (R4, R14) ----------------------------------------------------------------------


@pytest.mark.req("R4")
def test_it_shows_a_too_short_justification_in_german_with_the_form_open(web, support_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    response = web.post(step_url(ticket, "reject"), {"expected_state": ticket.state, "justification": "nein"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="transition" id="step-reject" open>' in html
    assert "Die Begründung muss mindestens 10 Zeichen (ohne Leerzeichen) haben." in html
    assert ">\nnein</textarea>" in html  # what was typed is kept
    assert '<details class="transition" id="step-realize">' in html  # the others stay closed
    assert fresh(ticket).state == State.PROGRAM_REQUEST


@pytest.mark.req("R4")
@pytest.mark.parametrize(
    ("state", "name", "data", "message"),
    [
        (State.INTAKE, "triage", {}, "Dieses Feld ist zwingend erforderlich."),
        (
            State.INTAKE,
            "triage",
            {"category": "software", "risk_relevant": "true"},
            "Beschreiben Sie das Risiko für Patienten oder Anwender.",
        ),
        (
            State.TRIAGE,
            "fix_immediately",
            {"resolution_kind": "vendor_solution", "solution": "Patch"},
            "Eine Sofortlösung von SIC gibt es erst, wenn der Vorgang bei SIC ist.",
        ),
        (
            State.ESCALATED,
            "register_program_request",
            {"kind": "wish", "vendor_reference": "PW-1", "follow_up_date": "2020-01-01"},
            "Das Datum darf nicht in der Vergangenheit liegen.",
        ),
    ],
)
def test_it_shows_validation_errors_in_german(web, support_user, state, name, data, message):
    ticket = ticket_in_state(state, support_user)
    response = web.post(step_url(ticket, name), {"expected_state": state, **data})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<details class="transition" id="step-{name}" open>' in html
    assert message in html
    assert fresh(ticket).version == ticket.version


def test_it_gives_each_form_on_the_page_its_own_field_ids(web, support_user):
    html = web.get(page_url(ticket_in_state(State.TRIAGE, support_user))).content.decode()
    ids = re.findall(r' id="(id_[a-z_0-9]+)"', html)
    assert ids
    assert len(ids) == len(set(ids))
    assert 'id="id_escalate_vendor_reference"' in html


# --- guards shown before submitting (R2, R3) ---------------------------------------------------


@pytest.mark.req("R2")
def test_it_shows_why_close_is_not_yet_possible_until_the_customer_was_informed(web, support_user):
    ticket = ticket_in_state(State.REJECTED, support_user)
    block = panel(web.get(page_url(ticket)).content.decode(), "close")
    assert (
        "Der Kunde muss vor dem Abschluss informiert werden: Es fehlt eine Kundeninformation "
        "„Ablehnung begründet“ seit dem Statuswechsel zu „Abgelehnt“." in block
    )
    assert 'disabled aria-describedby="refusal-close"' in block
    assert block.startswith('<details class="transition" id="step-close" open>')

    record_notification(web, ticket, NotificationKind.REJECTION_EXPLAINED)
    block = panel(web.get(page_url(ticket)).content.decode(), "close")
    assert "Der Kunde muss" not in block
    assert "disabled" not in block


@pytest.mark.req("R2")
def test_it_refuses_a_close_submitted_anyway_with_the_reason(web, support_user):
    ticket = ticket_in_state(State.REALIZED, support_user)
    response = web.post(step_url(ticket, "close"), {"expected_state": ticket.state})
    assert response.status_code == 409
    assert "Es fehlt eine Kundeninformation „Realisierung mitgeteilt“" in response.content.decode()
    assert fresh(ticket).state == State.REALIZED


@pytest.mark.req("R3")
def test_it_shows_that_an_unsigned_risk_review_blocks_the_close(web, support_user, management_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    run(ticket, "flag_risk", support_user)
    block = panel(web.get(page_url(ticket)).content.decode(), "close")
    assert "Die Bewertung durch die Geschäftsleitung ist noch nicht unterschrieben." in block

    services.risk_review_sign(
        ticket_id=ticket.pk, by=management_user, data={"decision": "no_action", "password": PASSWORD}
    )
    block = panel(web.get(page_url(ticket)).content.decode(), "close")
    assert "noch nicht unterschrieben" not in block
    do_step(web, ticket, "close")


# --- conflicts (R6) ----------------------------------------------------------------------------


@pytest.mark.req("R6")
def test_it_shows_the_fresh_ticket_when_someone_else_moved_it_meanwhile(web, support_user, management_user):
    ticket = ticket_in_state(State.TRIAGE, support_user)
    seen = web.get(page_url(ticket)).content.decode()
    assert 'name="expected_state" value="triage"' in seen
    run(ticket, "escalate", management_user)  # a colleague, while the page was open

    data = {"expected_state": "triage", **transition_data("fix_immediately", ticket)}
    response = web.post(step_url(ticket, "fix_immediately"), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Der Vorgang ist inzwischen im Status „Bei SIC“." in html
    assert '<span class="badge state-escalated">Bei SIC</span>' in html
    assert "register_program_request" in steps_on(html)
    assert "escalate" not in steps_on(html)
    assert 'name="expected_state" value="escalated"' in html
    assert fresh(ticket).state == State.ESCALATED


@pytest.mark.req("R6")
def test_it_refuses_an_edit_based_on_an_old_version(web, support_user, management_user):
    ticket = create_ticket(support_user)
    assert f'name="version" value="{ticket.version}"' in web.get(page_url(ticket)).content.decode()
    services.ticket_update(
        ticket_id=ticket.pk, by=management_user, data={"reason": "Korrektur", "summary": "Vom Kollegen"}
    )

    data = {"summary": "Meine Änderung", "caller_name": "Frau Beispiel", "version": ticket.version}
    data |= {"description": ticket.description, "reason": "genauer"}
    response = web.post(write_urls(ticket)["edit"], data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Der Vorgang wurde inzwischen von jemand anderem geändert." in html
    assert "Vom Kollegen" in html
    assert f'name="version" value="{fresh(ticket).version}"' in html
    assert fresh(ticket).summary == "Vom Kollegen"


@pytest.mark.req("R6")
def test_it_treats_a_garbled_version_as_stale(web, support_user):
    ticket = create_ticket(support_user)
    response = web.post(write_urls(ticket)["edit"], {"summary": "Neu", "version": "eins"})
    assert response.status_code == 409
    assert fresh(ticket).summary == "Rezeptdruck bricht ab"


@pytest.mark.req("R1")
def test_it_refuses_a_step_from_the_wrong_state_with_a_message(web, support_user):
    ticket = create_ticket(support_user)
    response = web.post(step_url(ticket, "close"), {})
    assert response.status_code == 409
    assert "„Abschließen“ ist im Status „Gemeldet“ nicht möglich." in response.content.decode()


# --- records and edits -------------------------------------------------------------------------


def test_it_records_a_call_note(web, support_user):
    ticket = create_ticket(support_user)
    url = write_urls(ticket)["call_note"]
    response = web.post(url, {"direction": "outbound", "text": "Rückruf: Drucker getauscht."}, follow=True)
    assert response.redirect_chain == [(page_url(ticket), 302)]
    html = response.content.decode()
    assert "Die Gesprächsnotiz wurde gespeichert." in html
    assert "Gesprächsnotiz (ausgehend)" in html
    assert "Rückruf: Drucker getauscht." in html


def test_it_explains_an_empty_call_note(web, support_user):
    ticket = create_ticket(support_user)
    response = web.post(write_urls(ticket)["call_note"], {"direction": "outbound", "text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="record" id="record-call-note" open>' in html
    assert "Dieses Feld ist zwingend erforderlich." in html
    assert not CallNote.objects.filter(ticket=ticket).exists()


def test_it_explains_an_unknown_notification_kind(web, support_user):
    ticket = create_ticket(support_user)
    response = web.post(write_urls(ticket)["notification"], {"kind": "fax", "channel": "phone"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="record" id="record-notification" open>' in html
    assert "Bitte eine gültige Auswahl treffen. fax ist keine gültige Auswahl." in html


def edit_data(ticket, **changes):
    return {
        "contact": ticket.contact_id or "",
        "caller_name": ticket.caller_name,
        "caller_phone": ticket.caller_phone,
        "summary": ticket.summary,
        "description": ticket.description,
        "assignee": ticket.assignee_id or "",
        "version": ticket.version,
        "reason": "Kunde nannte es genauer",
        **changes,
    }


def test_it_corrects_the_facts_and_shows_old_and_new_in_the_timeline(web, support_user):
    ticket = create_ticket(support_user)
    contact = ContactFactory(customer=ticket.customer)
    html = web.get(page_url(ticket)).content.decode()
    assert f'<option value="{contact.pk}">{escape(contact.name)}</option>' in html
    data = edit_data(ticket, summary="Rezeptdruck bricht bei Muster 16 ab", contact=contact.pk)
    response = web.post(write_urls(ticket)["edit"], data, follow=True)
    assert response.redirect_chain == [(page_url(ticket), 302)]
    html = response.content.decode()
    assert "Die Angaben wurden gespeichert." in html
    assert "Betreff: Rezeptdruck bricht ab → Rezeptdruck bricht bei Muster 16 ab" in html
    assert f"Ansprechpartner: — → {escape(contact.name)}" in html


def test_it_offers_only_the_customers_own_contacts(web, support_user):
    ticket = create_ticket(support_user)
    other = ContactFactory()
    assert escape(other.name) not in web.get(page_url(ticket)).content.decode()
    response = web.post(write_urls(ticket)["edit"], edit_data(ticket, contact=other.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert '<details class="record" id="record-edit" open>' in html
    assert "Dieser Ansprechpartner gehört nicht zum Kunden des Vorgangs." in html


def test_it_explains_an_empty_summary_on_edit(web, support_user):
    ticket = create_ticket(support_user)
    response = web.post(write_urls(ticket)["edit"], edit_data(ticket, summary=""))
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert fresh(ticket).version == 1


# --- the timeline (DESIGN §6) ------------------------------------------------------------------


@pytest.mark.req("R9")
def test_the_timeline_merges_every_kind_of_entry_in_time_order(web, support_user, management_user):
    ticket = create_ticket(support_user)
    run(ticket, "triage", support_user, category="software", risk_relevant=True, risk_description="Gefahr.")
    services.ticket_add_call_note(
        ticket_id=ticket.pk, by=support_user, data={"direction": "outbound", "text": "Kunde zurückgerufen."}
    )
    run(ticket, "escalate", support_user)
    services.risk_review_sign(
        ticket_id=ticket.pk,
        by=management_user,
        data={"decision": "capa", "comment": "CAPA 12 eröffnet.", "password": PASSWORD},
    )
    services.ticket_update(
        ticket_id=ticket.pk,
        by=support_user,
        data={"reason": "Korrektur", "summary": "Rezeptdruck bricht bei Muster 16 ab"},
    )
    run(ticket, "follow_up", support_user)

    response = web.get(page_url(ticket))
    kinds = [item["kind"] for item in response.context["timeline"]]
    assert kinds == [
        "created",
        "history",  # triage
        "risk_requested",
        "email",  # to management, through the outbox (R17)
        "call_note",
        "history",  # escalate
        "notification",  # callback promised
        "vendor_contact",  # escalation
        "risk_signed",
        "history",  # edit
        "history",  # follow_up
        "vendor_contact",  # inquiry
    ]
    html = response.content.decode()
    support, manager = escape(support_user.get_full_name()), escape(management_user.get_full_name())
    escalated_until = workdays.working_days_after(timezone.localdate(), 3)
    expected_in_order = [
        "Vorgang angelegt",
        "Betreff: Rezeptdruck bricht ab",
        "<strong>Prüfen</strong>",
        "Status: Gemeldet → In Prüfung",
        "Kategorie: — → Programmierung",
        "risikorelevant: nein → ja",
        "Risikobeschreibung: — → Gefahr.",
        "Bewertung durch die Geschäftsleitung angefordert",
        "Gesprächsnotiz (ausgehend)",
        "Kunde zurückgerufen.",
        "<strong>An SIC eskalieren</strong>",
        "Status: In Prüfung → Bei SIC",
        f"Wiedervorlage: — → {escalated_until:%d.%m.%Y}",  # escalate puts it on follow-up
        "Kundeninformation: Rückmeldung zugesagt (Telefon)",
        "Kontakt mit SIC: Eskalation",
        "Referenz: SIC-4711",
        "Risikobewertung unterschrieben",
        f"Unterschrieben von {manager} – Bedeutung: geprüft und bewertet durch die Geschäftsleitung",
        "Entscheidung: CAPA einleiten",
        "CAPA 12 eröffnet.",
        "<strong>Angaben korrigiert: Korrektur</strong>",  # R20: with the stated reason
        "Betreff: Rezeptdruck bricht ab → Rezeptdruck bricht bei Muster 16 ab",
        "<strong>Wiedervorlage: bei SIC nachgefragt</strong>",
        f"Wiedervorlage: {escalated_until:%d.%m.%Y} → {tomorrow():%d.%m.%Y}",
        "Kontakt mit SIC: Nachfrage",
        "SIC: Umsetzung in Arbeit.",
    ]
    positions = [html.find(text) for text in expected_in_order]
    assert -1 not in positions, [t for t, p in zip(expected_in_order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert f"{timezone.localtime(ticket.created_at):%d.%m.%Y %H:%M}</time> · {support}" in html
    assert "Unterschrift ausstehend" not in html


def test_a_transitions_records_follow_the_transition(web, support_user):
    """fix_immediately's call note and notification carry the moment of the state change; the
    complaint answer given with the triage comes just before it."""
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    kinds = [item["kind"] for item in web.get(page_url(ticket)).context["timeline"]]
    assert kinds == ["created", "complaint", "history", "history", "call_note", "notification"]


# --- queries -----------------------------------------------------------------------------------


def grow(ticket, by, n):
    for i in range(n):
        notify(ticket, NotificationKind.OTHER, by)
        services.ticket_add_call_note(
            ticket_id=ticket.pk, by=by, data={"direction": "outbound", "text": f"Rückruf {i}"}
        )
        services.ticket_update(
            ticket_id=ticket.pk, by=by, data={"reason": "Korrektur", "summary": f"Rezeptdruck {i}"}
        )
        run(ticket, "flag_risk", by)
        if fresh(ticket).state == State.ESCALATED:
            run(ticket, "follow_up", by)
        other = create_ticket(by, customer=ticket.customer)
        link = services.ticket_link(
            ticket_id=ticket.pk, by=by, data={"target": other.pk, "reason": "siehe auch"}
        )
        services.ticket_link_end(ticket_id=ticket.pk, link_id=link.pk, by=by, data={"reason": "doch nicht"})
        services.ticket_evaluate_complaint(ticket_id=ticket.pk, by=by, data={"is_complaint": False})


@pytest.mark.parametrize("state", [State.ESCALATED, State.REALIZED])
@pytest.mark.parametrize("role", [roles.SUPPORT, roles.QMB])
def test_it_shows_a_ticket_with_a_fixed_number_of_queries(users, state, role, django_assert_max_num_queries):
    ticket = ticket_in_state(state, users[roles.SUPPORT])
    client = web_client(users[role])
    grow(ticket, users[roles.SUPPORT], 2)
    with CaptureQueriesContext(connection) as few:
        response = client.get(page_url(ticket))
    assert response.status_code == 200
    small = len(response.context["timeline"])

    grow(ticket, users[roles.SUPPORT], 18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_url(ticket))
    assert len(response.context["timeline"]) > small + 18 * 4
