"""GET /api/v1/outbox/?state= (management, admin): the outgoing e-mails (R17, DESIGN §7)."""

from rest_framework import permissions, serializers, viewsets

from accounts import roles
from outbox import selectors
from outbox.models import OutgoingEmail
from outbox.services import DENIED


class OutgoingEmailSerializer(serializers.ModelSerializer):
    to = serializers.ListField(source="recipients", child=serializers.CharField(), read_only=True)
    ticket_number = serializers.CharField(
        source="ticket.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = OutgoingEmail
        fields = [
            "id",
            "kind",
            "to",
            "subject",
            "state",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
            "ticket",
            "ticket_number",
            "notification",
            "message_id",
        ]
        read_only_fields = fields


class CanReadOutbox(permissions.BasePermission):
    message = DENIED

    def has_permission(self, request, view):
        return roles.can_read_outbox(request.user)


class OutboxViewSet(viewsets.ReadOnlyModelViewSet):
    """Every e-mail the system sends, newest first; `state` ∈ queued, sent, failed."""

    queryset = selectors.outbox_rows().order_by("-created_at", "-pk")
    serializer_class = OutgoingEmailSerializer
    permission_classes = [CanReadOutbox]
    filterset_class = selectors.OutboxFilter
