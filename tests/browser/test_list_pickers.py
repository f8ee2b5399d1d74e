"""Issue 14 in the browser: the ticket list's customer filter is found by typing and chosen by
keyboard (htmx fills the select as you type, under the Content-Security-Policy); the URL keeps the
customer's id."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_content_security_policy import COLLECT_VIOLATIONS, violations
from tests.browser.ui import log_in, nav
from tests.factories import CustomerFactory, create_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_is_typed_picked_and_filtered_by_keyboard(live_server, page, support_user):
    lindner = CustomerFactory(name="Sanitätshaus Lindner GmbH")
    others = [CustomerFactory(name=f"Orthopädie Kaiser {i}") for i in range(3)]
    mine = create_ticket(support_user, customer=lindner)
    theirs = [create_ticket(support_user, customer=customer) for customer in others]
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, support_user)
    nav(page, "Vorgänge")

    search = page.get_by_role("searchbox", name="Kunde", exact=True)
    search.focus()
    with page.expect_response(lambda response: "/tickets/filter/customer/" in response.url):
        page.keyboard.type("lindner")
    choice = page.get_by_role("combobox", name="Kunde auswählen")
    expect(choice.locator("option")).to_have_text(["alle", re.compile("Sanitätshaus Lindner GmbH")])
    expect(page.locator("#id_customer_status")).to_have_text("1 Treffer.")

    page.keyboard.press("Tab")  # from the search box to its select
    expect(choice).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(choice).to_have_value(str(lindner.pk))
    page.get_by_role("button", name="Filtern").focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"[?&]customer={lindner.pk}(&|$)"))
    results = page.get_by_role("region", name="1 Vorgang")
    expect(results.get_by_role("link", name=mine.number)).to_be_visible()
    for ticket in theirs:
        expect(results.get_by_role("link", name=ticket.number)).to_have_count(0)
    expect(page.get_by_role("combobox", name="Kunde auswählen")).to_have_value(str(lindner.pk))
    assert violations(page) == []
