"""What the audit trail needs from tickets (registered at start-up, audit imports no ticket code):
the ticket is the case every row is named by, and the trail can be filtered to one ticket; the rows
of a customer include their tickets' rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import registry
from tickets.models import Ticket
from vendor.models import ProgramRequest


class TicketNumberField(forms.CharField):
    """A ticket number such as 2026-000123: the ticket, or None when left empty."""

    def __init__(self):
        super().__init__(
            label=gettext_lazy("Vorgang"),
            required=False,
            max_length=20,
            widget=forms.TextInput(attrs={"placeholder": "2026-000123", "type": "search"}),
        )

    def clean(self, value):
        number = super().clean(value).strip()
        if not number:
            return None
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise ValidationError(
                _("Es gibt keinen Vorgang mit der Nummer „%(number)s“."), params={"number": number}
            )
        return ticket


def ticket_scope(live, table, ticket):
    """The rows of one case: the ticket, its records (a foreign key `ticket`), its program request."""
    if live is Ticket:
        return Q(id=ticket.pk)
    if registry.foreign_key_to(table, "ticket", Ticket):
        return Q(ticket_id=ticket.pk)
    if live is ProgramRequest:
        return Q(id__in=Ticket.objects.filter(pk=ticket.pk).values("program_request_id"))
    return None


def customer_tickets_scope(live, table, customer):
    """A customer's rows include its tickets' records and their program requests."""
    tickets = Ticket.objects.filter(customer_id=customer.pk)
    if registry.foreign_key_to(table, "ticket", Ticket):
        return Q(ticket_id__in=tickets.values("pk"))
    if live is ProgramRequest:
        return Q(id__in=tickets.exclude(program_request=None).values("program_request_id"))
    return None


def register():
    registry.register_case(Ticket, number_field="number")
    registry.register_dimension("ticket", form_field=TicketNumberField, describe=lambda t: t.number, order=10)
    registry.register_scope("ticket", ticket_scope)
    registry.register_scope("customer", customer_tickets_scope)
