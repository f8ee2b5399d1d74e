"""Every write on CAPA proposals: atomic, with the acting user and a reason on each history row."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import roles
from audit import reasons
from audit.history import save_audited
from capa.forms import TRANSITION_FORMS, CapaCreateForm
from capa.models import CapaProposal, CapaTicketLink
from supportdesk.forms import validated
from workflow.machines import Machine, register

reasons.register({"capa_create": _("CAPA-Vorschlag angelegt"), "capa_link": _("Vorgang verknüpft")})

CAPA = register(
    Machine(
        CapaProposal,
        forms=TRANSITION_FORMS,
        denied=_("Nur Geschäftsleitung und QMB entscheiden über CAPA-Vorschläge."),
        stale=_("Der CAPA-Vorschlag wurde inzwischen von jemand anderem geändert. Bitte neu laden."),
        actor="by",
    )
)


def capa_create(*, by, data) -> CapaProposal:
    """Raise a proposal, linking the tickets that gave rise to it (reasons: capa_create, capa_link)."""
    roles.require(roles.can_propose_capa, by, _("Sie dürfen keinen CAPA-Vorschlag anlegen."))
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
    return CAPA.run(capa_id, name, by=by, data=data, expected_state=expected_state)
