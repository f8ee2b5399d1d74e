import pytest

from tests.factories import PASSWORD, notify, ticket_in_state
from tickets.models import NotificationKind, State

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.req("R9")
def test_it_shows_every_step_of_a_ticket_in_the_admin_history(live_server, page, screenshot, admin_user):
    ticket = ticket_in_state(State.REALIZED, by=admin_user)
    notify(ticket, NotificationKind.REALIZED, admin_user)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Benutzername").fill(admin_user.username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/history/")

    table = page.locator("#change-history")
    for reason in ["intake", "triage", "escalate", "register_program_request", "realize"]:
        assert table.get_by_text(reason, exact=True).count() >= 1, reason
    assert table.get_by_text(admin_user.username).count() >= 5
    screenshot()
