"""The outbox (DESIGN §1 "Postausgang", R17): every e-mail the system sends, waiting, sent or failed.

A row is written in the transaction of the event that causes the mail (outbox.services.queue) and
delivered after commit and by `manage.py send_outbox`. Its content (addresses, subject, text,
headers) is fixed when it is written; only the delivery fields change, each change with a history
row (AuditedModel), and nothing is deleted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedModel

# What a mail says; fixed once written (only the delivery fields below it change).
CONTENT_FIELDS = (
    "kind",
    "from_email",
    "to",
    "subject",
    "body",
    "html",
    "message_id",
    "in_reply_to",
    "references",
    "extra_headers",
    "created_at",
    "created_by_id",
    "ticket_id",
    "notification_id",
)


class ContentIsFinal(Exception):
    """An outgoing e-mail's content is never changed after it was written."""


class OutgoingEmail(AuditedModel):
    class State(models.TextChoices):
        QUEUED = "queued", _("wartet im Postausgang")
        SENT = "sent", _("gesendet")
        FAILED = "failed", _("fehlgeschlagen")

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("an den Kunden")
        RISK_REVIEW = "risk_review", _("Risikobewertung angefordert")
        REMINDER = "reminder", _("Erinnerung")
        CAPA = "capa", _("CAPA-Vorschlag")
        OTHER = "other", _("Sonstige")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    from_email = models.CharField(_("Von"), max_length=254)
    to = models.TextField(_("An"), help_text=_("Eine Adresse je Zeile."))
    subject = models.CharField(_("Betreff"), max_length=998)
    body = models.TextField(_("Text"))
    html = models.TextField(_("HTML-Fassung"), blank=True)
    # Headers: fixed when queued, so a mail tried again is the same mail (and threads: replies
    # name message_id in In-Reply-To/References and so find their ticket).
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    extra_headers = models.TextField(
        _("weitere Kopfzeilen"), blank=True, help_text=_("„Name: Wert“ je Zeile.")
    )

    state = models.CharField(_("Status"), max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    # Queued: when it is due (again). While a sender works on it, the end of its claim.
    next_attempt_at = models.DateTimeField(_("nächster Versuch"), null=True, blank=True, default=timezone.now)
    sent_at = models.DateTimeField(_("gesendet am"), null=True, blank=True)
    created_at = models.DateTimeField(_("erstellt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outgoing_emails",
        verbose_name=_("Vorgang"),
    )
    notification = models.ForeignKey(
        "tickets.CustomerNotification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outgoing_emails",
        verbose_name=_("Kundeninformation"),
    )

    class Meta:
        verbose_name = _("ausgehende E-Mail")
        verbose_name_plural = _("ausgehende E-Mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["ticket", "created_at"], name="outbox_ticket"),
            models.Index(fields=["created_at", "id"], name="outbox_list"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipients)}"

    @property
    def recipients(self) -> list[str]:
        return [line for line in self.to.splitlines() if line.strip()]

    @property
    def headers(self) -> dict[str, str]:
        """Every header the mail is sent with besides From, To and Subject."""
        headers = {"Message-ID": self.message_id}
        if self.in_reply_to:
            headers["In-Reply-To"] = self.in_reply_to
        if self.references:
            headers["References"] = self.references
        for line in self.extra_headers.splitlines():
            name, _colon, value = line.partition(":")
            if name.strip() and value.strip():
                headers[name.strip()] = value.strip()
        return headers

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        row._content = row.content()
        return row

    def content(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in CONTENT_FIELDS)

    def save(self, *args, **kwargs):
        if not self._state.adding and getattr(self, "_content", None) not in (None, self.content()):
            raise ContentIsFinal(f"Outgoing e-mail {self.pk}: its content is fixed once queued")
        super().save(*args, **kwargs)
        self._content = self.content()
