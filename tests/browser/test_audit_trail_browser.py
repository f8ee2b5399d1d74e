"""The audit trail in the browser (DESIGN §6, §8; issue 4): a QMB filters the trail by a user and
today, downloads exactly those rows as CSV, and downloads a ticket's audit report as PDF."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts import roles
from accounts.users import display_name as user_name
from tests.browser.ui import log_in, nav
from tests.factories import CustomerFactory, create_ticket, run, ticket_in_state, user_with_role
from tickets.models import State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def read_download(download) -> bytes:
    return Path(download.path()).read_bytes()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def type_date(page, field, day) -> None:
    """A date typed into the date field's segments, digit by digit, as a person types it.

    Chromium orders the segments by its UI language (dd.mm.yyyy, mm/dd/yyyy or yyyy-mm-dd), not by
    the page's locale; like a person reading the field, the orders are tried until the date is right.
    """
    for order in ("%d%m%Y", "%m%d%Y", "%Y%m%d"):
        field.fill("")
        field.blur()
        field.focus()  # the first segment
        page.keyboard.type(day.strftime(order))
        if field.input_value() == day.isoformat():
            break
    expect(field).to_have_value(day.isoformat())


def test_qmb_filters_the_audit_trail_and_downloads_the_csv(live_server, page, screenshot, qmb_user):
    anna = user_with_role(roles.SUPPORT, first_name="Anna", last_name="Auer", username="aauer")
    bernd = user_with_role(roles.SUPPORT, first_name="Bernd", last_name="Berger", username="bberger")
    ticket_a = create_ticket(anna, customer=CustomerFactory(name="Sanitätshaus Auer GmbH"))
    run(ticket_a, "triage", anna)
    ticket_b = ticket_in_state(State.ESCALATED, by=bernd, customer=CustomerFactory(name="Reha Berger KG"))
    today = timezone.localdate()

    log_in(page, live_server, qmb_user)
    nav(page, "Audit-Trail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit-Trail")
    table = page.locator("table.audit-trail")
    # Control: unfiltered, both support users' tickets are in the trail.
    expect(table).to_contain_text(ticket_a.number)
    expect(table).to_contain_text(ticket_b.number)

    search = page.get_by_role("search", name="Audit-Trail filtern")
    type_date(page, search.get_by_label("von"), today)
    type_date(page, search.get_by_label("bis"), today)
    search.get_by_label("Benutzer").select_option(label="Anna Auer (aauer)")
    search.get_by_role("button", name="Filtern").click()

    expect(page).to_have_url(re.compile(rf"/audit/\?.*from={today.isoformat()}"))
    expect(page).to_have_url(re.compile(rf"user={anna.pk}\b"))
    expect(search.get_by_label("Benutzer")).to_have_value(str(anna.pk))
    expect(search.get_by_label("von")).to_have_value(today.isoformat())
    rows = table.locator("tbody tr")
    expect(rows.first).to_contain_text(ticket_a.number)
    expect(table).not_to_contain_text(ticket_b.number)
    expect(table).not_to_contain_text("Bernd Berger")
    expect(page.get_by_role("link", name="Ältere Einträge →")).to_have_count(0)  # all on one page
    count = rows.count()
    assert count >= 2  # the ticket created and triaged, at least
    shown = []
    for index in range(count):
        cells = rows.nth(index).locator("td")
        expect(cells.nth(1)).to_have_text(user_name(anna))
        shown.append(
            (
                cells.nth(0).locator("time").get_attribute("datetime"),
                cells.nth(2).inner_text().strip(),
                cells.nth(4).inner_text().strip(),
            )
        )
    screenshot()

    export = page.get_by_role("link", name="Als CSV exportieren")
    expect(export).to_have_attribute("href", re.compile(rf"^/audit/export\.csv\?.*user={anna.pk}\b"))
    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert re.fullmatch(r"audit-trail-\d{8}-\d{4}\.csv", download.suggested_filename)
    content = read_download(download)
    assert content.startswith("\ufeff".encode())
    header, *lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert header[:4] == ["Zeitpunkt", "Benutzer", "Art", "Objekt"]
    assert len(lines) == count, lines
    assert {line[1] for line in lines} == {user_name(anna)}
    assert ticket_a.number in {line[4] for line in lines}
    assert ticket_b.number not in content.decode("utf-8-sig")
    # Row for row the same entries as the filtered page, in the same order (newest first).
    in_csv = [(line[0], line[2], line[5]) for line in lines]
    on_page = [
        (timezone.localtime(datetime.datetime.fromisoformat(at)).isoformat(timespec="seconds"), kind, reason)
        for at, kind, reason in shown
    ]
    assert in_csv == on_page

    # The ticket's own audit report, from the ticket page.
    table.get_by_role("link", name=re.compile(ticket_a.number)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket_a.number)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Audit-Bericht (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"audit-bericht-{ticket_a.number}-")
    content = read_download(download)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert f"Audit-Bericht Vorgang {ticket_a.number}" in text
    assert ticket_b.number not in text
