"""Every write on known solutions: atomic, audited, the same for the pages and the API."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from accounts import roles
from audit.history import save_audited
from solutions.forms import TRANSITION_FORMS, KnownSolutionForm
from solutions.models import KnownSolution
from supportdesk.errors import Conflict, InvalidData
from tickets.models import ResolutionKind, State, Ticket

STALE = _("Die bekannte Lösung wurde inzwischen von jemand anderem geändert. Bitte neu laden.")

# Tickets whose solution is worth keeping: solved at once, by support or by SIC.
SOLVED_STATES = (State.IMMEDIATE_FIX, State.CLOSED)


def require_edit_role(user) -> None:
    if not roles.can_work(user):
        raise PermissionDenied(_("Ihre Rolle darf bekannte Lösungen nur lesen."))


def validated(form):
    if not form.is_valid():
        raise InvalidData(form)
    return form.cleaned_data


def transition_named(name: str):
    for t in KnownSolution._meta.get_field("status").get_all_transitions(KnownSolution):
        if t.name == name:
            return t
    raise LookupError(name)


def transition_label(name: str) -> str:
    return str(transition_named(name).custom["label"])


def available_transitions(solution: KnownSolution, user) -> list[str]:
    allowed = {
        t.name
        for t in solution.get_all_status_transitions()
        if t.source == solution.status and t.has_perm(solution, user)
    }
    return [name for name in TRANSITION_FORMS if name in allowed]


def solution_create(*, by, data, status=KnownSolution.Status.ACTIVE, source_ticket=None) -> KnownSolution:
    require_edit_role(by)
    fields = validated(KnownSolutionForm(data))
    with transaction.atomic():
        solution = KnownSolution(status=status, created_by=by, source_ticket=source_ticket, **fields)
        save_audited(solution, by=by, reason="solution_create")
    return solution


def solution_update(*, solution_id, by, data, expected_version=None) -> KnownSolution:
    """Edit; refused with 409 when based on an old version, so no edit is silently lost (R6)."""
    require_edit_role(by)
    with transaction.atomic():
        solution = KnownSolution.objects.select_for_update().get(pk=solution_id)
        if expected_version is not None and expected_version != solution.version:
            raise Conflict(STALE)
        fields = validated(KnownSolutionForm({**KnownSolutionForm.current_values(solution), **data}))
        for name, value in fields.items():
            setattr(solution, name, value)
        save_audited(solution, by=by, reason="solution_edit")
    return solution


def solution_transition(*, solution_id, name, by, data, expected_status=None) -> KnownSolution:
    """publish, retire or reactivate; the reason on the history row is the step's name."""
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        raise LookupError(name)
    with transaction.atomic():
        solution = KnownSolution.objects.select_for_update().get(pk=solution_id)
        if not transition_named(name).has_perm(solution, by):
            raise PermissionDenied(_("Ihre Rolle darf bekannte Lösungen nur lesen."))
        method = getattr(solution, name)
        if (expected_status and expected_status != solution.status) or not can_proceed(method):
            raise Conflict(
                _("„%(step)s“ ist im Status „%(state)s“ nicht möglich.")
                % {"step": transition_label(name), "state": solution.get_status_display()}
            )
        method(**validated(form_class(data)))
        try:
            save_audited(solution, by=by, reason=name)
        except ConcurrentTransition as error:
            raise Conflict(STALE) from error
    return solution


def draft_values(ticket: Ticket) -> dict:
    """A known solution's fields taken from a solved ticket."""
    kind = {
        ResolutionKind.USER_ERROR: KnownSolution.Kind.USER_ERROR,
        ResolutionKind.CONFIGURATION_ERROR: KnownSolution.Kind.CONFIGURATION,
        ResolutionKind.QUESTION_ANSWERED: KnownSolution.Kind.ANSWER,
    }.get(ticket.resolution_kind, KnownSolution.Kind.WORKAROUND)
    return {
        "title": ticket.summary,
        "symptoms": ticket.description,
        "cause": "",
        "solution": ticket.solution,
        "kind": kind,
        "category": ticket.category,
        "program_request": ticket.program_request_id,
    }


def can_become_known_solution(ticket: Ticket) -> bool:
    return ticket.state in SOLVED_STATES and bool(ticket.solution) and ticket.known_solution_id is None


def solution_draft_from_ticket(*, ticket_id, by) -> KnownSolution:
    """ "Als bekannte Lösung speichern": a draft from the ticket's description and solution,
    to be edited and published. Once per ticket: the ticket's row lock keeps a double click to one."""
    require_edit_role(by)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        if not can_become_known_solution(ticket):
            raise Conflict(_("Nur ein gelöster Vorgang mit eigener Lösung wird zur bekannten Lösung."))
        made = KnownSolution.objects.filter(source_ticket=ticket).order_by("pk").first()
        if made is not None:
            raise Conflict(
                _("Aus diesem Vorgang wurde bereits die bekannte Lösung %(solution)s gemacht.")
                % {"solution": made}
            )
        return solution_create(
            by=by, data=draft_values(ticket), status=KnownSolution.Status.DRAFT, source_ticket=ticket
        )


def mark_fixed_by_program_request(program_request, *, by) -> list[KnownSolution]:
    """SIC realized the program request: its known solutions say "behoben in Version X".

    The caller holds the program request's lock."""
    fixed = list(
        program_request.known_solutions.select_for_update()
        .exclude(status=KnownSolution.Status.RETIRED)
        .order_by("pk")
    )
    for solution in fixed:
        solution.mark_fixed(program_request.realized_release)
        save_audited(solution, by=by, reason="realize")
    return fixed
