"""The report's facts and steps (reports.models, issue 14): kept as the services write the history, in
the same transaction, and the same when rebuilt from the history (`manage.py rebuild_report_figures`)."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from reports.models import Step, TicketFacts
from tests.factories import create_ticket, notify, run, ticket_in_state
from tests.test_reports import at, t
from tickets.models import State

pytestmark = pytest.mark.django_db


def facts() -> list[tuple]:
    return list(
        TicketFacts.objects.order_by("ticket_id").values_list(
            "ticket_id",
            "opened_at",
            "state",
            "category",
            "known_solution",
            "first_decision",
            "reopened",
            "fixed_from",
        )
    )


def steps() -> list[tuple]:
    return sorted(Step.objects.values_list("ticket_id", "kind", "at", "outcome", "duration"))


@pytest.fixture
def casework(support_user):
    """Tickets along the paths the report tells apart: fixed on the phone, reopened and escalated,
    SIC's solution, program requests with inquiries, waiting at SIC, not yet triaged."""
    with at(t("2026-02-02 09:00")):
        fixed = ticket_in_state(State.CLOSED, support_user)
        again = run(
            run(ticket_in_state(State.CLOSED, support_user), "reopen", support_user), "escalate", support_user
        )
        sic = run(ticket_in_state(State.ESCALATED, support_user), "fix_immediately", support_user)
        notify(sic, "solution", support_user)
        wish = ticket_in_state(State.PROGRAM_REQUEST, support_user)
        run(run(wish, "follow_up", support_user), "follow_up", support_user)
        waiting = ticket_in_state(State.ESCALATED, support_user)
        fresh = create_ticket(support_user)
    with at(t("2026-02-04 10:00")):
        again = run(again, "fix_immediately", support_user)
        notify(again, "solution", support_user)
        sic = run(sic, "close", support_user)
    return {"fixed": fixed, "again": again, "sic": sic, "wish": wish, "waiting": waiting, "fresh": fresh}


def test_each_history_row_moves_the_facts_in_the_same_transaction(casework):
    by_ticket = {row[0]: row for row in facts()}
    again = by_ticket[casework["again"].pk]
    assert again[2:] == ("immediate_fix", "software", None, "fix_immediately", True, "escalated")
    assert by_ticket[casework["fresh"].pk][2:] == ("intake", "", None, "", False, "")
    closes = Step.objects.filter(kind=Step.Kind.CLOSE)
    assert {(s.ticket_id, s.outcome) for s in closes} == {
        (casework["fixed"].pk, Step.Path.SUPPORT_FIX),
        (casework["again"].pk, Step.Path.SUPPORT_FIX),  # its first close, before the reopen
        (casework["sic"].pk, Step.Path.SIC_FIX),
    }
    escalations = {s.ticket_id: s.outcome for s in Step.objects.filter(kind=Step.Kind.ESCALATE)}
    assert escalations == {
        casework["again"].pk: Step.Answer.FIX,
        casework["sic"].pk: Step.Answer.FIX,
        casework["wish"].pk: Step.Answer.PROGRAM_REQUEST,
        casework["waiting"].pk: "",
    }
    assert Step.objects.filter(kind=Step.Kind.INQUIRY, ticket=casework["wish"]).count() == 2


def test_a_rolled_back_transition_leaves_the_facts_as_they_were(casework, support_user):
    before = (facts(), steps())
    with transaction.atomic():
        run(casework["waiting"], "fix_immediately", support_user)
        transaction.set_rollback(True)
    assert (facts(), steps()) == before


def test_a_rebuild_from_the_history_gives_the_same_facts_and_steps(casework):
    kept = (facts(), steps())
    TicketFacts.objects.all().delete()
    Step.objects.all().delete()
    out = io.StringIO()

    call_command("rebuild_report_figures", stdout=out, stderr=io.StringIO())

    assert (facts(), steps()) == kept
    assert f"Report figures rebuilt: {len(kept[0])} tickets, {len(kept[1])} steps." in out.getvalue()
