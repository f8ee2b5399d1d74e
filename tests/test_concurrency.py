"""R6 under real concurrency: two database connections racing for the same rows (PostgreSQL only).

Each writer runs in its own thread with its own Django connection. A barrier releases them
together, after each has connected, so both are inside their transaction at about the same time;
the tests assert outcomes (one wins, the other gets a Conflict, nothing lost), never timing.
"""

import threading
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.chain import verify_all
from customers import services as customer_services
from customers.models import Customer
from supportdesk.errors import Conflict
from tests.conftest import client_for
from tests.factories import CustomerFactory, create_ticket, run, ticket_in_state, transition_data
from tickets import services
from tickets.models import CallNote, State, Ticket, TicketNumberCounter
from vendor.models import ProgramRequest, VendorContact

# Two real connections racing for row locks: the SQLite test database is private to one connection.
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def race(*actions) -> list[Outcome]:
    """Run every action at once, each in its own thread on its own database connection."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Outcome | None] = [None] * len(actions)

    def worker(index, action):
        try:
            connection.ensure_connection()  # connect before the start line, not after it
            barrier.wait(timeout=30)
            outcomes[index] = Outcome(value=action())
        except BaseException as error:
            outcomes[index] = Outcome(error=error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a), daemon=True) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hangs (deadlock?)"
    return outcomes


def one_winner(outcomes: list[Outcome]) -> tuple[int, Outcome]:
    """Exactly one outcome succeeded and every other one is a Conflict with a message for a person."""
    winners = [i for i, outcome in enumerate(outcomes) if outcome.ok]
    assert len(winners) == 1, [o.error for o in outcomes]
    for outcome in outcomes:
        if not outcome.ok:
            assert isinstance(outcome.error, Conflict), repr(outcome.error)
            assert str(outcome.error.message).strip()
    return winners[0], outcomes[winners[0]]


def reasons(ticket) -> list[str]:
    return list(ticket.history.order_by("history_id").values_list("history_change_reason", flat=True))


def assert_chains_intact():
    """R11: concurrent writers did not fork any hash chain."""
    models_checked, problem = verify_all()
    assert models_checked > 0
    assert problem is None, str(problem)


def act(ticket, name, by, seen_state):
    """A transition as a person sends it: with the state they saw on their screen."""
    return services.ticket_transition(
        ticket_id=ticket.pk, name=name, by=by, data=transition_data(name, ticket), expected_state=seen_state
    )


@pytest.mark.req("R6")
def test_two_different_transitions_at_once_one_wins(support_user, management_user):
    """Both saw the ticket in triage; fix_immediately would also be allowed after escalate, so
    without expected_state the second would run on top of the first. With it, the second is refused."""
    ticket = ticket_in_state(State.TRIAGE, support_user)

    outcomes = race(
        lambda: act(ticket, "escalate", support_user, State.TRIAGE),
        lambda: act(ticket, "fix_immediately", management_user, State.TRIAGE),
    )

    winner, _ = one_winner(outcomes)
    won = ["escalate", "fix_immediately"][winner]
    ticket.refresh_from_db()
    assert ticket.state == {"escalate": State.ESCALATED, "fix_immediately": State.IMMEDIATE_FIX}[won]
    assert reasons(ticket) == ["intake", "triage", won]
    # Only the winner's effects exist: the loser rolled back completely.
    assert VendorContact.objects.filter(ticket=ticket).count() == (won == "escalate")
    assert CallNote.objects.filter(ticket=ticket).count() == (won == "fix_immediately")
    assert ticket.notifications.count() == 1
    assert_chains_intact()


@pytest.mark.req("R6")
def test_two_people_pressing_close_at_once_one_wins(support_user, management_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)

    outcomes = race(
        lambda: run(ticket, "close", support_user),
        lambda: run(ticket, "close", management_user),
    )

    one_winner(outcomes)
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert reasons(ticket).count("close") == 1
    assert_chains_intact()


@pytest.mark.req("R6")
def test_two_api_requests_on_one_ticket_one_gets_409(support_user, management_user):
    ticket = ticket_in_state(State.IMMEDIATE_FIX, support_user)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/close/"

    def press_close(user):
        return client_for(user).post(url, {"expected_state": "immediate_fix"}, format="json")

    outcomes = race(lambda: press_close(support_user), lambda: press_close(management_user))

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    responses = sorted((o.value for o in outcomes), key=lambda r: r.status_code)
    assert [r.status_code for r in responses] == [200, 409]
    assert responses[0].json()["state"] == "closed"
    assert responses[1].json()["detail"]
    ticket.refresh_from_db()
    assert reasons(ticket).count("close") == 1
    assert_chains_intact()


@pytest.mark.req("R6")
def test_two_edits_of_the_same_version_one_wins_and_nothing_is_lost(support_user, management_user):
    ticket = create_ticket(support_user)
    seen = ticket.version
    edits = [{"summary": "Rezeptdruck: Fehler 4711"}, {"caller_phone": "0211 999888"}]
    stated = {"reason": "Korrektur"}
    users = [support_user, management_user]

    outcomes = race(
        *(
            lambda data=data, user=user: services.ticket_update(
                ticket_id=ticket.pk, by=user, data={**data, **stated}, expected_version=seen
            )
            for data, user in zip(edits, users, strict=True)
        )
    )

    winner, _ = one_winner(outcomes)
    loser = 1 - winner
    ticket.refresh_from_db()
    assert ticket.version == seen + 1
    assert reasons(ticket) == ["intake", "edit: Korrektur"]
    for field, value in edits[winner].items():
        assert getattr(ticket, field) == value
    for field in edits[loser]:
        assert getattr(ticket, field) != edits[loser][field], "the refused edit must not be half-applied"

    # The loser reloads and saves again: both edits are kept.
    services.ticket_update(
        ticket_id=ticket.pk, by=users[loser], data={**edits[loser], **stated}, expected_version=seen + 1
    )
    ticket.refresh_from_db()
    for edit in edits:
        for field, value in edit.items():
            assert getattr(ticket, field) == value
    assert reasons(ticket) == ["intake", "edit: Korrektur", "edit: Korrektur"]
    assert_chains_intact()


@pytest.mark.req("R6")
def test_two_edits_of_different_fields_without_a_version_both_survive(support_user, management_user):
    ticket = create_ticket(support_user)

    outcomes = race(
        lambda: services.ticket_update(
            ticket_id=ticket.pk, by=support_user, data={"reason": "Korrektur", "summary": "Neu A"}
        ),
        lambda: services.ticket_update(
            ticket_id=ticket.pk, by=management_user, data={"reason": "Korrektur", "caller_name": "B"}
        ),
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    ticket.refresh_from_db()
    assert (ticket.summary, ticket.caller_name) == ("Neu A", "B")
    assert ticket.version == 3
    assert_chains_intact()


@pytest.mark.req("R6")
def test_concurrent_intake_gets_consecutive_numbers_without_a_gap(support_user, management_user):
    customer = CustomerFactory()
    users = [support_user, management_user] * 4

    outcomes = race(*(lambda user=user: create_ticket(user, customer=customer) for user in users))

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    year = timezone.localtime().year
    numbers = sorted(o.value.number for o in outcomes)
    assert numbers == [f"{year}-{n:06d}" for n in range(1, 9)]
    assert sorted(Ticket.objects.values_list("number", flat=True)) == numbers
    assert TicketNumberCounter.objects.get(year=year).last == 8
    assert_chains_intact()


@pytest.mark.req("R6")
def test_an_intake_that_fails_after_taking_a_number_leaves_no_gap(support_user, monkeypatch):
    """A ticket whose save fails gives its number back: the counter rolls back with it."""
    customer = CustomerFactory()
    real_save = services.save_audited

    def save_or_fail(obj, **kwargs):
        if isinstance(obj, Ticket) and obj.summary == "scheitert":
            assert obj.number  # the number was taken inside the transaction
            raise RuntimeError("disk full")
        return real_save(obj, **kwargs)

    monkeypatch.setattr(services, "save_audited", save_or_fail)
    summaries = ["eins", "scheitert", "drei", "vier", "scheitert", "sechs"]

    outcomes = race(
        *(lambda s=s: create_ticket(support_user, customer=customer, summary=s) for s in summaries)
    )

    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 2 and all(isinstance(o.error, RuntimeError) for o in failed)
    year = timezone.localtime().year
    assert sorted(Ticket.objects.values_list("number", flat=True)) == [f"{year}-{n:06d}" for n in range(1, 5)]
    assert TicketNumberCounter.objects.get(year=year).last == 4


def linked_tickets(by, count=2):
    """`count` tickets in program_request, all linked to one ProgramRequest."""
    first = ticket_in_state(State.PROGRAM_REQUEST, by)
    tickets = [first]
    for _ in range(count - 1):
        ticket = ticket_in_state(State.ESCALATED, by)
        data = {**transition_data("register_program_request"), "program_request": first.program_request_id}
        tickets.append(run(ticket, "register_program_request", by, **data))
    return first.program_request, tickets


@pytest.mark.req("R6")
@pytest.mark.req("R5")
def test_realizing_one_shared_request_from_two_tickets_at_once_one_wins(support_user, management_user):
    program_request, (first, second) = linked_tickets(support_user)

    outcomes = race(
        lambda: run(first, "realize", support_user),
        lambda: run(second, "realize", management_user),
    )

    one_winner(outcomes)
    program_request.refresh_from_db()
    assert program_request.state == ProgramRequest.State.REALIZED
    assert program_request.realized_release == "12.4"
    assert list(program_request.history.values_list("history_change_reason", flat=True)).count("realize") == 1
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.state == State.REALIZED
        assert reasons(ticket).count("realize") == 1
    assert_chains_intact()


@pytest.mark.req("R6")
@pytest.mark.req("R5")
def test_deciding_a_request_and_realizing_it_via_a_ticket_at_once_one_wins(support_user, management_user):
    program_request, tickets = linked_tickets(support_user, count=3)

    outcomes = race(
        lambda: services.program_request_transition(
            program_request_id=program_request.pk,
            name="reject",
            by=management_user,
            data=transition_data("reject"),
        ),
        lambda: run(tickets[1], "realize", support_user),
    )

    winner, _ = one_winner(outcomes)
    expected = [State.REJECTED, State.REALIZED][winner]
    program_request.refresh_from_db()
    assert program_request.state == expected
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.state == expected
        assert reasons(ticket)[-2:] == ["register_program_request", ["reject", "realize"][winner]]
    assert_chains_intact()


@pytest.mark.req("R6")
@pytest.mark.req("R5")
def test_a_follow_up_racing_a_realize_is_never_lost_or_left_behind(support_user, management_user):
    _, (first, second) = linked_tickets(support_user)

    outcomes = race(
        lambda: run(first, "realize", support_user),
        lambda: run(second, "follow_up", management_user),
    )

    assert outcomes[0].ok, outcomes[0].error
    # Either the follow-up came first (and realize moved the ticket after it), or it came too late.
    assert outcomes[1].ok or isinstance(outcomes[1].error, Conflict), repr(outcomes[1].error)
    second.refresh_from_db()
    assert second.state == State.REALIZED
    history = reasons(second)
    assert history.count("realize") == 1
    if outcomes[1].ok:
        assert history[-2:] == ["follow_up", "realize"]
        assert second.vendor_contacts.filter(kind=VendorContact.Kind.INQUIRY).count() == 1
    else:
        assert "follow_up" not in history
        assert not second.vendor_contacts.filter(kind=VendorContact.Kind.INQUIRY).exists()
    assert_chains_intact()


@pytest.mark.req("R6")
@pytest.mark.req("R5")
def test_linking_a_ticket_while_its_request_is_realized_never_strands_it(support_user, management_user):
    program_request, (first,) = linked_tickets(support_user, count=1)
    late = ticket_in_state(State.ESCALATED, support_user)
    link = {**transition_data("register_program_request"), "program_request": program_request.pk}

    outcomes = race(
        lambda: run(first, "realize", support_user),
        lambda: run(late, "register_program_request", management_user, **link),
    )

    assert outcomes[0].ok, outcomes[0].error
    late.refresh_from_db()
    if outcomes[1].ok:  # linked first: the decision moved it along
        assert late.state == State.REALIZED
        assert reasons(late)[-2:] == ["register_program_request", "realize"]
    else:  # came too late: refused, the ticket stays where it was
        assert isinstance(outcomes[1].error, Conflict), repr(outcomes[1].error)
        assert late.state == State.ESCALATED
        assert late.program_request_id is None
    assert not Ticket.objects.filter(program_request=program_request, state=State.PROGRAM_REQUEST).exists()
    assert_chains_intact()


@pytest.mark.req("R11")
def test_concurrent_writers_on_one_object_do_not_fork_its_chain(support_user, management_user):
    """Many writers append to the same chains at once (customer, ticket); every chain still verifies."""
    customer = customer_services.customer_create(
        by=support_user, data={"customer_number": "K-77", "name": "Sanitätshaus Rhein", "city": "Neuss"}
    )
    ticket = ticket_in_state(State.TRIAGE, support_user, customer=customer)

    def note(i):
        return services.ticket_add_call_note(
            ticket_id=ticket.pk, by=support_user, data={"direction": "outbound", "text": f"Rückruf {i}"}
        )

    outcomes = race(
        lambda: customer_services.customer_update(
            customer_id=customer.pk, by=support_user, data={"notes": "Filiale Nord", "reason": "Filiale"}
        ),
        lambda: customer_services.customer_update(
            customer_id=customer.pk, by=management_user, data={"street": "Hafenstraße 1", "reason": "Umzug"}
        ),
        lambda: services.ticket_update(
            ticket_id=ticket.pk, by=support_user, data={"reason": "Korrektur", "summary": "A"}
        ),
        lambda: services.ticket_update(
            ticket_id=ticket.pk, by=management_user, data={"reason": "Korrektur", "description": "B"}
        ),
        lambda: run(ticket, "flag_risk", management_user),
        lambda: note(1),
        lambda: note(2),
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.history.count() == 3
    assert (customer.notes, customer.street) == ("Filiale Nord", "Hafenstraße 1"), "an edit was lost"
    ticket.refresh_from_db()
    assert sorted(reasons(ticket)) == sorted(
        ["intake", "triage", "edit: Korrektur", "edit: Korrektur", "flag_risk"]
    )
    assert (ticket.summary, ticket.description, ticket.risk_relevant) == ("A", "B", True)
    assert_chains_intact()
