"""Finding customers: the caller lookup by phone number or name (DESIGN §7, intake page)."""

from django.db.models import Q, QuerySet

from customers.models import Customer
from customers.phone import digits_for_partial_match

MIN_LOOKUP_DIGITS = 3


def matching_phone(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    """Any common spelling of a number finds the customer, by its own or one of its contacts' numbers."""
    digits = digits_for_partial_match(value)
    if len(digits) < MIN_LOOKUP_DIGITS:
        return queryset.none()
    return queryset.filter(
        Q(phone_e164__contains=digits)
        | Q(alt_phone_e164__contains=digits)
        | Q(contacts__phone_e164__contains=digits)
    ).distinct()


def matching_text(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    return queryset.filter(
        Q(name__icontains=value)
        | Q(customer_number__icontains=value)
        | Q(city__icontains=value)
        | Q(contacts__name__icontains=value)
    ).distinct()
