"""DESIGN §8: a call the phone system reports appears on an open page within 5 seconds, and one
click logs it with the caller already filled in."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from tests.browser.test_docs_screenshots import save_doc_image
from tests.browser.ui import log_in
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomerFactory, create_ticket, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reported_call_pops_up_and_is_logged_prefilled(live_server, page, support_user):
    customer = CustomerFactory(name="Sanitätshaus Lindner GmbH", phone="0211 7817340")
    ContactFactory(customer=customer, name="Petra Schneider", phone="0211 7817341")
    open_ticket = create_ticket(support_user, customer=customer, summary="Kassenrezept druckt nicht")
    log_in(page, live_server, support_user)
    banner = page.locator("#call-banner")
    expect(banner).to_be_empty()

    phone_system = client_for(user_with_role(roles.TELEPHONY))
    reported = phone_system.post("/api/v1/calls/", {"caller_phone": "+49 211 7817341"}, format="json")
    assert reported.status_code == 201

    expect(banner).to_contain_text("Eingehender Anruf", timeout=7_000)  # polled every 5 seconds
    expect(banner).to_contain_text("Petra Schneider")
    expect(banner).to_contain_text(open_ticket.number)
    save_doc_image(page, "call-banner.png")
    banner.get_by_role("link", name="Anruf erfassen").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Neuer Anruf")
    expect(page.locator("#caller")).to_contain_text("Sanitätshaus Lindner GmbH")
    expect(page.get_by_label("Anrufer", exact=True)).to_have_value("Petra Schneider")

    # The caller's open ticket is shown first, and a similar summary is flagged as the same case.
    expect(page.locator(".caller-context")).to_contain_text(open_ticket.number)
    page.wait_for_load_state("networkidle")
    page.get_by_label("Betreff").fill("Kassenrezept druckt wieder nicht")
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("Möglicherweise derselbe Fall")
    expect(warning).to_contain_text(open_ticket.number)
    warning.scroll_into_view_if_needed()
    save_doc_image(page, "intake-caller-context.png")
    warning.get_by_role("button", name="Zu bestehendem Vorgang").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(open_ticket.number)
    expect(page.locator(".timeline")).to_contain_text("Kassenrezept druckt wieder nicht")
    expect(banner).to_be_empty(timeout=7_000)  # the call is recorded: off the banner
