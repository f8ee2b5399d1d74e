"""`manage.py seed_demo`: demo users, customers and tickets in every state, made through the services."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import roles
from customers.models import Customer
from solutions import selectors
from solutions.models import KnownSolution
from tickets.models import ResolutionKind, RiskReview, State, Ticket
from vendor.models import ProgramRequest

DEMO_USERS = {
    "support": roles.SUPPORT,
    "leitung": roles.MANAGEMENT,
    "qmb": roles.QMB,
    "prozess": roles.PROCESS_MANAGER,
    "admin": roles.ADMIN,
}


@pytest.fixture(autouse=True)
def development(settings):
    """pytest-django runs with DEBUG off; seed_demo is meant for a development system."""
    settings.DEBUG = True
    return settings


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    """The password table: | user | role | name | password |."""
    rows = re.findall(r"^\| (\w+)\s+\| (\w+)\s+\| [^|]+\| (\S+)\s+\|$", output, re.MULTILINE)
    return {user: password for user, role, password in rows if user != "User"}


@pytest.mark.django_db
def test_it_creates_tickets_in_every_state_and_closes_them_through_several_paths():
    seed()
    states = set(Ticket.objects.values_list("state", flat=True))
    assert states == set(State.values)
    assert Customer.objects.count() in range(6, 9)
    assert all(c.contacts.exists() and c.phone and c.city for c in Customer.objects.all())
    closed = Ticket.objects.filter(state=State.CLOSED)
    # Support's own fix, SIC's immediate solution, a rejected and a realized program request.
    assert {"user_error", "vendor_solution"} <= set(closed.values_list("resolution_kind", flat=True))
    decided = set(closed.exclude(program_request=None).values_list("program_request__state", flat=True))
    assert decided == {ProgramRequest.State.REALIZED, ProgramRequest.State.REJECTED}
    # A closed ticket was reopened and is back in triage.
    assert Ticket.history.filter(history_change_reason="reopen").exists()


@pytest.mark.django_db
def test_it_puts_each_demo_user_in_the_right_role():
    seed()
    User = get_user_model()
    for username, role in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.email == f"{username}@example.com"
        assert user.first_name and user.last_name
        if role == roles.ADMIN:
            assert user.is_superuser and user.is_staff
            assert not user.groups.exists()
        else:
            assert list(user.groups.values_list("name", flat=True)) == [role]
            assert not user.is_superuser and not user.is_staff
    assert User.objects.count() == len(DEMO_USERS)


@pytest.mark.django_db
def test_it_leaves_a_risk_review_pending_and_a_due_follow_up():
    seed()
    pending = RiskReview.objects.filter(state=RiskReview.State.PENDING)
    assert pending.count() == 1
    assert pending.get().ticket.state != State.CLOSED
    assert RiskReview.objects.filter(state=RiskReview.State.SIGNED, reviewer__username="leitung").exists()
    assert Ticket.objects.filter(
        state=State.PROGRAM_REQUEST, follow_up_date__lte=timezone.localdate()
    ).exists()


@pytest.mark.django_db
def test_it_shares_one_program_request_between_two_tickets():
    seed()
    shared = [pr for pr in ProgramRequest.objects.all() if pr.tickets.count() >= 2]
    assert len(shared) == 1
    tickets = shared[0].tickets.all()
    assert {t.state for t in tickets} == {State.PROGRAM_REQUEST}
    assert len({t.customer_id for t in tickets}) == 2


@pytest.mark.django_db
def test_it_records_every_write_with_a_user_and_reason_and_the_audit_trail_verifies():
    seed()
    rows = Ticket.history.all()
    assert rows.filter(history_user=None).count() == 0
    assert set(rows.values_list("history_user__username", flat=True)) <= {"support", "leitung"}
    assert rows.filter(history_change_reason="intake").count() == Ticket.objects.count()
    assert Customer.history.filter(history_user__username="support").count() == Customer.objects.count()
    out = StringIO()
    call_command("verify_audit_trail", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.django_db
def test_it_fills_the_knowledge_base_and_solves_calls_with_it():
    seed()
    solutions = KnownSolution.objects.all()
    assert solutions.count() in range(10, 16)
    assert solutions.filter(state=KnownSolution.State.RETIRED).count() == 1
    assert solutions.filter(state=KnownSolution.State.ACTIVE).count() >= 10
    known_bug = solutions.get(program_request__isnull=False)
    assert known_bug.program_request.state == ProgramRequest.State.OPEN
    assert known_bug.state == KnownSolution.State.ACTIVE
    # Calls solved at once with a known solution: the usage counts are not zero.
    solved = Ticket.objects.exclude(known_solution=None)
    assert set(solved.values_list("resolution_kind", flat=True)) == {ResolutionKind.KNOWN_WORKAROUND}
    assert {State.IMMEDIATE_FIX, State.CLOSED} <= set(solved.values_list("state", flat=True))
    used = selectors.usage_counts(solutions.values_list("pk", flat=True))
    assert used[solutions.get(title="Rezept wird nicht gedruckt").pk] == 2
    assert sum(used.values()) == solved.count() >= 4
    # Made through the services: a history row with a user and a reason for every write.
    rows = KnownSolution.history.all()
    assert rows.filter(history_user=None).count() == 0
    assert set(rows.values_list("history_change_reason", flat=True)) == {
        "solution_create",
        "retire",
        "solution_edit",
    }


@pytest.mark.django_db
def test_typing_the_demo_call_suggests_the_rezept_solution_in_the_first_three():
    seed()
    suggested = selectors.suggested_solutions("Rezept druckt nicht")
    assert "Rezept wird nicht gedruckt" in [solution.title for solution in suggested[:3]]
    assert all(solution.state == KnownSolution.State.ACTIVE for solution in suggested)


@pytest.mark.django_db
def test_it_prints_each_password_once_and_they_work():
    output = seed()
    passwords = printed_passwords(output)
    assert set(passwords) == set(DEMO_USERS)
    for username, password in passwords.items():
        assert get_user_model().objects.get(username=username).check_password(password)
    assert "changepassword" in output

    again = seed("--if-empty")
    assert not any(password in again for password in passwords.values())
    assert "changepassword" in again


@pytest.mark.django_db
def test_if_empty_creates_nothing_the_second_time():
    seed("--if-empty")
    counts = (get_user_model().objects.count(), Customer.objects.count(), Ticket.objects.count())
    history = Ticket.history.count()
    output = seed("--if-empty")
    assert "exists" in output
    assert (get_user_model().objects.count(), Customer.objects.count(), Ticket.objects.count()) == counts
    assert Ticket.history.count() == history


@pytest.mark.django_db
def test_if_empty_does_nothing_when_any_user_exists(support_user):
    output = seed("--if-empty")
    assert "exists" in output
    assert not Ticket.objects.exists()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_without_if_empty_it_refuses_to_seed_twice():
    seed()
    with pytest.raises(CommandError, match="exist already"):
        seed()
    assert get_user_model().objects.count() == len(DEMO_USERS)


@pytest.mark.django_db
def test_it_refuses_when_debug_is_off(development):
    development.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed("--if-empty")
    assert not get_user_model().objects.exists()
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_force_runs_it_with_debug_off(development):
    development.DEBUG = False
    seed("--force")
    assert set(Ticket.objects.values_list("state", flat=True)) == set(State.values)


@pytest.mark.django_db
@pytest.mark.req("R21")
def test_the_demo_work_instruction_is_in_force_authored_by_the_process_manager_approved_by_the_qmb():
    from instructions.models import WorkInstructionRevision
    from instructions.selectors import revision_in_force

    seed()
    revision = revision_in_force()
    assert revision.number == 1
    assert [(s["meaning"], s["user"].username) for s in revision.signatures] == [
        ("authored", "prozess"),
        ("approved", "qmb"),
    ]
    assert "Telefon-Support" in revision.title and "Programmwunsch" in revision.text
    assert "Erste Ausgabe für die MCS MediCall-Solutions GmbH" in revision.change_summary
    assert WorkInstructionRevision.objects.count() == 1
