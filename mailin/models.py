"""Incoming e-mail (DESIGN §9 "E-mail in", R17): every mail fetched from the mailbox, once per Message-ID.

The raw message is stored whole through Django's storage API under a random name, with its SHA-256
and size in the audited row (R16: `verify_audit_trail` re-reads it). How the mail was routed is kept
in `route`; a mail tied to a ticket is also kept there as an attachment (`mail-<id>.eml`) with the
files it carried. Nothing is deleted; the content fields never change after the first save.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedModel

# What a mail is: fixed once received (only the routing and assignment fields change).
CONTENT_FIELDS = (
    "message_id",
    "from_header",
    "from_address",
    "to",
    "cc",
    "subject",
    "date",
    "received_at",
    "text",
    "raw",
    "raw_sha256",
    "raw_size",
)


def raw_name(instance, filename: str) -> str:
    """A random path, free of anything the sender chose."""
    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


class ContentIsFinal(Exception):
    """A received mail's content is never changed."""


class IncomingEmail(AuditedModel):
    class Route(models.TextChoices):
        TICKET_NUMBER = "ticket_number", _("Vorgangsnummer oder Antwort")
        VENDOR_REPORT = "vendor_report", _("Meldung von SIC")
        NEW_TICKET = "new_ticket", _("neuer Vorgang")
        UNMATCHED = "unmatched", _("nicht zugeordnet")
        IGNORED_AUTO_REPLY = "ignored_auto_reply", _("automatische Antwort (ignoriert)")
        ERROR = "error", _("fehlerhaft")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    from_header = models.CharField(_("Von"), max_length=998, blank=True)
    from_address = models.CharField(_("Absenderadresse"), max_length=254, blank=True)
    to = models.TextField(_("An"), blank=True)
    cc = models.TextField(_("Kopie"), blank=True)
    subject = models.CharField(_("Betreff"), max_length=998, blank=True)
    date = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    received_at = models.DateTimeField(_("abgeholt am"), default=timezone.now)
    text = models.TextField(_("Text"), blank=True)
    raw = models.FileField(_("Originalnachricht"), upload_to=raw_name, max_length=200)
    raw_sha256 = models.CharField(_("SHA-256 der Originalnachricht"), max_length=64)
    raw_size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_emails",
        verbose_name=_("Vorgang"),
    )
    route = models.CharField(_("Zuordnung"), max_length=30, choices=Route.choices)
    error = models.TextField(_("Fehlerhinweis"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zugeordnet von"),
    )
    assigned_at = models.DateTimeField(_("zugeordnet am"), null=True, blank=True)

    class Meta:
        verbose_name = _("eingegangene E-Mail")
        verbose_name_plural = _("eingegangene E-Mails")
        ordering = ["received_at", "pk"]
        indexes = [
            models.Index(fields=["route", "received_at"]),
            models.Index(fields=["ticket", "received_at"]),
        ]

    def __str__(self):
        return self.subject or self.message_id

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*CONTENT_FIELDS).first()
            if stored is not None:
                current = {name: getattr(self, name) for name in CONTENT_FIELDS}
                current["raw"] = self.raw.name
                if current != stored:
                    raise ContentIsFinal("An incoming e-mail's content is never changed")
        super().save(*args, **kwargs)

    @property
    def waiting(self) -> bool:
        """Waits in /mail/ to be assigned by hand."""
        return self.ticket_id is None and self.route in (self.Route.UNMATCHED, self.Route.ERROR)
