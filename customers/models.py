from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.models import AuditedModel, VersionedModel
from customers.phone import normalize


def validate_phone(value: str):
    if value and not normalize(value):
        raise ValidationError(_("„%(value)s“ ist keine gültige Telefonnummer."), params={"value": value})


class PhoneNumbersMixin(models.Model):
    """Keeps the E.164 form of every phone field beside it, for the caller lookup."""

    phone_fields: tuple[str, ...] = ("phone",)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        for name in self.phone_fields:
            setattr(self, f"{name}_e164", normalize(getattr(self, name)))
        super().save(*args, **kwargs)


class Customer(PhoneNumbersMixin, AuditedModel):
    customer_number = models.CharField(_("Kundennummer"), max_length=30, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    street = models.CharField(_("Straße"), max_length=200, blank=True)
    postal_code = models.CharField(_("PLZ"), max_length=10, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[validate_phone])
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    alt_phone = models.CharField(_("Telefon 2"), max_length=40, blank=True, validators=[validate_phone])
    alt_phone_e164 = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    notes = models.TextField(_("Notizen"), blank=True, max_length=20000)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    phone_fields = ("phone", "alt_phone")

    class Meta:
        verbose_name = _("Kunde")
        verbose_name_plural = _("Kunden")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.customer_number})"


class Contact(PhoneNumbersMixin, VersionedModel, AuditedModel):
    """A person at the customer; its `version` guards a correction against a stale form (R6, R20)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("Kunde")
    )
    name = models.CharField(_("Name"), max_length=200)
    role = models.CharField(_("Funktion"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True, validators=[validate_phone])
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Ansprechpartner")
        verbose_name_plural = _("Ansprechpartner")
        ordering = ["name"]

    def __str__(self):
        return self.name
