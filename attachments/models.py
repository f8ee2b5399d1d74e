"""A file kept with a ticket as evidence (R16, DESIGN §9 "Files").

The content is stored once, through Django's storage API ("default": a folder on disk, or an
S3-compatible object store), under a random name that says nothing of the person's file name. Its
SHA-256, size and detected type are part of the audited row, so the hash chain covers them and
`verify_audit_trail` can re-read the file and compare. A row is never deleted and its content never
replaced: a wrong upload is withdrawn with a reason, hidden from the default list, kept.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedModel

# What an upload fixes once and for all: never changed after the first save (R16).
CONTENT_FIELDS = (
    "file",
    "filename",
    "size",
    "content_type",
    "sha256",
    "ticket_id",
    "created_by_id",
    "created_at",
)


def stored_name(instance, filename: str) -> str:
    """A random path: not guessable, and free of anything the uploader named the file."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def ticket_model():
    """The ticket model, through the ORM: tickets is an app above this one."""
    return Attachment._meta.get_field("ticket").related_model


class ContentReplaced(Exception):
    """An attempt to change a stored file or its fingerprint (R16)."""


class Attachment(AuditedModel):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="attachments", verbose_name=_("Vorgang")
    )
    call_note = models.ForeignKey(
        "tickets.CallNote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("Gesprächsnotiz"),
    )
    vendor_contact = models.ForeignKey(
        "vendor.VendorContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("Kontakt bei SIC"),
    )
    # An e-mail the file came with or is (the raw message): whichever model the mail app keeps them in.
    email_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    email_id = models.PositiveBigIntegerField(null=True, blank=True)
    file = models.FileField(_("Datei"), upload_to=stored_name, max_length=200)
    filename = models.CharField(_("Dateiname"), max_length=255)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    content_type = models.CharField(_("Dateityp"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.TextField(_("Notiz"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("erfasst von")
    )
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    withdrawn = models.BooleanField(_("zurückgezogen"), default=False)
    withdrawn_reason = models.CharField(_("Grund des Zurückziehens"), max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zurückgezogen von"),
    )
    withdrawn_at = models.DateTimeField(_("zurückgezogen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gt=0),
                name="attachment_not_empty",
                violation_error_message=_("Leere Datei."),
            ),
        ]

    def __str__(self):
        return self.filename

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*CONTENT_FIELDS).first()
            if stored is not None:
                current = {name: getattr(self, name) for name in CONTENT_FIELDS}
                current["file"] = self.file.name
                if current != stored:
                    raise ContentReplaced(
                        _("Der Inhalt eines Anhangs wird nie ersetzt; laden Sie ihn neu hoch.")
                    )
        super().save(*args, **kwargs)

    @property
    def is_image(self) -> bool:
        """A raster image a thumbnail can be drawn from (never SVG: it is active content)."""
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
