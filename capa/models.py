"""Process CAPA proposals (work instruction: improvements go to the process manager and are
decided in the quality meeting; ISO 13485 §8.5.2; DESIGN §10.3, R22).

proposed → accepted | rejected: management decides, signing with the password re-entered (meaning
"decision"); at acceptance an owner and a due date are set. accepted → implemented →
effectiveness_checked: the process manager records what was implemented and whether it worked.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions


def may_decide(capa, user) -> bool:
    return roles.can_decide_capa(user)


def may_carry_out(capa, user) -> bool:
    return roles.can_carry_out_capa(user)


class CapaProposal(ConcurrentTransitions, AuditedModel):
    # What the decision's signature means (R22); shown as DECISION_MEANING_LABEL.
    DECISION_MEANING = "decision"
    DECISION_MEANING_LABEL = _("Entscheidung der Geschäftsleitung")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("vorgeschlagen")
        ACCEPTED = "accepted", _("angenommen")
        REJECTED = "rejected", _("abgelehnt")
        IMPLEMENTED = "implemented", _("umgesetzt")
        EFFECTIVENESS_CHECKED = "effectiveness_checked", _("Wirksamkeit geprüft")

    title = models.CharField(_("Titel"), max_length=200)
    what = models.TextField(_("Was soll verbessert werden?"), max_length=20000)
    why = models.TextField(_("Warum?"), max_length=20000)
    tickets = models.ManyToManyField(
        "tickets.Ticket",
        through="CapaTicketLink",
        related_name="capa_proposals",
        verbose_name=_("Vorgänge"),
    )
    state = FSMField(_("Status"), choices=State.choices, default=State.PROPOSED, protected=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vorgeschlagen von"),
    )
    created_at = models.DateTimeField(_("vorgeschlagen am"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decision_signer_name = models.CharField(_("Name (Klartext)"), max_length=300, blank=True)
    decision_meaning = models.CharField(_("Bedeutung der Unterschrift"), max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verantwortlich"),
    )
    due_date = models.DateField(_("umzusetzen bis"), null=True, blank=True)
    decision_comment = models.TextField(_("Kommentar zur Entscheidung"), blank=True, max_length=20000)
    rejection_reason = models.TextField(_("Grund der Ablehnung"), blank=True, max_length=20000)
    implementation = models.TextField(_("Was wurde umgesetzt?"), blank=True, max_length=20000)
    implemented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    implemented_at = models.DateTimeField(_("umgesetzt am"), null=True, blank=True)
    effective = models.BooleanField(_("wirksam"), null=True, blank=True)
    effectiveness_result = models.TextField(
        _("Ergebnis der Wirksamkeitsprüfung"), blank=True, max_length=20000
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("Wirksamkeit geprüft am"), null=True, blank=True)
    # The signed risk review (decision "CAPA einleiten") that opened this proposal, if any.
    risk_review = models.ForeignKey(
        "tickets.RiskReview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="capa_proposals",
        verbose_name=_("aus Risikobewertung"),
    )
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("CAPA-Vorschlag")
        verbose_name_plural = _("CAPA-Vorschläge")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_date"], name="capa_state_due")]

    def __str__(self):
        return f"CAPA-{self.pk}: {self.title}"

    @property
    def overdue(self) -> bool:
        """Accepted, the due date past, not implemented yet."""
        return (
            self.state == self.State.ACCEPTED
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    def _sign_decision(self, by):
        self.decided_by, self.decided_at = by, timezone.now()
        self.decision_signer_name = by.get_full_name() or by.get_username()
        self.decision_meaning = self.DECISION_MEANING

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.ACCEPTED,
        permission=may_decide,
        custom={"label": _("Annehmen")},
    )
    def accept(self, *, by, owner, due_date, comment=""):
        self._sign_decision(by)
        self.decision_comment, self.owner, self.due_date = comment, owner, due_date

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.REJECTED,
        permission=may_decide,
        custom={"label": _("Ablehnen"), "danger": True},
    )
    def reject(self, *, by, reason):
        self._sign_decision(by)
        self.rejection_reason = reason

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.IMPLEMENTED,
        permission=may_carry_out,
        custom={"label": _("Als umgesetzt erfassen")},
    )
    def implement(self, *, by, implementation):
        self.implemented_by, self.implemented_at, self.implementation = by, timezone.now(), implementation

    @transition(
        field=state,
        source=State.IMPLEMENTED,
        target=State.EFFECTIVENESS_CHECKED,
        permission=may_carry_out,
        custom={"label": _("Wirksamkeit prüfen")},
    )
    def check_effectiveness(self, *, by, effective, result):
        self.checked_by, self.checked_at = by, timezone.now()
        self.effective, self.effectiveness_result = effective, result


class CapaTicketLink(AuditedModel):
    """A ticket that gave rise to a proposal; audited like the proposal itself, never removed (R7)."""

    capa = models.ForeignKey(CapaProposal, on_delete=models.PROTECT, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="capa_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)

    class Meta:
        verbose_name = _("Vorgang zum CAPA-Vorschlag")
        verbose_name_plural = _("Vorgänge zu CAPA-Vorschlägen")
        ordering = ["linked_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["capa", "ticket"], name="capa_link_unique")]

    def __str__(self):
        return f"CAPA-{self.capa_id} ↔ {self.ticket_id}"
