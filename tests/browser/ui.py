"""Steps a person takes in the browser, shared by the browser tests (only the UI, no ORM)."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Forms that every signed-in page has: logout in the header, the language switch in the footer.
CHROME_FORMS = "form[method=post]:not([action$='/logout/']):not([action$='/i18n/setlang/'])"


def log_in(page: Page, live_server, user, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1, name="Übersicht")).to_be_visible()


def nav(page: Page, name: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=name, exact=True).click()


def step(page: Page, name: str):
    """The panel of a transition on the ticket page (DESIGN §4 name), opened like a person does."""
    panel = page.locator(f"#step-{name}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def record(page: Page, which: str):
    """An inline form of the ticket page: 'call-note', 'notification' or 'edit', opened."""
    panel = page.locator(f"#record-{which}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def expect_state(page: Page, label: str) -> None:
    """The facts of the ticket page show the state label."""
    facts = page.get_by_role("region", name="Angaben")
    expect(facts.locator("dd .badge").first).to_have_text(label)


def expect_message(page: Page, text: str | re.Pattern) -> None:
    expect(page.locator(".messages").get_by_text(text)).to_be_visible()


def record_notification(page: Page, kind_label: str, note: str) -> None:
    form = record(page, "notification")
    form.get_by_label("Inhalt").select_option(label=kind_label)
    form.get_by_label("Weg").select_option(label="Telefon")
    form.get_by_label("Notiz").fill(note)
    form.get_by_role("button", name="Kundeninformation speichern").click()
    expect_message(page, "Die Kundeninformation wurde gespeichert.")


def close_ticket(page: Page) -> None:
    panel = step(page, "close")
    panel.get_by_role("button", name="Abschließen").click()
    expect_message(page, re.compile("„Abschließen“ ausgeführt"))
    expect_state(page, "Abgeschlossen")
    # From "Abgeschlossen" only "Wieder öffnen" is left.
    steps = page.get_by_role("region", name="Nächste Schritte")
    expect(steps.locator("details.transition")).to_have_count(1)
    expect(steps.locator("#step-reopen")).to_be_attached()
