"""Every write on known solutions: atomic, audited, the same for the pages and the API."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts import roles
from audit import reasons
from audit.history import save_audited
from solutions.forms import TRANSITION_FORMS, KnownSolutionForm
from solutions.models import KnownSolution
from supportdesk.forms import validated
from workflow.edits import correct
from workflow.machines import Machine, register

READ_ONLY = gettext_lazy("Ihre Rolle darf bekannte Lösungen nur lesen.")
STALE = gettext_lazy("Die bekannte Lösung wurde inzwischen von jemand anderem geändert. Bitte neu laden.")

reasons.register(
    {
        "solution_create": gettext_lazy("Bekannte Lösung angelegt"),
        "solution_edit": gettext_lazy("Bekannte Lösung geändert"),
    }
)

SOLUTIONS = register(Machine(KnownSolution, forms=TRANSITION_FORMS, denied=READ_ONLY, stale=STALE))


def solution_create(*, by, data, state=KnownSolution.State.ACTIVE, source_ticket=None) -> KnownSolution:
    roles.require(roles.can_work, by, READ_ONLY)
    fields = validated(KnownSolutionForm(data))
    with transaction.atomic():
        solution = KnownSolution(state=state, created_by=by, source_ticket=source_ticket, **fields)
        save_audited(solution, by=by, reason="solution_create")
    return solution


def solution_update(*, solution_id, by, data, expected_version=None) -> KnownSolution:
    """Edit; refused with 409 when based on an old version, so no edit is silently lost (R6)."""
    roles.require(roles.can_work, by, READ_ONLY)
    return correct(
        KnownSolution,
        solution_id,
        form=KnownSolutionForm,
        by=by,
        data=data,
        reason="solution_edit",
        stale=STALE,
        expected_version=expected_version,
    )


def solution_transition(*, solution_id, name, by, data, expected_state=None) -> KnownSolution:
    """publish, retire or reactivate; the reason on the history row is the step's name."""
    return SOLUTIONS.run(solution_id, name, by=by, data=data, expected_state=expected_state)


def mark_fixed_by_program_request(program_request, *, by) -> list[KnownSolution]:
    """SIC realized the program request: its known solutions say "behoben in Version X".

    The caller holds the program request's lock."""
    fixed = list(
        program_request.known_solutions.select_for_update()
        .exclude(state=KnownSolution.State.RETIRED)
        .order_by("pk")
    )
    for solution in fixed:
        solution.mark_fixed(program_request.realized_release)
        save_audited(solution, by=by, reason="realize")
    return fixed
