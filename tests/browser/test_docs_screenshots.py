"""The README images (docs/screenshots/intake.png, ticket-page.png, intake-suggestions.png), made
through the UI with German demo-like data. They are rewritten when missing or with
SUPPORTDESK_UPDATE_DOCS=1, so an ordinary test run does not churn the committed images; the flow
and its checks run every time."""

import os

import pytest
from playwright.sync_api import expect

from accounts import roles
from solutions import services as solution_services
from tests.browser.ui import DOCS_SCREENSHOTS, expect_message, expect_state, log_in, record, step
from tests.factories import ContactFactory, CustomerFactory, create_ticket, run, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_doc_image(page, name):
    path = DOCS_SCREENSHOTS / name
    if os.environ.get("SUPPORTDESK_UPDATE_DOCS") or not path.exists():
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))  # the 1366x900 viewport, as a person sees it


def test_readme_screenshots_of_the_intake_and_the_ticket_page(live_server, page, screenshot):
    assert page.viewport_size == {"width": 1366, "height": 900}
    user = user_with_role(roles.SUPPORT, username="abecker", first_name="Anna", last_name="Becker")
    lindner = CustomerFactory(
        customer_number="K10427", name="Sanitätshaus Lindner GmbH", city="Düsseldorf", phone="0211 4711230"
    )
    ContactFactory(customer=lindner, name="Petra Schneider", phone="0211 4711231")
    ContactFactory(customer=lindner, name="Michael Wagner", phone="0211 4711235")
    CustomerFactory(customer_number="K10588", name="Orthopädie Lindner", city="Neuss", phone="02131 66120")
    log_in(page, live_server, user)

    page.get_by_role("link", name="Neuer Anruf").click()
    page.get_by_label("Telefonnummer oder Name").fill("Lindner")
    page.locator("#lookup-results").get_by_role("button", name="Petra Schneider").click()
    expect(page.get_by_label("Anrufer", exact=True)).to_have_value("Petra Schneider")
    # Picking may reload the page (the no-JS fallback) when the click beats htmx's processing of
    # the fresh results; typing before that load ends would be lost with the old page.
    page.wait_for_load_state("networkidle")
    page.get_by_label("Betreff").fill("Kassenrezept: Druck bricht mit Fehler 4711 ab")
    page.get_by_label("Problembeschreibung").fill(
        "Beim Drucken eines Kassenrezepts aus der Auftragserfassung erscheint Fehler 4711, "
        "der Druck bricht ab. Betrifft alle drei Arbeitsplätze seit dem Update auf 12.3."
    )
    page.get_by_label("Gesprächsnotiz").fill("Frau Schneider bittet um Rückruf bis 14 Uhr.")
    page.evaluate("window.scrollTo(0, 0)")
    save_doc_image(page, "intake.png")

    page.get_by_role("button", name="Speichern", exact=True).click()
    expect_message(page, "wurde angelegt")
    panel = step(page, "triage")
    panel.get_by_label("Art des Problems").select_option(label="Programmierung")
    panel.get_by_role("group", name="Risikorelevantes Ereignis?").get_by_role("radio", name="nein").check()
    panel.get_by_role("group", name="Beanstandung des Produkts?").get_by_role("radio", name="nein").check()
    panel.get_by_role("button", name="Prüfen").click()
    expect_state(page, "In Prüfung")
    panel = step(page, "escalate")
    panel.get_by_label("Vollständige Problemdokumentation").fill(
        "Fehler 4711 bei jedem Kassenrezept seit Update 12.3; Druckertreiber, Formularsatz und "
        "Druckerprofil geprüft, Fehler an allen Arbeitsplätzen reproduzierbar."
    )
    panel.get_by_label("Besprochen mit SIC").fill(
        "SIC-Hotline: Fehler bekannt, Entwicklung prüft einen Patch."
    )
    panel.get_by_label("Ansprechpartner bei SIC").fill("Herr Krüger")
    panel.get_by_label("Referenz bei SIC").fill("SIC-2026-4711")
    panel.get_by_role("button", name="An SIC eskalieren").click()
    expect_state(page, "Bei SIC")
    form = record(page, "call-note")
    form.get_by_label("Richtung").select_option(index=1)
    form.get_by_label("Notiz").fill("Frau Schneider zurückgerufen: SIC prüft, Rückmeldung folgt.")
    form.get_by_role("button", name="Notiz speichern").click()
    expect_message(page, "Die Gesprächsnotiz wurde gespeichert.")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kassenrezept")
    save_doc_image(page, "ticket-page.png")
    screenshot()


