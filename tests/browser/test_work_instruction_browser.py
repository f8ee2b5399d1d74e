"""R21 in the browser: the QMB approves the authored revision with the password (a wrong one first:
refused, nothing signed), then a support agent finds it in force on /work-instruction/. Saves the
README image docs/screenshots/work-instruction.png (when missing or with SUPPORTDESK_UPDATE_DOCS=1)."""

import os
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from instructions import services
from instructions.demo import FIRST_EDITION, SEED
from instructions.models import WorkInstructionRevision
from tests.browser.ui import DOCS_SCREENSHOTS, expect_message, log_in, nav, step
from tests.factories import PASSWORD, UserFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.req("R21")]


def save_doc_image(page, name):
    path = DOCS_SCREENSHOTS / name
    if os.environ.get("SUPPORTDESK_UPDATE_DOCS") or not path.exists():
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))


def test_the_qmb_approves_with_the_password_and_support_sees_the_revision_in_force(
    live_server, page, screenshot
):
    author = UserFactory(username="msepp", first_name="Martin", last_name="Sepp")
    author.groups.add(Group.objects.get_or_create(name="process_manager")[0])
    qmb = user_with_role(roles.QMB, username="gkrause", first_name="Gabriele", last_name="Krause")
    agent = user_with_role(roles.SUPPORT, username="jhartmann", first_name="Julia", last_name="Hartmann")
    draft = services.revision_create(
        by=author, data={"text": SEED.read_text(encoding="utf-8"), "change_summary": FIRST_EDITION}
    )
    services.revision_sign(
        revision_id=draft.pk, by=author, data={"password": PASSWORD, "meaning": "authored"}
    )

    log_in(page, live_server, qmb)
    nav(page, "Arbeitsanweisung")
    expect(page.get_by_text("Es ist keine Revision der Arbeitsanweisung in Kraft.")).to_be_visible()
    page.get_by_role("region", name="Revisionen").get_by_role("link", name="Rev. 1").click()
    panel = step(page, "approve")
    panel.get_by_label("Ihr Passwort (Unterschrift)").fill("falsch")
    panel.get_by_role("button", name="Freigeben (QMB)").click()
    expect(
        page.get_by_text("Das Passwort ist falsch; die Revision wurde nicht unterschrieben.")
    ).to_be_visible()
    draft.refresh_from_db()
    assert draft.state == WorkInstructionRevision.State.AUTHORED

    panel = step(page, "approve")
    panel.get_by_label("Ihr Passwort (Unterschrift)").fill(PASSWORD)
    panel.get_by_role("button", name="Freigeben (QMB)").click()
    expect_message(page, "Rev. 1 ist freigegeben und in Kraft.")
    draft.refresh_from_db()
    assert (draft.state, draft.approver_name) == (WorkInstructionRevision.State.IN_FORCE, "Gabriele Krause")

    page.context.clear_cookies()
    log_in(page, live_server, agent)
    nav(page, "Arbeitsanweisung")
    expect(page.get_by_text("Rev. 1 in Kraft")).to_be_visible()
    text = page.get_by_role("article")
    expect(text.get_by_role("heading", name="3. Problemlösung sofort möglich?")).to_be_visible()
    signatures = page.get_by_role("region", name="Unterschriften")
    expect(signatures).to_contain_text("Martin Sepp")
    expect(signatures).to_contain_text(re.compile(r"Gabriele Krause, [0-9.]+ [0-9:]+ – freigegeben \(QMB\)"))
    history = page.get_by_role("region", name="Änderungshistorie")
    expect(history.get_by_role("row").nth(1)).to_contain_text(
        "Erste Ausgabe für die MCS MediCall-Solutions GmbH"
    )
    expect(page.get_by_role("link", name="Neuen Entwurf anlegen")).to_have_count(0)
    save_doc_image(page, "work-instruction.png")
    screenshot()
