"""The services behind known solutions (issue 5): retired, never deleted; a history row with user and
reason for every change, in an intact hash chain; drafts from solved tickets; realized program
requests; the known solution recorded on an immediate fix and counted; concurrent edits (R6)."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.chain import verify_model
from audit.models import DeletionRefused
from solutions import selectors, services
from solutions.models import KnownSolution
from supportdesk.errors import Conflict, InvalidData
from tests.conftest import client_for
from tests.factories import run, ticket_in_state
from tests.test_concurrency import one_winner, race
from tests.test_solutions_api import LICENCE, PRINTER, create_solution, solved_with
from tickets import services as ticket_services
from tickets.models import ResolutionKind, State, Ticket
from vendor.models import ProgramRequest


def rows(solution) -> list[tuple]:
    """(user, reason, status) of each history row, oldest first."""
    return [
        (row.history_user, row.history_change_reason, row.state)
        for row in solution.history.order_by("history_id").select_related("history_user")
    ]


def retire(solution, by, reason="Durch eine neuere Lösung ersetzt."):
    return services.solution_transition(
        solution_id=solution.pk, name="retire", by=by, data={"reason": reason}
    )


# --- retired, never deleted; history; hash chain -----------------------------------------------------


@pytest.mark.req("R7")
@pytest.mark.django_db
def test_retiring_keeps_the_solution_and_it_can_never_be_deleted(support_user):
    solution = create_solution(support_user)

    retire(solution, support_user, "Ab Version 13.0 behoben.")

    solution = KnownSolution.objects.get(pk=solution.pk)
    assert (solution.state, solution.retired_reason, solution.title) == (
        "retired",
        "Ab Version 13.0 behoben.",
        LICENCE["title"],
    )
    with pytest.raises(DeletionRefused):
        solution.delete()
    with pytest.raises(DeletionRefused):
        KnownSolution.objects.filter(pk=solution.pk).delete()
    with pytest.raises(DeletionRefused):
        KnownSolution.objects.all().delete()
    with pytest.raises(DeletionRefused):
        solution.history.first().delete()
    with pytest.raises(TypeError):  # a bulk update would write no history row
        KnownSolution.objects.filter(pk=solution.pk).update(state="active")
    assert KnownSolution.objects.filter(pk=solution.pk).exists()
    assert solution.history.count() == 2


@pytest.mark.req("R9")
@pytest.mark.django_db
def test_every_change_has_a_history_row_with_user_and_reason(support_user, management_user, admin_user):
    solution = create_solution(support_user, KnownSolution.State.DRAFT)
    services.solution_update(
        solution_id=solution.pk, by=management_user, data={"cause": "Lizenzdatei nicht erneuert."}
    )
    services.solution_transition(solution_id=solution.pk, name="publish", by=admin_user, data={})
    retire(solution, management_user)
    services.solution_transition(solution_id=solution.pk, name="reactivate", by=support_user, data={})

    assert rows(solution) == [
        (support_user, "solution_create", "draft"),
        (management_user, "solution_edit", "draft"),
        (admin_user, "publish", "active"),
        (management_user, "retire", "retired"),
        (support_user, "reactivate", "active"),
    ]
    history = list(solution.history.order_by("history_id"))
    assert history[1].cause == "Lizenzdatei nicht erneuert."
    assert history[3].retired_reason == "Durch eine neuere Lösung ersetzt."
    assert history[4].retired_reason == ""
    assert [row.version for row in history] == [1, 2, 3, 4, 5]


@pytest.mark.req("R11")
@pytest.mark.django_db
def test_the_hash_chain_of_known_solutions_verifies(support_user, management_user):
    first = create_solution(support_user)
    second = services.solution_create(by=management_user, data=PRINTER)
    services.solution_update(solution_id=first.pk, by=management_user, data={"title": "Lizenz weg"})
    retire(second, support_user)

    assert verify_model(KnownSolution) is None
    second.refresh_from_db()
    assert second.audit_head == second.history.order_by("-history_id").first().history_hash


@pytest.mark.req("R8")
@pytest.mark.django_db
def test_the_qmb_may_not_change_known_solutions(support_user, qmb_user):
    solution = create_solution(support_user)
    with pytest.raises(PermissionDenied):
        services.solution_create(by=qmb_user, data=PRINTER)
    with pytest.raises(PermissionDenied):
        services.solution_update(solution_id=solution.pk, by=qmb_user, data={"title": "QMB"})
    with pytest.raises(PermissionDenied):
        retire(solution, qmb_user)
    assert services.SOLUTIONS.available(solution, qmb_user) == []
    assert rows(solution) == [(support_user, "solution_create", "active")]


@pytest.mark.req("R6")
@pytest.mark.django_db
def test_an_edit_on_an_old_version_or_a_step_in_the_wrong_status_is_a_conflict(support_user):
    solution = create_solution(support_user)
    services.solution_update(
        solution_id=solution.pk, by=support_user, data={"cause": "neu"}, expected_version=1
    )
    with pytest.raises(Conflict):
        services.solution_update(
            solution_id=solution.pk, by=support_user, data={"cause": "alt"}, expected_version=1
        )
    with pytest.raises(Conflict):
        services.solution_transition(solution_id=solution.pk, name="publish", by=support_user, data={})
    with pytest.raises(Conflict):
        services.solution_transition(
            solution_id=solution.pk, name="reactivate", by=support_user, data={}, expected_state="retired"
        )
    with pytest.raises(InvalidData):
        services.solution_update(solution_id=solution.pk, by=support_user, data={"kind": "bug"})
    solution.refresh_from_db()
    assert (solution.cause, solution.version, solution.state) == ("neu", 2, "active")


# --- from a solved ticket to a draft -------------------------------------------------------------------


def fixed_ticket(by, resolution_kind=ResolutionKind.CONFIGURATION_ERROR, **fields):
    ticket = ticket_in_state(
        State.TRIAGE,
        by,
        summary="Rezeptdruck bricht mit Fehler 4711 ab",
        description="Beim Kassenrezept erscheint Fehler 4711, der Druck bricht ab.",
    )
    return run(
        ticket,
        "fix_immediately",
        by,
        resolution_kind=resolution_kind,
        solution="Druckertreiber im Arbeitsplatz-Setup neu zuweisen.",
        **fields,
    )


@pytest.mark.django_db
def test_a_solved_ticket_becomes_a_draft_known_solution(support_user, management_user):
    ticket = fixed_ticket(support_user)
    ticket = run(ticket, "close", support_user)
    assert ticket_services.can_become_known_solution(ticket)

    draft = ticket_services.solution_draft_from_ticket(ticket_id=ticket.pk, by=management_user)

    assert (draft.title, draft.symptoms, draft.solution) == (
        ticket.summary,
        ticket.description,
        ticket.solution,
    )
    assert (draft.state, draft.kind, draft.category) == ("draft", "configuration", "software")
    assert (draft.source_ticket, draft.created_by, draft.cause) == (ticket, management_user, "")
    assert rows(draft) == [(management_user, "solution_create", "draft")]
    # not yet offered during calls: only active solutions are suggested
    assert draft not in selectors.suggested_solutions("Rezeptdruck Fehler 4711")
    services.solution_transition(solution_id=draft.pk, name="publish", by=support_user, data={})
    assert draft in selectors.suggested_solutions("Rezeptdruck Fehler 4711")


@pytest.mark.django_db
def test_a_ticket_becomes_a_known_solution_once(support_user, management_user):
    """A double click or a second person: one draft per ticket, the second is told which one exists."""
    ticket = fixed_ticket(support_user)
    draft = ticket_services.solution_draft_from_ticket(ticket_id=ticket.pk, by=support_user)

    with pytest.raises(Conflict) as refused:
        ticket_services.solution_draft_from_ticket(ticket_id=ticket.pk, by=management_user)

    assert str(draft) in str(refused.value.message)
    assert list(KnownSolution.objects.all()) == [draft]


@pytest.mark.django_db
@pytest.mark.parametrize("state", [State.INTAKE, State.TRIAGE, State.ESCALATED, State.PROGRAM_REQUEST])
def test_an_unsolved_ticket_does_not_become_a_known_solution(support_user, state):
    ticket = ticket_in_state(state, support_user)
    assert not ticket_services.can_become_known_solution(ticket)
    with pytest.raises(Conflict):
        ticket_services.solution_draft_from_ticket(ticket_id=ticket.pk, by=support_user)
    assert KnownSolution.objects.count() == 0


@pytest.mark.django_db
def test_a_ticket_solved_with_a_known_solution_is_not_saved_again_and_the_qmb_saves_none(
    support_user, qmb_user
):
    known = create_solution(support_user)
    ticket = fixed_ticket(support_user, ResolutionKind.KNOWN_WORKAROUND, known_solution=known.pk)
    with pytest.raises(Conflict):
        ticket_services.solution_draft_from_ticket(ticket_id=ticket.pk, by=support_user)
    with pytest.raises(PermissionDenied):
        ticket_services.solution_draft_from_ticket(ticket_id=fixed_ticket(support_user).pk, by=qmb_user)
    assert KnownSolution.objects.count() == 1


# --- a realized program request fixes its known solutions ---------------------------------------------


@pytest.mark.django_db
def test_realizing_a_program_request_marks_its_known_solutions_fixed(support_user, management_user):
    ticket = ticket_in_state(State.PROGRAM_REQUEST, support_user)
    pr = ticket.program_request
    linked = create_solution(support_user, kind="workaround", program_request=pr.pk, title="Bekannter Fehler")
    retired = create_solution(support_user, kind="workaround", program_request=pr.pk, title="Alter Weg")
    retire(retired, support_user)
    other = create_solution(support_user, kind="workaround", title="Anderer Fehler")
    versions = dict(KnownSolution.objects.values_list("pk", "version"))

    ticket_services.program_request_transition(
        program_request_id=pr.pk, name="realize", by=management_user, data={"release": "5.1"}
    )

    linked.refresh_from_db()
    assert (linked.kind, linked.fixed_in_version, linked.state) == ("fixed_in_release", "5.1", "active")
    assert rows(linked)[-1] == (management_user, "realize", "active")
    assert linked.get_kind_display() == "in einer Version behoben"
    for untouched in (retired, other):
        untouched.refresh_from_db()
        assert (untouched.kind, untouched.fixed_in_version) == ("workaround", "")
        assert untouched.version == versions[untouched.pk]
    assert retired.state == "retired"
    assert ProgramRequest.objects.get(pk=pr.pk).state == ProgramRequest.State.REALIZED
    assert Ticket.objects.get(pk=ticket.pk).state == State.REALIZED
    assert verify_model(KnownSolution) is None


# --- used on an immediate fix, and counted -------------------------------------------------------------


@pytest.mark.django_db
def test_an_immediate_fix_records_the_known_solution_and_it_is_counted(support_user):
    known = services.solution_create(by=support_user, data=PRINTER)
    other = create_solution(support_user)
    ticket = ticket_in_state(State.TRIAGE, support_user)

    ticket = ticket_services.ticket_transition(
        ticket_id=ticket.pk,
        name="fix_immediately",
        by=support_user,
        data={
            "resolution_kind": "known_workaround",
            "solution": known.solution,
            "known_solution": known.pk,
        },
    )

    assert (ticket.state, ticket.known_solution, ticket.resolution_kind) == (
        State.IMMEDIATE_FIX,
        known,
        "known_workaround",
    )
    last = ticket.history.order_by("-history_id").first()
    assert (last.history_change_reason, last.known_solution_id) == ("fix_immediately", known.pk)
    solved_with(known, support_user, count=2)
    assert selectors.usage_counts([known.pk, other.pk]) == {known.pk: 3}
    assert {s.pk: s.times_used for s in selectors.with_usage([known, other])} == {known.pk: 3, other.pk: 0}


@pytest.mark.req("R4")
@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "retired"])
def test_a_draft_or_retired_solution_is_refused_for_an_immediate_fix(support_user, status):
    solution = create_solution(support_user, KnownSolution.State.DRAFT if status == "draft" else "active")
    if status == "retired":
        retire(solution, support_user)
    ticket = ticket_in_state(State.TRIAGE, support_user)
    data = {"resolution_kind": "known_workaround", "solution": "Lizenz neu", "known_solution": solution.pk}

    with pytest.raises(InvalidData) as refused:
        ticket_services.ticket_transition(
            ticket_id=ticket.pk, name="fix_immediately", by=support_user, data=data
        )
    assert set(refused.value.form.errors) == {"known_solution"}

    response = client_for(support_user).post(
        f"/api/v1/tickets/{ticket.pk}/transitions/fix_immediately/", data, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "known_solution": ["Diese bekannte Lösung gibt es nicht oder sie ist nicht aktiv."]
    }
    ticket.refresh_from_db()
    assert (ticket.state, ticket.known_solution_id) == (State.TRIAGE, None)
    assert selectors.usage_counts([solution.pk]) == {}


# --- concurrent edits on PostgreSQL (R6) ---------------------------------------------------------------


@pytest.mark.req("R6")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_edits_of_the_same_version_one_wins_and_nothing_is_lost(support_user, management_user):
    solution = services.solution_create(by=support_user, data=PRINTER)
    seen = solution.version
    edits = [{"title": "Kassenrezept druckt nicht"}, {"cause": "Rezeptdrucker nach Update nicht zugewiesen."}]
    users = [support_user, management_user]

    outcomes = race(
        *(
            lambda data=data, user=user: services.solution_update(
                solution_id=solution.pk, by=user, data=data, expected_version=seen
            )
            for data, user in zip(edits, users, strict=True)
        )
    )

    winner, _ = one_winner(outcomes)
    loser = 1 - winner
    solution.refresh_from_db()
    assert solution.version == seen + 1
    assert [reason for _, reason, _ in rows(solution)] == ["solution_create", "solution_edit"]
    for field, value in edits[winner].items():
        assert getattr(solution, field) == value
    for field, value in edits[loser].items():
        assert getattr(solution, field) != value, "the refused edit must not be half-applied"

    # The loser reloads and saves again: both edits are kept.
    services.solution_update(
        solution_id=solution.pk, by=users[loser], data=edits[loser], expected_version=seen + 1
    )
    solution.refresh_from_db()
    for edit in edits:
        for field, value in edit.items():
            assert getattr(solution, field) == value
    assert [user for user, _, _ in rows(solution)] == [support_user, users[winner], users[loser]]
    assert verify_model(KnownSolution) is None


@pytest.mark.req("R6")
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_retires_at_once_give_one_and_an_edit_racing_a_step_keeps_both(support_user, management_user):
    solution = services.solution_create(by=support_user, data=PRINTER)

    outcomes = race(
        lambda: retire(solution, support_user, "Ersetzt durch L-2."),
        lambda: retire(solution, management_user, "Ab 13.0 behoben."),
    )

    winner, _ = one_winner(outcomes)
    solution.refresh_from_db()
    assert solution.state == "retired"
    assert solution.retired_reason == ["Ersetzt durch L-2.", "Ab 13.0 behoben."][winner]
    assert [reason for _, reason, _ in rows(solution)] == ["solution_create", "retire"]

    # an edit without a version and a step run one after the other on the locked row: both kept
    outcomes = race(
        lambda: services.solution_update(solution_id=solution.pk, by=support_user, data={"cause": "Treiber"}),
        lambda: services.solution_transition(
            solution_id=solution.pk, name="reactivate", by=management_user, data={}
        ),
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    solution.refresh_from_db()
    assert (solution.state, solution.cause, solution.version) == ("active", "Treiber", 4)
    assert verify_model(KnownSolution) is None
