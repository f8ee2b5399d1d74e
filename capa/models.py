"""Process CAPA proposals (work instruction: improvements go to the process manager and are
decided in the quality meeting; ISO 13485 §8.5.2)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions


def may_decide(capa, user) -> bool:
    return roles.can_decide_capa(user)


class CapaProposal(ConcurrentTransitions, AuditedModel):
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
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("CAPA-Vorschlag")
        verbose_name_plural = _("CAPA-Vorschläge")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"CAPA-{self.pk}: {self.title}"

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.ACCEPTED,
        permission=may_decide,
        custom={"label": _("Annehmen")},
    )
    def accept(self, *, by, comment=""):
        self.decided_by, self.decided_at, self.decision_comment = by, timezone.now(), comment

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.REJECTED,
        permission=may_decide,
        custom={"label": _("Ablehnen"), "danger": True},
    )
    def reject(self, *, by, reason):
        self.decided_by, self.decided_at, self.rejection_reason = by, timezone.now(), reason

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.IMPLEMENTED,
        permission=may_decide,
        custom={"label": _("Als umgesetzt erfassen")},
    )
    def implement(self, *, by, implementation):
        self.implemented_by, self.implemented_at, self.implementation = by, timezone.now(), implementation

    @transition(
        field=state,
        source=State.IMPLEMENTED,
        target=State.EFFECTIVENESS_CHECKED,
        permission=may_decide,
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
