from django import forms

from customers.models import Contact, Customer


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


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "phone", "email", "active"]