def test_readme_screenshot_of_the_suggestions_beside_the_intake(live_server, page):
    user = user_with_role(roles.SUPPORT, username="abecker", first_name="Anna", last_name="Becker")
    lindner = CustomerFactory(
        customer_number="K10427", name="Sanitätshaus Lindner GmbH", city="Düsseldorf", phone="0211 4711230"
    )
    ContactFactory(customer=lindner, name="Petra Schneider", phone="0211 4711231")
    for title, symptoms, solution, kind in [
        (
            "Rezept druckt nicht: Druckauftrag verschwindet",
            "Beim Drucken eines Kassenrezepts passiert nichts, der Auftrag verschwindet.",
            "1. Einstellungen › Drucker › Profil „Kassenrezept“ öffnen.\n"
            "2. Papierschacht auf „Einzelblatt (manuell)“ stellen.\n3. Rezept erneut drucken.",
            "configuration",
        ),
        (
            "Kassenrezept: Druck bricht mit Fehler 4711 ab",
            "Fehler 4711 beim Rezeptdruck seit Update 12.3.",
            "Formularsatz 12.3.1 einspielen (SIC-2026-4711).",
            "workaround",
        ),
        (
            "Etikettendrucker druckt leere Seiten",
            "Aus dem Etikettendrucker kommen nur leere Etiketten.",
            "Etikettenformat im Druckerprofil auf 62 mm stellen.",
            "configuration",
        ),
    ]:
        solution_services.solution_create(
            by=user,
            data={
                "title": title,
                "symptoms": symptoms,
                "solution": solution,
                "kind": kind,
                "category": "technical",
            },
        )
    solved = create_ticket(
        user,
        CustomerFactory(name="Orthopädie Kaiser KG", city="Neuss"),
        summary="Rezeptdruck: Auftrag bleibt in der Warteschlange hängen",
        description="Kassenrezepte werden nicht gedruckt, die Warteschlange zeigt „angehalten“.",
    )
    run(solved, "triage", user, category="technical", risk_relevant=False)
    run(
        solved,
        "fix_immediately",
        user,
        resolution_kind="configuration_error",
        solution="Druckerwarteschlange geleert und den Spoolerdienst neu gestartet.",
    )
    log_in(page, live_server, user)

    page.get_by_role("link", name="Neuer Anruf").click()
    page.get_by_label("Telefonnummer oder Name").fill("Lindner")
    page.locator("#lookup-results").get_by_role("button", name="Petra Schneider").click()
    expect(page.get_by_label("Anrufer", exact=True)).to_have_value("Petra Schneider")
    page.wait_for_load_state("networkidle")  # the pick may reload the page (no-JS fallback)
    with page.expect_response(lambda r: "/solutions/suggestions/" in r.url):
        page.get_by_label("Betreff").fill("Rezept druckt nicht")
    with page.expect_response(lambda r: "/solutions/suggestions/" in r.url and "Warteschlange" in r.url):
        page.get_by_label("Problembeschreibung").fill(
            "Frau Schneider klickt auf Drucken, der Auftrag verschwindet aus der Warteschlange."
        )
    suggestions = page.get_by_role("region", name="Bekannte Lösungen")
    first = suggestions.get_by_role("listitem").first
    expect(first).to_contain_text("Rezept druckt nicht: Druckauftrag verschwindet")
    first.get_by_text("Lösungsschritte").click()
    expect(first.get_by_text("Papierschacht auf „Einzelblatt (manuell)“ stellen.")).to_be_visible()
    # Scrolled to the problem: the suggestions stay in view beside it.
    page.locator("#problem-heading").evaluate(
        "h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 16)"
    )
    expect(first).to_be_in_viewport()
    expect(suggestions).to_contain_text(solved.number)
    save_doc_image(page, "intake-suggestions.png")
