"""The four paths of the work instruction (DESIGN §2), each from the call to "Abgeschlossen",
driven only through the pages as support staff would; the ORM only sets up and checks afterwards."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.ui import (
    close_ticket,
    expect_message,
    expect_state,
    log_in,
    nav,
    record_notification,
    step,
)
from tests.factories import ContactFactory, CustomerFactory, create_ticket
from tickets.models import CustomerNotification, State, Ticket
from vendor.models import ProgramRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def triage(page, category="Programmierung"):
    panel = step(page, "triage")
    panel.get_by_label("Art des Problems").select_option(label=category)
    panel.get_by_role("group", name="Risikorelevantes Ereignis?").get_by_role("radio", name="nein").check()
    panel.get_by_role("group", name="Beanstandung des Produkts?").get_by_role("radio", name="nein").check()
    panel.get_by_role("button", name="Prüfen").click()
    expect_state(page, "In Prüfung")


def escalate(page):
    panel = step(page, "escalate")
    panel.get_by_label("Vollständige Problemdokumentation").fill(
        "Fehler 4711 beim Druck jedes Kassenrezepts seit Update 12.3, an allen drei Arbeitsplätzen "
        "reproduzierbar; Druckertreiber und Formularsatz geprüft."
    )
    panel.get_by_label("Besprochen mit SIC").fill("Hotline von SIC: Fehler ist bekannt, wird geprüft.")
    panel.get_by_label("Ansprechpartner bei SIC").fill("Herr Krüger")
    panel.get_by_label("Referenz bei SIC").fill("SIC-4711")
    panel.get_by_label("Dem Kunden gesagt", exact=False).check()  # the agent told the caller so
    panel.get_by_role("button", name="An SIC eskalieren").click()
    expect_state(page, "Bei SIC")


def register_program_request(page, *, kind, reference, follow_up):
    panel = step(page, "register_program_request")
    panel.get_by_label("Art", exact=True).select_option(label=kind)
    panel.get_by_label("Referenz bei SIC").fill(reference)
    panel.get_by_label("Wiedervorlage").fill(follow_up.isoformat())
    panel.get_by_role("button", name="Programmwunsch erfassen").click()
    expect_state(page, "Programmwunsch")


def open_ticket(page, live_server, ticket):
    """Find the ticket the way support does: the list, a search by number, a click."""
    nav(page, "Vorgänge")
    page.get_by_label("Suche").fill(ticket.number)
    page.get_by_role("button", name="Filtern").click()
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)


def test_immediate_fix_with_the_intake_by_keyboard_only(live_server, page, screenshot, support_user):
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH", phone="0211 4711230", city="Düsseldorf")
    ContactFactory(customer=customer, name="Petra Schneider", phone="0211 4711231")
    log_in(page, live_server, support_user)

    # The call comes in: "Neuer Anruf" and the lookup field, by keyboard.
    page.keyboard.press("Tab")  # the skip link
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()
    new_call = page.get_by_role("link", name="Neuer Anruf")
    for _ in range(5):
        page.keyboard.press("Tab")
        if new_call.evaluate("link => link === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Neuer Anruf")
    lookup = page.get_by_label("Telefonnummer oder Name")
    expect(lookup).to_be_focused()  # autofocus: the caller's number can be typed at once
    # The contact's number, in another format; wait for the lookup of the whole number to be shown
    # (results of a part of it may arrive first and would be replaced under the focus).
    with page.expect_response(lambda r: "/lookup/" in r.url and "4711231" in r.url):
        page.keyboard.type("+49 211 4711231")
    expect(page.locator(".htmx-request")).to_have_count(0)
    results = page.locator("#lookup-results")
    contact_button = results.get_by_role("button", name=re.compile("Petra Schneider"))
    expect(contact_button).to_be_visible()
    for _ in range(10):  # Tab through the lookup's button and the customer to the contact
        page.keyboard.press("Tab")
        if contact_button.evaluate("button => button === document.activeElement"):
            break
    expect(contact_button).to_be_focused()
    page.keyboard.press("Enter")
    caller = page.get_by_role("region", name="Kunde und Anrufer")
    expect(caller.get_by_role("status")).to_contain_text("Sanitätshaus Lindner GmbH")
    expect(caller.get_by_role("status")).to_contain_text("Petra Schneider")
    expect(page.get_by_label("Anrufer", exact=True)).to_have_value("Petra Schneider")
    page.wait_for_load_state("networkidle")  # the pick may reload the page (no-JS fallback)

    # Summary and description, reached by Tab only.
    summary = page.get_by_label("Betreff")
    for _ in range(10):
        if summary.evaluate("input => input === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(summary).to_be_focused()
    page.keyboard.type("Etikettendrucker druckt leere Seiten")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Problembeschreibung")).to_be_focused()
    page.keyboard.type("Seit heute morgen kommen aus dem Etikettendrucker an der Kasse nur leere Seiten.")
    page.keyboard.press("Tab")  # the call note: left empty, the description is taken
    page.keyboard.press("Tab")  # the SaniVision reference: none
    page.keyboard.press("Tab")  # the SaniVision version: not known
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Speichern", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    expect_message(page, re.compile(r"Vorgang \d{4}-\d{6} wurde angelegt\."))
    expect_state(page, "Gemeldet")
    ticket = Ticket.objects.get()
    assert ticket.customer == customer
    assert ticket.contact.name == "Petra Schneider"
    assert ticket.caller_name == "Petra Schneider"
    assert ticket.summary == "Etikettendrucker druckt leere Seiten"

    triage(page, category="Technik")
    panel = step(page, "fix_immediately")
    panel.get_by_label("Art der Lösung").select_option(label="Konfigurationsfehler")
    panel.get_by_role("textbox", name="Lösung", exact=True).fill(
        "Etikettenformat im Druckerprofil von A4 auf 62 mm zurückgestellt."
    )
    panel.get_by_role("button", name="Sofortlösung").click()
    expect_state(page, "Sofortlösung")
    close_ticket(page)

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.resolution_kind == "configuration_error"
    assert ticket.notifications.filter(kind="solution", channel="phone").exists()
    assert ticket.call_notes.count() == 2  # the intake's note and the advice given on the call
    screenshot()


def test_escalation_with_an_immediate_solution_from_sic(live_server, page, screenshot, support_user):
    ticket = create_ticket(support_user, customer=CustomerFactory(name="Orthopädie Kaiser KG"))
    log_in(page, live_server, support_user)
    open_ticket(page, live_server, ticket)
    triage(page)
    escalate(page)

    panel = step(page, "fix_immediately")
    panel.get_by_label("Art der Lösung").select_option(label="Sofortlösung von SIC")
    panel.get_by_role("textbox", name="Lösung", exact=True).fill(
        "SIC: Formularsatz 12.3.1 einspielen, danach druckt das Kassenrezept."
    )
    panel.get_by_role("button", name="Sofortlösung").click()
    expect_state(page, "Sofortlösung")

    # Not yet: the customer must be told the solution first (R2); the page says so.
    close = step(page, "close")
    expect(close).to_contain_text("Der Kunde muss vor dem Abschluss informiert werden")
    expect(close).to_contain_text("„Lösung mitgeteilt“")
    expect(close.get_by_role("button", name="Abschließen")).to_be_disabled()

    record_notification(
        page, "Lösung mitgeteilt", "Frau Beispiel angerufen, Formularsatz gemeinsam eingespielt."
    )
    expect(step(page, "close").get_by_role("button", name="Abschließen")).to_be_enabled()
    close_ticket(page)

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.resolution_kind == "vendor_solution"
    assert ticket.vendor_contacts.count() == 1
    assert set(ticket.notifications.values_list("kind", flat=True)) == {"callback_promised", "solution"}
    screenshot()


def test_program_request_rejected_by_sic(live_server, page, screenshot, support_user):
    ticket = create_ticket(support_user, customer=CustomerFactory(name="Reha-Technik Vogel GmbH"))
    log_in(page, live_server, support_user)
    open_ticket(page, live_server, ticket)
    triage(page)
    escalate(page)
    register_program_request(
        page,
        kind="Kundenwunsch",
        reference="PW-2026-031",
        follow_up=timezone.localdate() + datetime.timedelta(days=14),
    )

    panel = step(page, "reject")
    panel.get_by_label("Begründung von SIC").fill("Nein.")
    panel.get_by_role("button", name="Ablehnung durch SIC").click()
    panel = page.locator("#step-reject")  # the page comes back with this form open and its error
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator(".error")).to_have_text(
        "Die Begründung muss mindestens 10 Zeichen (ohne Leerzeichen) haben."
    )
    expect_state(page, "Programmwunsch")
    panel.get_by_label("Begründung von SIC").fill(
        "SIC: Die Rundung entspricht der Vorgabe der Kostenträger; keine Änderung vorgesehen."
    )
    panel.get_by_role("button", name="Ablehnung durch SIC").click()
    expect_state(page, "Abgelehnt")

    expect(step(page, "close")).to_contain_text("„Ablehnung begründet“")
    record_notification(
        page, "Ablehnung begründet", "Kunde telefonisch über die Begründung von SIC informiert."
    )
    close_ticket(page)

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.program_request.state == ProgramRequest.State.REJECTED
    assert ticket.program_request.justification.startswith("SIC: Die Rundung")
    assert ticket.notifications.filter(kind="rejection_explained").exists()
    screenshot()


def test_program_request_realized_after_a_follow_up(live_server, page, screenshot, support_user):
    ticket = create_ticket(support_user, customer=CustomerFactory(name="Sanitätshaus Brandt OHG"))
    log_in(page, live_server, support_user)
    open_ticket(page, live_server, ticket)
    triage(page)
    escalate(page)
    today = timezone.localdate()
    register_program_request(page, kind="Beanstandung", reference="PW-2026-017", follow_up=today)

    # The follow-up is due today: it is in the Wiedervorlage queue.
    nav(page, "Wiedervorlage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wiedervorlage")
    page.get_by_role("link", name=ticket.number).click()
    panel = step(page, "follow_up")
    panel.get_by_label("Was SIC gesagt hat").fill("SIC: Korrektur ist für Version 12.4 eingeplant.")
    panel.get_by_label("nächste Wiedervorlage").fill((today + datetime.timedelta(days=7)).isoformat())
    panel.get_by_role("button", name="Wiedervorlage: bei SIC nachgefragt").click()
    expect_message(page, re.compile("„Wiedervorlage: bei SIC nachgefragt“ ausgeführt"))
    expect_state(page, "Programmwunsch")
    next_date = (today + datetime.timedelta(days=7)).strftime("%d.%m.%Y")
    expect(page.get_by_role("region", name="Angaben")).to_contain_text(next_date)
    nav(page, "Wiedervorlage")
    expect(page.get_by_role("link", name=ticket.number)).to_have_count(0)

    # SIC ships it: realized on the program request's page, for all its tickets at once.
    page.go_back()
    page.get_by_role("region", name="Angaben").get_by_role("link", name=re.compile("PW-2026-017")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PW-2026-017")
    decide = page.get_by_role("region", name="Entscheidung von SIC erfassen")
    decide.locator("summary", has_text="Realisiert").click()
    decide.get_by_label("Version").fill("12.4")
    decide.get_by_role("button", name="Als realisiert erfassen").click()
    expect_message(page, "Der Programmwunsch ist als realisiert erfasst.")
    inform = page.get_by_role("region", name="Kunden jetzt informieren")
    expect(inform).to_contain_text("Sanitätshaus Brandt OHG")
    inform.get_by_role("link", name=ticket.number).click()

    expect_state(page, "Realisiert")
    expect(step(page, "close")).to_contain_text("„Realisierung mitgeteilt“")
    record_notification(page, "Realisierung mitgeteilt", "Kunde informiert: Korrektur ist in Version 12.4.")
    close_ticket(page)

    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.program_request.state == ProgramRequest.State.REALIZED
    assert ticket.program_request.realized_release == "12.4"
    escalation, inquiry = ticket.vendor_contacts.all()  # the escalation and the follow-up inquiry
    assert (escalation.kind, inquiry.kind) == ("escalation", "inquiry")
    assert inquiry.summary == "SIC: Korrektur ist für Version 12.4 eingeplant."
    assert CustomerNotification.objects.filter(ticket=ticket, kind="realized").exists()
    screenshot()
