"""What the audit trail needs from customers (registered at start-up): the filter by customer."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from audit import registry
from customers.models import Customer


def customer_field():
    return forms.ModelChoiceField(
        queryset=Customer.objects.order_by("name"),
        label=gettext_lazy("Kunde"),
        required=False,
        empty_label=gettext_lazy("alle"),
    )


def customer_scope(live, table, customer):
    """The rows of one customer: itself and every row with a foreign key `customer` to it."""
    if live is Customer:
        return Q(id=customer.pk)
    if registry.foreign_key_to(table, "customer", Customer):
        return Q(customer_id=customer.pk)
    return None


def register():
    registry.register_dimension("customer", form_field=customer_field, describe=str, order=20)
    registry.register_scope("customer", customer_scope)
