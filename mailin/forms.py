"""What assigning a waiting mail by hand takes (/mail/): a ticket number, or a customer for a new ticket."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer
from supportdesk.forms import ModelChoiceField, TextField

NUMBER = re.compile(r"^\[?\s*(\d{4}-\d{6})\s*\]?$")


class MailAssignForm(forms.Form):
    ticket = TextField(max_length=20, label=_("Vorgangsnummer"), help_text=_("z. B. 2026-000123"), strip=True)

    def clean_ticket(self):
        found = NUMBER.match(self.cleaned_data["ticket"])
        if not found:
            raise ValidationError(_("Bitte eine Vorgangsnummer wie 2026-000123 angeben."), code="invalid")
        return found.group(1)


class MailNewTicketForm(forms.Form):
    customer = ModelChoiceField(queryset=Customer.objects.filter(active=True), label=_("Kunde"))
    contact = ModelChoiceField(
        queryset=Contact.objects.filter(active=True), required=False, label=_("Ansprechpartner")
    )

    def clean(self):
        data = super().clean()
        contact, customer = data.get("contact"), data.get("customer")
        if contact and customer and contact.customer_id != customer.pk:
            self.add_error("contact", _("Dieser Ansprechpartner gehört nicht zu dem gewählten Kunden."))
        return data


class CustomerSearchForm(forms.Form):
    q = TextField(
        max_length=100,
        required=False,
        label=_("Kunde suchen"),
        help_text=_("Name, Kundennummer, Ort oder Telefonnummer"),
    )
