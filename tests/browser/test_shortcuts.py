"""Keyboard shortcuts (issue 11): an agent reaches the search, a new call and the pages by keyboard."""

import pytest
from playwright.sync_api import expect

from tests.browser.ui import log_in
from tests.factories import create_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_shortcuts_work_and_never_steal_typing(live_server, page, support_user):
    ticket = create_ticket(support_user)
    log_in(page, live_server, support_user)
    page.wait_for_load_state("load")  # the shortcuts' script (deferred) runs before "load"

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Tastenkürzel")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("g")
    page.keyboard.press("t")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorgänge")
    page.wait_for_load_state("load")

    page.keyboard.press("/")
    search = page.get_by_role("searchbox", name="Vorgangsnummer oder Kunde")
    expect(search).to_be_focused()
    search.type("n" + str(int(ticket.number.split("-")[1])))  # "n" typed into the box is a letter
    expect(search).to_have_value("n" + str(int(ticket.number.split("-")[1])))
    search.fill(ticket.number)
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.number)
    page.wait_for_load_state("load")

    page.keyboard.press("n")
    expect(page.get_by_label("Telefonnummer oder Name")).to_be_focused()  # the intake, ready to type
