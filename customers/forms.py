from django import forms

from customers.models import Contact, Customer
from supportdesk.forms import CorrectionReasonField, TextField


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
