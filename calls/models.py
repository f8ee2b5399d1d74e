"""An incoming call as the phone system reported it (DESIGN §9 "Calls")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedModel
from customers.models import Contact, Customer


class IncomingCall(AuditedModel):
    caller_phone = models.CharField(_("Anrufer"), max_length=40)
    called_number = models.CharField(_("angerufene Nummer"), max_length=40, blank=True)
    # The phone system's own id: a call reported twice (a retried webhook) is the same call.
    external_id = models.CharField(
        _("Kennung der Telefonanlage"), max_length=200, null=True, blank=True, unique=True
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("für"),
    )
    received_at = models.DateTimeField(_("eingegangen"), default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The match when the call came in (the caller lookup's first customer and, if its number, contact).
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("erfasst"), null=True, blank=True)

    class Meta:
        verbose_name = _("Anruf")
        verbose_name_plural = _("Anrufe")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["received_at", "id"])]

    def __str__(self):
        return f"{self.caller_phone} ({timezone.localtime(self.received_at):%d.%m.%Y %H:%M})"
