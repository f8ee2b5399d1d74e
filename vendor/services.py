"""Writes on SIC's program requests; a decision moves every linked ticket (R5)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts import roles
from audit.history import save_audited
from solutions import services as solution_services
from supportdesk.errors import STALE, Conflict, InvalidData
from tickets import services as ticket_services
from tickets.models import State, Ticket
from vendor.forms import RealizeForm, RejectForm
from vendor.models import SIC_NAME, ProgramRequest, Vendor

DECISION_FORMS = {"realize": RealizeForm, "reject": RejectForm}


def sic() -> Vendor:
    return Vendor.objects.get(name=SIC_NAME)


def decide(program_request: ProgramRequest, name: str, *, by, **fields) -> list[Ticket]:
    """Realize or reject; the caller holds the request's lock. Returns the tickets moved.

    Realized, its known solutions say "behoben in Version X".
    """
    getattr(program_request, name)(by=by, **fields)
    try:
        save_audited(program_request, by=by, reason=name)
    except ConcurrentTransition as error:
        raise Conflict(STALE) from error
    moved = list(
        program_request.tickets.select_for_update(of=("self",))
        .filter(state=State.PROGRAM_REQUEST)
        .select_related("customer", "contact")
        .order_by("pk")
    )
    for ticket in moved:
        ticket_services.apply_transition(ticket, name, by=by)
    if name == "realize":
        solution_services.mark_fixed_by_program_request(program_request, by=by)
    return moved


def program_request_transition(*, program_request_id, name, by, data) -> tuple[ProgramRequest, list[Ticket]]:
    """Run realize/reject on a program request; returns it and the tickets whose customers to inform."""
    form_class = DECISION_FORMS.get(name)
    if form_class is None:
        raise ticket_services.UnknownTransition(name)
    if not roles.can_work(by):
        raise PermissionDenied(_("Ihre Rolle darf Programmwünsche nur lesen."))
    with transaction.atomic():
        program_request = ProgramRequest.objects.select_for_update(no_key=True).get(pk=program_request_id)
        if program_request.state != ProgramRequest.State.OPEN:
            raise Conflict(
                _("SIC hat über diesen Programmwunsch bereits entschieden (%(state)s).")
                % {"state": program_request.get_state_display()}
            )
        form = form_class(data)
        if not form.is_valid():
            raise InvalidData(form)
        moved = decide(program_request, name, by=by, **form.cleaned_data)
    return program_request, moved
