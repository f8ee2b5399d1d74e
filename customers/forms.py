from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Contact, Customer
from supportdesk.forms import BooleanField, CorrectionReasonField, TextField, TickBox


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "customer_number",
            "name",
            "street",
            "postal_code",
            "city",
            "phone",
            "alt_phone",
            "email",
            "notes",
            "active",
        ]
        # JSON bodies: a list, number or object is refused, not stored as its Python repr.
        field_classes = dict.fromkeys(
            ["customer_number", "name", "street", "postal_code", "city", "phone", "alt_phone", "notes"],
            TextField,
        )


class CustomerEditForm(CustomerForm):
    """A correction of the customer's data, with its reason (R20)."""

    reason = CorrectionReasonField()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "phone", "email", "active"]
        field_classes = dict.fromkeys(["name", "role", "phone"], TextField)


class ContactEditForm(ContactForm):
    """A correction of a contact's data, with its reason (R20). `active` is a strict yes/no: a
    contact is deactivated by a correction too, never deleted (R7)."""

    active = BooleanField(label=_("aktiv"), widget=TickBox)
    reason = CorrectionReasonField()

    @classmethod
    def current_values(cls, contact) -> dict:
        """The contact's values of this form's fields: the page's initial data, and what a partial
        edit (PATCH) keeps for the fields it does not send."""
        return {name: getattr(contact, name) for name in ContactForm._meta.fields}
