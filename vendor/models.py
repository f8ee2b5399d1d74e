from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions, VersionedModel

SIC_NAME = "SIC"


def may_work(program_request, user) -> bool:
    return roles.can_work(user)


class Vendor(AuditedModel):
    name = models.CharField(_("Name"), max_length=100, unique=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    notes = models.TextField(_("Notizen"), blank=True, max_length=20000)

    class Meta:
        verbose_name = _("Hersteller")
        verbose_name_plural = _("Hersteller")

    def __str__(self):
        return self.name


class VendorContact(AuditedModel):
    """One contact with the vendor about a ticket (work instruction steps 5 and 9)."""

    class Kind(models.TextChoices):
        ESCALATION = "escalation", _("Eskalation")
        INQUIRY = "inquiry", _("Nachfrage")
        # SIC reported on its own: no chasing, so the follow-up date stays and the figures count it apart.
        VENDOR_REPORT = "vendor_report", _("Meldung von SIC")
        OTHER = "other", _("Sonstiges")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Telefon")
        EMAIL = "email", _("E-Mail")
        PORTAL = "portal", _("Portal")
        IN_PERSON = "in_person", _("persönlich")

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="vendor_contacts", verbose_name=_("Vorgang")
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("Weg"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    vendor_person = models.CharField(_("Ansprechpartner bei SIC"), max_length=200, blank=True)
    summary = models.TextField(_("Inhalt"), max_length=20000)
    vendor_reference = models.CharField(_("Referenz bei SIC"), max_length=100, blank=True)
    outcome = models.TextField(_("Ergebnis"), blank=True, max_length=20000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        verbose_name = _("Kontakt bei SIC")
        verbose_name_plural = _("Kontakte bei SIC")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%d.%m.%Y %H:%M}"


class ProgramRequest(ConcurrentTransitions, VersionedModel, AuditedModel):
    """A change request filed with SIC (Programmwunsch); several tickets may share one. Its plan
    (planned release and date) is corrected with a reason (R20), guarded by `version` (R6)."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Beanstandung")
        WISH = "wish", _("Kundenwunsch")

    class State(models.TextChoices):
        OPEN = "open", _("Offen")
        REALIZED = "realized", _("Realisiert")
        REJECTED = "rejected", _("Abgelehnt")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="program_requests")
    vendor_reference = models.CharField(_("Referenz bei SIC"), max_length=100)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("Titel"), max_length=200)
    state = FSMField(_("Status"), choices=State.choices, default=State.OPEN, protected=True)
    planned_release = models.CharField(_("geplante Version"), max_length=50, blank=True)
    planned_date = models.DateField(_("geplant für"), null=True, blank=True)
    realized_release = models.CharField(_("realisiert in Version"), max_length=50, blank=True)
    realized_on = models.DateField(_("realisiert am"), null=True, blank=True)
    justification = models.TextField(_("Begründung der Ablehnung"), blank=True, max_length=20000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Programmwunsch")
        verbose_name_plural = _("Programmwünsche")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.vendor_reference}: {self.title}"

    @property
    def priority(self) -> str:
        return "high" if self.kind == self.Kind.COMPLAINT else "normal"

    # SIC's decision, for every linked ticket at once (R5): see tickets.services.PROGRAM_REQUESTS.

    @transition(
        field=state,
        source=State.OPEN,
        target=State.REALIZED,
        permission=may_work,
        custom={"label": _("Realisiert")},
    )
    def realize(self, *, release: str, realized_on, by):
        self.realized_release = release
        self.realized_on = realized_on
        self.decided_by, self.decided_at = by, timezone.now()

    @transition(
        field=state,
        source=State.OPEN,
        target=State.REJECTED,
        permission=may_work,
        custom={"label": _("Ablehnung durch SIC")},
    )
    def reject(self, *, justification: str, by):
        self.justification = justification
        self.decided_by, self.decided_at = by, timezone.now()
