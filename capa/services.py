"""Every write on CAPA proposals: atomic, with the acting user and a reason on each history row."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from audit.history import save_audited
from capa.forms import TRANSITION_FORMS, CapaCreateForm
from capa.models import CapaProposal, CapaTicketLink, can_raise
from supportdesk.errors import Conflict, InvalidData

STALE = _("Der CAPA-Vorschlag wurde inzwischen von jemand anderem geändert. Bitte neu laden.")


def validated(form):
    if not form.is_valid():
        raise InvalidData(form)
    return form.cleaned_data


def transition_named(name: str):
    for t in CapaProposal._meta.get_field("state").get_all_transitions(CapaProposal):
        if t.name == name:
            return t
    raise LookupError(name)


def transition_label(name: str) -> str:
    return str(transition_named(name).custom["label"])


def available_transitions(capa: CapaProposal, user) -> list[str]:
    allowed = {
        t.name for t in capa.get_all_state_transitions() if t.source == capa.state and t.has_perm(capa, user)
    }
    return [name for name in TRANSITION_FORMS if name in allowed]


def capa_create(*, by, data) -> CapaProposal:
    """Raise a proposal, linking the tickets that gave rise to it (reasons: capa_create, capa_link)."""
    if not can_raise(by):
        raise PermissionDenied(_("Sie dürfen keinen CAPA-Vorschlag anlegen."))
    fields = validated(CapaCreateForm(data))
    tickets = fields.pop("tickets")
    with transaction.atomic():
        capa = CapaProposal(raised_by=by, **fields)
        save_audited(capa, by=by, reason="capa_create")
        for ticket in tickets:
            save_audited(CapaTicketLink(capa=capa, ticket=ticket, linked_by=by), by=by, reason="capa_link")
    return capa


def capa_transition(*, capa_id, name, by, data, expected_state=None) -> CapaProposal:
    """Move a proposal (accept, reject, implement, check_effectiveness); the reason is the step's name."""
    form_class = TRANSITION_FORMS.get(name)
    if form_class is None:
        raise LookupError(name)
    with transaction.atomic():
        capa = CapaProposal.objects.select_for_update().get(pk=capa_id)
        if not transition_named(name).has_perm(capa, by):
            raise PermissionDenied(_("Nur Geschäftsleitung und QMB entscheiden über CAPA-Vorschläge."))
        if (expected_state and expected_state != capa.state) or not can_proceed(getattr(capa, name)):
            raise Conflict(
                _("„%(step)s“ ist im Status „%(state)s“ nicht möglich.")
                % {"step": transition_label(name), "state": capa.get_state_display()}
            )
        getattr(capa, name)(by=by, **validated(form_class(data)))
        try:
            save_audited(capa, by=by, reason=name)
        except ConcurrentTransition as error:
            raise Conflict(STALE) from error
    return capa
