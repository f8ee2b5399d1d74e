"""Every write on CAPA proposals: atomic, with the acting user and a reason on each history row.

A proposal e-mails the process managers (DESIGN §10.3); a risk review decided "CAPA einleiten" opens
a proposal linked to its ticket (R22, `propose_from_risk_review`, called in the review's signature)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts import roles
from audit import reasons
from audit.history import save_audited
from capa.forms import TRANSITION_FORMS, CapaCreateApiForm, CapaCreateForm
from capa.models import CapaProposal, CapaTicketLink
from outbox import services as outbox
from outbox.models import OutgoingEmail
from supportdesk.forms import validated
from workflow.machines import Machine, register

log = logging.getLogger(__name__)

reasons.register(
    {
        "capa_create": _("CAPA-Vorschlag angelegt"),
        "capa_link": _("Vorgang verknüpft"),
        "capa_from_risk_review": _("CAPA-Vorschlag aus Risikobewertung"),
    }
)


def _signed(name):
    """The effect of a decision: the form checked the re-entered password (R22); the signature
    records name, time and meaning."""

    def effect(capa, by, *, password, **decision):
        CAPA.apply(capa, name, by=by, **decision)

    return effect


CAPA = register(
    Machine(
        CapaProposal,
        forms=TRANSITION_FORMS,
        effects={"accept": _signed("accept"), "reject": _signed("reject")},
        denied=_(
            "Über CAPA-Vorschläge entscheidet nur die Geschäftsleitung; Umsetzung und Wirksamkeitsprüfung "
            "erfasst der Prozessmanager."
        ),
        stale=_("Der CAPA-Vorschlag wurde inzwischen von jemand anderem geändert. Bitte neu laden."),
        form_kwargs=lambda capa, by: {"user": by},
        actor="by",
    )
)


def _link(capa, tickets, by) -> None:
    for ticket in tickets:
        save_audited(CapaTicketLink(capa=capa, ticket=ticket, linked_by=by), by=by, reason="capa_link")


def capa_create(*, by, data, ticket_ids=False) -> CapaProposal:
    """Raise a proposal, linking the tickets that gave rise to it (reasons: capa_create, capa_link);
    the process managers are e-mailed. `ticket_ids`: `tickets` is a list of ids (the API), else
    ticket numbers as text (the page)."""
    roles.require(roles.can_propose_capa, by, _("Sie dürfen keinen CAPA-Vorschlag anlegen."))
    fields = validated((CapaCreateApiForm if ticket_ids else CapaCreateForm)(data))
    tickets = fields.pop("tickets")
    with transaction.atomic():
        capa = CapaProposal(raised_by=by, **fields)
        save_audited(capa, by=by, reason="capa_create")
        _link(capa, tickets, by)
        _notify_process_managers(capa)
    return capa


def propose_from_risk_review(*, review, by) -> CapaProposal:
    """R22: a risk review signed with the decision "CAPA einleiten" opens a proposal linked to its
    ticket; called inside the signature's transaction, so both are saved or neither."""
    ticket = review.ticket
    capa = CapaProposal(
        raised_by=by,
        risk_review=review,
        title=str(
            _("Risikobewertung %(number)s: %(summary)s")
            % {"number": ticket.number, "summary": ticket.summary}
        )[:200],
        what=review.comment or str(_("Maßnahme zum risikorelevanten Ereignis festlegen (Risikobewertung).")),
        why=review.risk_description,
    )
    save_audited(capa, by=by, reason="capa_from_risk_review")
    _link(capa, [ticket], by)
    _notify_process_managers(capa)
    return capa


def capa_transition(*, capa_id, name, by, data, expected_state=None, request=None) -> CapaProposal:
    """Move a proposal (accept, reject: management, signed; implement, check_effectiveness: the
    process manager); the reason is the step's name. `request`: for a signature's password (R18)."""
    return CAPA.run(capa_id, name, by=by, data=data, expected_state=expected_state, request=request)


# ---- the e-mail to the process managers ----------------------------------------------------------


def process_managers():
    return (
        get_user_model().objects.filter(groups__name=roles.PROCESS_MANAGER, is_active=True).exclude(email="")
    )


def _notify_process_managers(capa) -> None:
    """Written to the outbox in the proposal's transaction (R17); delivered once it committed."""
    recipients = list(process_managers().values_list("email", flat=True))
    if not recipients:
        log.warning("CAPA %s: no process manager with an e-mail address to notify", capa.pk)
        return
    context = {"capa": capa, "site_url": settings.SITE_URL, "tickets": list(capa.tickets.all())}
    outbox.queue(
        to=recipients,
        subject=render_to_string("capa/email/proposed_subject.txt", context).strip(),
        body=render_to_string("capa/email/proposed_body.txt", context),
        by=capa.raised_by,
        kind=OutgoingEmail.Kind.CAPA,
    )
