"""Accessibility of the main pages (issue 3): axe-core's rules, plus landmarks, headings, labels and
a visible keyboard focus, checked in the real browser."""

import datetime
import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.ui import log_in
from tests.factories import ContactFactory, CustomerFactory, run, ticket_in_state
from tickets.models import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}

# Visible form controls without an accessible name, and aria-describedby ids that point nowhere.
UNLABELLED = """() => {
  const named = el => (el.labels && [...el.labels].some(l => l.textContent.trim()))
    || (el.getAttribute('aria-label') || '').trim()
    || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).some(
         id => id && document.getElementById(id) && document.getElementById(id).textContent.trim())
    || (el.getAttribute('title') || '').trim();
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const fields = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')];
  return fields.filter(el => visible(el) && !named(el)).map(el => el.outerHTML.slice(0, 160));
}"""
DANGLING_DESCRIBEDBY = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(
  el => el.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id))
    .map(id => `${el.tagName.toLowerCase()}#${el.id}: ${id}`))"""
FOCUS_STYLE = """el => {
  const style = getComputedStyle(el), box = el.getBoundingClientRect();
  return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth), left: box.left, top: box.top,
          shadow: style.boxShadow};
}"""


@pytest.fixture
def data(support_user, management_user):
    """Something on every page: a customer with a contact, a due follow-up, a pending risk review."""
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH")
    ContactFactory(customer=customer, name="Petra Schneider")
    waiting = ticket_in_state(State.PROGRAM_REQUEST, by=support_user, customer=customer)
    run(
        waiting,
        "follow_up",
        support_user,
        note="SIC: in Arbeit.",
        next_follow_up_date=(timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
    )
    risky = ticket_in_state(State.INTAKE, by=support_user, customer=customer)
    run(
        risky,
        "triage",
        support_user,
        category="technical",
        risk_relevant=True,
        risk_description="Lieferschein.",
    )
    due = ticket_in_state(State.ESCALATED, by=support_user)
    run(
        due,
        "register_program_request",
        support_user,
        kind="wish",
        vendor_reference="PW-2026-031",
        follow_up_date=timezone.localdate().isoformat(),
    )
    return {"ticket": waiting, "customer": customer, "program_request": waiting.program_request}


PAGES = {
    "login": lambda d: "/accounts/login/",
    "dashboard": lambda d: "/",
    "intake": lambda d: "/tickets/new/?q=Lindner",
    "ticket list": lambda d: "/tickets/",
    "ticket page": lambda d: f"/tickets/{d['ticket'].pk}/",
    "customers": lambda d: "/customers/",
    "customer page": lambda d: f"/customers/{d['customer'].pk}/",
    "follow-ups": lambda d: "/follow-ups/",
    "program requests": lambda d: "/program-requests/",
    "program request page": lambda d: f"/program-requests/{d['program_request'].pk}/",
    "risk reviews": lambda d: "/risk-reviews/",
}


@pytest.mark.parametrize("name", PAGES)
def test_the_main_pages_are_accessible(live_server, page, management_user, data, name):
    if name != "login":
        log_in(page, live_server, management_user)  # management sees every page, with its forms
    response = page.goto(live_server.url + PAGES[name](data))
    assert response.status == 200, response.status

    # Keyboard: the first Tab reaches the skip link, which shows itself with a focus outline.
    autofocus = page.locator("[autofocus]")
    if autofocus.count():  # intake: the lookup field has the focus at once, outlined
        expect(autofocus.first).to_be_focused()
        focused = autofocus.first
    else:
        page.keyboard.press("Tab")
        focused = page.get_by_role("link", name="Zum Inhalt springen")
        expect(focused).to_be_focused()
    style = focused.evaluate(FOCUS_STYLE)
    assert style["outline"] != "none" and style["width"] >= 2, style
    assert style["left"] >= 0 and style["top"] >= 0, f"the focused element is off screen: {style}"
    if not autofocus.count():
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()

    # Landmarks and headings.
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    if name != "login":  # signed out there is nothing to navigate to
        expect(page.get_by_role("navigation", name="Hauptnavigation")).to_have_count(1)
    levels = [
        int(tag[1])
        for tag in page.locator("main :is(h1,h2,h3,h4,h5,h6)").evaluate_all(
            "hs => hs.map(h => h.tagName.toLowerCase())"
        )
    ]
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert levels[0] == 1 and not skips, f"heading levels {levels}"

    # Every form on the page unfolded, so the fields inside <details> are checked as well.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate(UNLABELLED) == []
    assert page.evaluate(DANGLING_DESCRIBEDBY) == []

    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} — " + "; ".join(n["html"][:120] for n in v["nodes"][:5])
        for v in violations
    )
