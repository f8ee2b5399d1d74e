"""DESIGN §11: under the Content-Security-Policy the pages work and the browser blocks nothing.

Every violation the browser reports (an inline script or style, eval, something from elsewhere) is
collected from the first moment of each page (an init script, which the policy does not govern).
"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import PAGES, data  # noqa: F401 (data is a fixture)
from tests.browser.ui import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""
MORE_PAGES = {
    "known solutions": "/solutions/",
    "capa": "/capa/",
    "reports": "/reports/",
    "audit trail": "/audit/",
    "api docs": "/api/v1/docs/",
    "admin": "/admin/",
}


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_no_page_breaks_the_policy(live_server, page, management_user, data):  # noqa: F811
    management_user.is_staff = True  # the admin's pages too
    management_user.save()
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, management_user)
    paths = {name: build(data) for name, build in PAGES.items() if name != "login"} | MORE_PAGES
    found = {}
    for name, path in paths.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if violations(page):
            found[name] = violations(page)
    assert found == {}


def test_the_caller_lookup_works_under_the_policy(live_server, page, support_user, data):  # noqa: F811
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, support_user)
    page.goto(f"{live_server.url}/tickets/new/")
    with page.expect_response(lambda response: "/lookup/" in response.url and "Lindner" in response.url):
        page.get_by_label("Telefonnummer oder Name").fill("Lindner")
    expect(page.locator("#lookup-results")).to_contain_text("Sanitätshaus Lindner GmbH")
    assert violations(page) == []
