"""Roles in the browser (DESIGN §5, R8, R12): a QMB sees no write controls at all; management signs
a risk review with the password re-entered."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.ui import CHROME_FORMS, expect_message, log_in, nav
from tests.factories import PASSWORD, ContactFactory, CustomerFactory, create_ticket, run, ticket_in_state
from tickets.models import RiskReview, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# logout, language, GET filters, the shortcuts help
READ_ONLY_BUTTONS = {"Abmelden", "Wechseln", "Filtern", "Suchen", "Tastenkürzel (?)"}


def assert_read_only(page):
    """No POST form but logout and the language switch, and no button that would write."""
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator(CHROME_FORMS)).to_have_count(0)
    expect(page.locator("form[method=post]")).to_have_count(2)  # exactly the two of the layout
    expect(page.get_by_role("link", name="Neuer Anruf")).to_have_count(0)
    buttons = {name.strip() for name in page.get_by_role("button").all_inner_texts()}
    assert buttons <= READ_ONLY_BUTTONS, buttons - READ_ONLY_BUTTONS


@pytest.fixture
def program_request_ticket(support_user):
    customer = CustomerFactory(name="Sanitätshaus Hoffmann GmbH")
    ContactFactory(customer=customer, name="Jonas Weber")
    return ticket_in_state(State.PROGRAM_REQUEST, by=support_user, customer=customer)


@pytest.mark.req("R8")
def test_a_qmb_sees_no_write_controls(
    live_server, page, screenshot, qmb_user, support_user, program_request_ticket
):
    ticket = program_request_ticket
    # Control: the same ticket page offers support its forms, so the checks below can fail.
    log_in(page, live_server, support_user)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator(CHROME_FORMS).first).to_be_attached()
    page.get_by_role("button", name="Abmelden").click()

    log_in(page, live_server, qmb_user)
    assert_read_only(page)  # the dashboard
    menu = page.get_by_role("navigation", name="Hauptnavigation")
    for reading in ["Übersicht", "Vorgänge", "Kunden", "Programmwünsche"]:
        expect(menu.get_by_role("link", name=reading, exact=True)).to_be_visible()
    for working in ["Neuer Anruf", "Wiedervorlage", "Risikobewertungen"]:  # support's and management's
        expect(menu.get_by_role("link", name=working, exact=True)).to_have_count(0)

    nav(page, "Vorgänge")
    assert_read_only(page)
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    expect(page.get_by_role("heading", name="Verlauf")).to_be_visible()  # reading is allowed
    expect(page.get_by_role("heading", name="Nächste Schritte")).to_have_count(0)
    expect(page.locator("details.transition, details.record")).to_have_count(0)
    assert_read_only(page)
    ticket_page = page.url

    page.get_by_role("region", name="Angaben").get_by_role("link", name=re.compile("Hoffmann")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sanitätshaus Hoffmann GmbH")
    expect(page.get_by_text("Jonas Weber")).to_be_visible()
    assert_read_only(page)

    nav(page, "Kunden")
    assert_read_only(page)

    page.goto(ticket_page)
    page.get_by_role("region", name="Angaben").get_by_role("link", name=re.compile("PW-2026-17")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PW-2026-17")
    expect(page.get_by_role("region", name="Entscheidung von SIC erfassen")).to_have_count(0)
    assert_read_only(page)

    nav(page, "Programmwünsche")
    assert_read_only(page)

    # Typing a write page's address: refused with the German page in the site's layout.
    page.goto(f"{live_server.url}/tickets/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keine Berechtigung")

    page.goto(ticket_page)
    assert_read_only(page)
    screenshot()


@pytest.mark.req("R12")
def test_management_signs_a_risk_review_with_the_password(
    live_server, page, screenshot, support_user, management_user
):
    ticket = create_ticket(support_user, customer=CustomerFactory(name="Reha Zentrum Ost"))
    run(
        ticket,
        "triage",
        support_user,
        category="software",
        risk_relevant=True,
        risk_description="Falsche Hilfsmittelmenge auf dem Lieferschein: Patient falsch versorgt.",
    )

    log_in(page, live_server, management_user)
    nav(page, "Risikobewertungen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Risikobewertungen")
    review = page.get_by_role("article", name=re.compile(ticket.number))
    expect(review).to_contain_text("Falsche Hilfsmittelmenge")
    expect(review).to_contain_text(
        "Bedeutung der Unterschrift: „geprüft und bewertet durch die Geschäftsleitung“"
    )

    review.get_by_label("Entscheidung").select_option(label="CAPA einleiten")
    review.get_by_label("Kommentar").fill("Plausibilitätsprüfung der Mengen mit SIC klären; CAPA 2026-04.")
    review.get_by_label("Ihr Passwort (Unterschrift)").fill("falsch-getippt")
    review.get_by_role("button", name="Unterschreiben").click()
    review = page.get_by_role("article", name=re.compile(ticket.number))
    expect(review.locator(".error")).to_have_text(
        "Das Passwort ist falsch; die Bewertung wurde nicht unterschrieben."
    )
    expect(review.get_by_label("Kommentar")).to_have_value(re.compile("CAPA 2026-04"))  # nothing lost
    assert RiskReview.objects.get().state == RiskReview.State.PENDING

    review.get_by_label("Ihr Passwort (Unterschrift)").fill(PASSWORD)
    review.get_by_role("button", name="Unterschreiben").click()
    expect_message(page, f"Die Bewertung zu Vorgang {ticket.number} ist unterschrieben.")
    expect(
        page.get_by_role("heading", level=2, name="0 Bewertungen warten auf Ihre Unterschrift")
    ).to_be_visible()
    signed = page.get_by_role("region", name="Unterschriebene Bewertungen").get_by_role("row").nth(1)
    expect(signed).to_contain_text(ticket.number)
    expect(signed).to_contain_text(management_user.get_full_name())
    expect(signed).to_contain_text("CAPA einleiten")

    signed_review = RiskReview.objects.get()
    assert signed_review.state == RiskReview.State.SIGNED
    assert signed_review.reviewer == management_user
    assert signed_review.decision == "capa"
    screenshot()
