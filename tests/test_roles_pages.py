"""DESIGN §5 on the pages (R8): who reads the audit trail and the reports, who exports; support and
the process manager get 403 on every export; the navigation shows only what the role may open."""

import pytest
from django.urls import reverse

from accounts import roles
from reports import tables
from tests.conftest import web_client
from tests.factories import UserFactory, create_ticket, user_with_role

READERS_OF_REPORTS = {roles.MANAGEMENT, roles.QMB, roles.PROCESS_MANAGER, roles.ADMIN}
EXPORTERS = {roles.MANAGEMENT, roles.QMB, roles.ADMIN}


def pages(ticket):
    """Each page or download with the roles that may open it."""
    return [
        (reverse("audit-trail"), READERS_OF_REPORTS),
        (reverse("reports"), READERS_OF_REPORTS),
        (reverse("report-csv", args=[tables.SLUGS[0]]), READERS_OF_REPORTS),
        (reverse("audit-export-csv"), EXPORTERS),
        (reverse("audit-export-pdf"), EXPORTERS),
        (reverse("risk-reviews-signed-csv"), EXPORTERS),
        (reverse("ticket-audit-report", args=[ticket.pk]), EXPORTERS),
    ]


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", [*roles.ROLES, roles.TELEPHONY, "no_role"])
def test_each_role_opens_exactly_the_audit_and_report_pages_of_its_role(users, role):
    ticket = create_ticket(users[roles.SUPPORT])
    user = users.get(role) or (UserFactory() if role == "no_role" else user_with_role(role))
    client = web_client(user)
    for url, allowed in pages(ticket):
        response = client.get(url)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, url, response.status_code)


@pytest.mark.req("R8")
@pytest.mark.parametrize("role", roles.ROLES)
def test_the_pages_offer_only_the_exports_the_role_may_run(users, role):
    ticket = create_ticket(users[roles.SUPPORT])
    client = web_client(users[role])
    ticket_page = client.get(reverse("ticket-detail", args=[ticket.pk])).content.decode()
    report_link = reverse("ticket-audit-report", args=[ticket.pk])
    assert (report_link in ticket_page) is (role in EXPORTERS), role
    dashboard = client.get("/").content.decode()
    assert (f'href="{reverse("audit-trail")}"' in dashboard) is (role in READERS_OF_REPORTS), role
    assert (f'href="{reverse("reports")}"' in dashboard) is (role in READERS_OF_REPORTS), role
    if role in READERS_OF_REPORTS:
        trail = client.get(reverse("audit-trail")).content.decode()
        assert (reverse("audit-export-csv") in trail) is (role in EXPORTERS), role
        assert (reverse("audit-export-pdf") in trail) is (role in EXPORTERS), role


@pytest.mark.req("R8")
def test_the_process_manager_works_no_ticket(process_manager_user, support_user):
    ticket = create_ticket(support_user)
    client = web_client(process_manager_user)
    assert client.get(reverse("ticket-new")).status_code == 403
    response = client.get(reverse("ticket-detail", args=[ticket.pk]))
    assert response.status_code == 200 and "transitions" not in response.context
    assert f"/tickets/{ticket.pk}/transitions/" not in response.content.decode()
