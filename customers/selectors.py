"""Finding customers: the caller lookup by phone number or name (DESIGN §7, intake page), the
customer list's search, a customer's page."""

import re

from django import forms
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy

from customers.models import Contact, Customer
from customers.phone import digits_for_partial_match

MIN_LOOKUP_DIGITS = 3
LOOKUP_LIMIT = 8
LOOKS_LIKE_PHONE = re.compile(r"^[\d\s+/()\-.]+$")
TICKETS_SHOWN = 50


def matching_phone(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    """Any common spelling of a number finds the customer, by its own or one of its contacts' numbers."""
    digits = digits_for_partial_match(value)
    if len(digits) < MIN_LOOKUP_DIGITS:
        return queryset.none()
    return queryset.filter(
        pk__in=any_of(
            Customer.objects.filter(phone_e164__contains=digits).values("pk"),
            Customer.objects.filter(alt_phone_e164__contains=digits).values("pk"),
            Contact.objects.filter(phone_e164__contains=digits).values("customer_id"),
        )
    )


def matching_text(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    return queryset.filter(
        pk__in=any_of(
            Customer.objects.filter(name__icontains=value).values("pk"),
            Customer.objects.filter(customer_number__icontains=value).values("pk"),
            Customer.objects.filter(city__icontains=value).values("pk"),
            Contact.objects.filter(name__icontains=value).values("customer_id"),
        )
    )


def any_of(*ids: QuerySet) -> QuerySet:
    """The customer ids of any of the one-column querysets, as one subquery: each part is found by
    its own (trigram) index, where an OR over a join with the contacts reads all of both tables."""
    first, *rest = (part.order_by() for part in ids)
    return first.union(*rest)


def customers_named(text: str) -> list[int]:
    """The ids of the customers whose name contains the text (a ticket search by customer); one query."""
    return list(Customer.objects.filter(name__icontains=text).order_by().values_list("pk", flat=True))


def caller_lookup(text: str) -> list[Customer]:
    """Active customers matching a phone number (its own or a contact's) or a name; 2 queries."""
    text = text.strip()
    customers = Customer.objects.filter(active=True)
    if LOOKS_LIKE_PHONE.match(text) and len(re.sub(r"\D", "", text)) >= MIN_LOOKUP_DIGITS:
        found = matching_phone(customers, text) | matching_text(customers, text)
    elif text:
        found = matching_text(customers, text)
    else:
        return []
    contacts = Prefetch("contacts", queryset=Contact.objects.filter(active=True).order_by("name", "pk"))
    return list(found.order_by("name", "pk").prefetch_related(contacts)[:LOOKUP_LIMIT])


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Suche"),
        help_text=gettext_lazy("Name, Kundennummer, Ort, Ansprechpartner oder Telefonnummer"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    active = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("alle")), ("1", gettext_lazy("aktiv")), ("0", gettext_lazy("inaktiv"))],
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        if text := self.cleaned_data["q"].strip():
            everyone = Customer.objects.all()
            queryset = queryset.filter(
                Q(pk__in=matching_text(everyone, text).values("pk"))
                | Q(pk__in=matching_phone(everyone, text).values("pk"))
            )
        if self.cleaned_data["active"]:
            queryset = queryset.filter(active=self.cleaned_data["active"] == "1")
        return queryset


def customer_list(data):
    """The filter form and the customers by name, each with its number of tickets: counted for the
    rows shown (a subquery per row), not grouped over every ticket."""
    filters = CustomerFilterForm(data)
    tickets = Customer.objects.filter(pk=OuterRef("pk")).annotate(n=Count("tickets")).values("n")
    customers = filters.filter(Customer.objects.annotate(ticket_count=Subquery(tickets)))
    return filters, customers.order_by("name", "pk")


def customer_for_page():
    return Customer.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("-active", "name", "pk"))
    )


def latest_tickets(customer, limit: int = TICKETS_SHOWN) -> tuple[list, bool]:
    """The customer's newest tickets, and whether there are more; one query."""
    tickets = list(customer.tickets.only("number", "summary", "state", "created_at", "customer")[: limit + 1])
    return tickets[:limit], len(tickets) > limit
