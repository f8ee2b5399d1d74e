"""R16, DESIGN §9 "Files": a screenshot pasted from the clipboard into the ticket page is uploaded and
listed with its SHA-256, its thumbnail drawn from a re-encoded rendition."""

import hashlib

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from attachments.models import Attachment
from tests.browser.ui import expect_message, log_in
from tests.factories import create_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A paste event as the browser fires it for a screenshot in the clipboard (headless Chromium grants
# no real clipboard): a PNG drawn on a canvas, in a DataTransfer, dispatched on the page.
PASTE_SCREENSHOT = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 120;
  canvas.height = 80;
  const context = canvas.getContext("2d");
  context.fillStyle = "#c0392b";
  context.fillRect(0, 0, 120, 80);
  context.fillStyle = "#ffffff";
  context.fillRect(10, 30, 100, 20);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const transfer = new DataTransfer();
  transfer.items.add(new File([blob], "image.png", { type: "image/png" }));
  const paste = new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true });
  document.body.dispatchEvent(paste);
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
"""


@pytest.mark.req("R16")
def test_a_pasted_screenshot_is_uploaded_and_listed(
    live_server, page, support_user, settings, tmp_path, screenshot
):
    settings.MEDIA_ROOT = tmp_path
    ticket = create_ticket(support_user, summary="Fehlermeldung beim Rezeptdruck")
    log_in(page, live_server, support_user)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.wait_for_load_state("load")  # the attachments' script (deferred) runs before "load"

    png = bytes.fromhex(page.evaluate(PASTE_SCREENSHOT))
    panel = page.get_by_role("region", name="Anhänge")
    expect(panel.locator("[data-chosen]")).to_contain_text("Bildschirmfoto")
    expect(panel.get_by_role("button", name="Hochladen")).to_be_focused()
    panel.get_by_role("button", name="Hochladen").click()

    expect_message(page, "wurde angehängt.")
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.content_type == "image/png"
    assert attachment.filename.startswith("Bildschirmfoto ") and attachment.filename.endswith(".png")
    assert attachment.sha256 == hashlib.sha256(png).hexdigest()
    row = page.locator(f"#attachment-{attachment.pk}")
    expect(row).to_contain_text(attachment.filename)
    expect(row.locator("code")).to_have_attribute("title", attachment.sha256)
    thumbnail = row.locator("img.thumbnail")
    expect(thumbnail).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumbnail.element_handle())
    expect(page.get_by_role("region", name="Verlauf")).to_contain_text(attachment.sha256)
    screenshot()

    # The panel passes axe-core's serious and critical rules, as every page does (issue 3).
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not violations, [(v["id"], [n["html"][:120] for n in v["nodes"]]) for v in violations]
