"""A ticket's e-mails through the API (DESIGN §7, §9 "E-mail out"): GET /api/v1/tickets/{id}/emails/
lists them, POST queues one to the customer in the outbox (R17) through the service the ticket page
uses (tickets.services.ticket_email_customer): threaded, with the ticket number in the subject, and
with `kind` recorded as a CustomerNotification (channel email) that counts for closing once sent.

The list holds the mails sent out (`direction` "out") and those that came in for the ticket
(`direction` "in", kept by the mail app above tickets: reached through the ORM's reverse relation
`ticket.incoming_emails`, never an import), newest first. Both have the same keys; `from`, `route`
and `received_at` belong to incoming mails, the delivery fields to outgoing ones (null otherwise).
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from outbox.models import OutgoingEmail
from supportdesk.api import request_data
from supportdesk.schema import form_body
from tickets import services
from tickets.forms import CustomerEmailForm
from tickets.models import NotificationKind, Ticket

TicketEmailCreateSerializer = form_body(
    CustomerEmailForm,
    "TicketEmailCreate",
    kind=serializers.ChoiceField(
        choices=NotificationKind.choices,
        required=False,
        allow_blank=True,
        label=_("Inhalt"),
        help_text=_(
            "Mit Inhalt wird die E-Mail als Kundeninformation dieser Art (Weg: E-Mail) erfasst; sie "
            "zählt für den Abschluss, sobald der Mailserver die E-Mail angenommen hat."
        ),
    ),
)


class TicketEmailSerializer(serializers.ModelSerializer):
    direction = serializers.SerializerMethodField()
    to = serializers.ListField(source="recipients", child=serializers.CharField(), read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = OutgoingEmail
        fields = [
            "id",
            "direction",
            "kind",
            "to",
            "subject",
            "body",
            "state",
            "attempts",
            "last_error",
            "sent_at",
            "notification",
            "message_id",
            "in_reply_to",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_direction(self, email) -> str:
        return "out"

    def to_representation(self, email):
        if not isinstance(email, OutgoingEmail):
            return IncomingEmailSerializer(email).data
        return {
            **super().to_representation(email),
            "from": email.from_email,
            "route": None,
            "received_at": None,
        }


class IncomingEmailSerializer(serializers.Serializer):
    """A mail that came in for the ticket, with the keys of an outgoing one."""

    def to_representation(self, mail):
        return {
            "id": mail.pk,
            "direction": "in",
            "kind": None,
            "from": mail.from_header,
            "to": [address.strip() for address in mail.to.split(",") if address.strip()],
            "subject": mail.subject,
            "body": mail.text,
            "state": None,
            "attempts": None,
            "last_error": None,
            "sent_at": mail.date.isoformat().replace("+00:00", "Z") if mail.date else None,
            "notification": None,
            "message_id": mail.message_id,
            "in_reply_to": None,
            "created_by": mail.assigned_by.username if mail.assigned_by_id else None,
            "created_at": serializers.DateTimeField().to_representation(mail.received_at),
            "route": mail.route,
            "received_at": serializers.DateTimeField().to_representation(mail.received_at),
        }


class Newest(list):
    """Both directions in one list, as the pagination reads a queryset (slices, a count)."""

    def __getitem__(self, index):
        found = super().__getitem__(index)
        return Newest(found) if isinstance(index, slice) else found

    def order_by(self, *fields):
        return self

    def count(self, *args):
        return len(self)


def emails_of(ticket):
    """The ticket's e-mails out and in, newest first: two queries."""
    out = OutgoingEmail.objects.filter(ticket=ticket).select_related("created_by")
    came_in = ticket.incoming_emails.select_related("assigned_by")
    rows = [*out, *came_in]
    return Newest(
        sorted(
            rows,
            key=lambda mail: (getattr(mail, "created_at", None) or mail.received_at, mail.pk),
            reverse=True,
        )
    )


class TicketEmailsView(generics.GenericAPIView):
    """GET: the ticket's e-mails, paginated. POST `{"to", "subject", "body", "kind"?}`: queued → 201."""

    serializer_class = TicketEmailSerializer
    detail = True  # accounts.permissions.CanRead: a write is checked on the ticket, after its 404
    queryset = Ticket.objects.all()

    def ticket(self, request, pk) -> Ticket:
        ticket = get_object_or_404(Ticket.objects.all(), pk=pk)
        self.check_object_permissions(request, ticket)
        return ticket

    @extend_schema(responses=TicketEmailSerializer(many=True))
    def get(self, request, pk):
        ticket = self.ticket(request, pk)
        page = self.paginate_queryset(emails_of(ticket))
        return self.get_paginated_response(TicketEmailSerializer(page, many=True).data)

    @extend_schema(request=TicketEmailCreateSerializer, responses={201: TicketEmailSerializer})
    def post(self, request, pk):
        ticket = self.ticket(request, pk)
        email = services.ticket_email_customer(
            ticket_id=ticket.pk, by=request.user, data=request_data(request)
        )
        email.refresh_from_db()  # its delivery was tried as the service committed
        return Response(TicketEmailSerializer(email).data, status=status.HTTP_201_CREATED)
