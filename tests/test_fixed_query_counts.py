"""Issue 14, DESIGN §11: the pages read during a call and by the QMB run as many SQL queries with 300
tickets as with 3 (each list a page or its first rows, each count a single query)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.history import save_audited
from tests.conftest import web_client
from tests.factories import create_ticket, run, ticket_in_state
from tickets.models import State

pytestmark = pytest.mark.django_db

PAGES = {  # name: (path, who reads it)
    "dashboard": ("/", "support"),
    "follow-ups": ("/follow-ups/", "support"),
    "program requests": ("/program-requests/", "support"),
    "reports": ("/reports/", "qmb"),
    "audit trail": ("/audit/", "qmb"),
}


def due_today_after_an_inquiry(by):
    ticket = run(ticket_in_state(State.PROGRAM_REQUEST, by), "follow_up", by)
    ticket.follow_up_date = timezone.localdate()
    save_audited(ticket, by=by, reason="test: follow-up date")


def risky(by):
    data = {"category": "software", "risk_relevant": True, "risk_description": "Patient gefährdet."}
    run(create_ticket(by), "triage", by, **data)


def add_rows(first: int, last: int, by) -> None:
    """Tickets `first` to `last` (excluded), of each kind in turn: open and assigned, due at SIC after
    an inquiry (a program request), waiting for the customer's information, risk-relevant (a
    pending review), closed."""
    kinds = [
        lambda: create_ticket(by),
        lambda: due_today_after_an_inquiry(by),
        lambda: ticket_in_state(State.REJECTED, by),
        lambda: risky(by),
        lambda: ticket_in_state(State.CLOSED, by),
        lambda: create_ticket(by, assign=False),  # opened from a mail: nobody's yet
    ]
    for i in range(first, last):
        kinds[i % len(kinds)]()


def test_every_page_runs_as_many_queries_with_300_tickets_as_with_3(
    support_user, qmb_user, django_assert_max_num_queries
):
    clients = {"support": web_client(support_user), "qmb": web_client(qmb_user)}
    add_rows(0, 3, support_user)
    few = {}
    for name, (path, who) in PAGES.items():
        with CaptureQueriesContext(connection) as captured:
            assert clients[who].get(path).status_code == 200
        few[name] = len(captured)

    add_rows(3, 300, support_user)

    for name, (path, who) in PAGES.items():
        with django_assert_max_num_queries(few[name], info=name):
            response = clients[who].get(path)
        assert response.status_code == 200
    dashboard = clients["support"].get("/").context
    assert dashboard["counts"] == {
        "mine": 200,
        "unassigned": 50,
        "follow_ups": 50,
        "risk_reviews": 50,
        "waiting": 50,
    }
