"""The search box in the header: a ticket number or a customer goes straight to its page (issue 11,
"speed of the agent's hands"); anything else is the ticket list's search."""

import re
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from customers.models import Customer
from tickets.models import Ticket

FULL_NUMBER = re.compile(r"\d{4}-\d{1,6}")
SHORT_NUMBER = re.compile(r"\d{1,6}")  # this year's ticket: "117" is 2026-000117


def ticket_number(text: str) -> str | None:
    if FULL_NUMBER.fullmatch(text):
        year, serial = text.split("-")
        return f"{year}-{int(serial):06d}"
    if SHORT_NUMBER.fullmatch(text):
        return f"{timezone.localdate().year}-{int(text):06d}"
    return None


@require_http_methods(["GET"])
@role_required(roles.can_read)
def jump(request):
    text = request.GET.get("q", "").strip()[:200]
    number = ticket_number(text)
    ticket = Ticket.objects.filter(number=number).values_list("pk", flat=True).first() if number else None
    if ticket is not None:
        return redirect("ticket-detail", ticket)
    customer = Customer.objects.filter(customer_number__iexact=text).values_list("pk", flat=True).first()
    if customer is not None:
        return redirect("customer-detail", customer)
    return redirect(f"{reverse('ticket-list')}?{urlencode({'q': text})}" if text else reverse("ticket-list"))
