"""Process CAPAs over the API (DESIGN §7, R22): every role reads and proposes; management accepts or
rejects with its password (a signature, meaning "decision"); the process manager records the
implementation and the effectiveness check. Errors in the order 404 → 403 → 409 → 400."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts import roles
from audit.history import entries, history_rows
from capa import services
from capa.forms import CapaCreateForm
from capa.models import CapaProposal
from supportdesk.api import request_data
from supportdesk.schema import CONFLICT, LOCKED_OUT, form_body
from workflow.api import known_transition, transition_request, transition_schema


class CanReadAndPropose(BasePermission):
    """Every role reads and may propose; who may run a step the CAPA workflow decides (403)."""

    def has_permission(self, request, view):
        return roles.can_read(request.user)


class CapaSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    tickets = serializers.SerializerMethodField(help_text=_("Die IDs der verknüpften Vorgänge."))
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    implemented_by = serializers.CharField(source="implemented_by.username", read_only=True, allow_null=True)
    checked_by = serializers.CharField(source="checked_by.username", read_only=True, allow_null=True)
    overdue = serializers.BooleanField(
        read_only=True, help_text=_("Angenommen, Umsetzungsdatum überschritten, noch nicht umgesetzt.")
    )
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = CapaProposal
        fields = [
            "id",
            "title",
            "what",
            "why",
            "state",
            "state_label",
            "tickets",
            "risk_review",
            "raised_by",
            "created_at",
            "decided_by",
            "decision_signer_name",
            "decided_at",
            "decision_meaning",
            "decision_comment",
            "rejection_reason",
            "owner",
            "owner_name",
            "due_date",
            "overdue",
            "implementation",
            "implemented_by",
            "implemented_at",
            "effective",
            "effectiveness_result",
            "checked_by",
            "checked_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = fields

    def get_tickets(self, capa) -> list[int]:
        return [link.ticket_id for link in capa.links.all()]

    def get_owner_name(self, capa) -> str | None:
        return (capa.owner.get_full_name() or capa.owner.get_username()) if capa.owner else None

    def get_available_transitions(self, capa) -> list[str]:
        return services.CAPA.available(capa, self.context["request"].user)


CapaCreateSerializer = form_body(
    CapaCreateForm,
    "CapaCreate",
    tickets=serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=_("Die IDs der Vorgänge, die es zeigen.")
    ),
)


class CapaHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(source="username", allow_null=True)
    action = serializers.CharField(source="kind")
    from_state = serializers.CharField(allow_null=True)
    to_state = serializers.CharField(allow_null=True)
    changes = serializers.DictField(source="raw_changes", child=serializers.ListField())
    reason = serializers.CharField(source="reason_code")


class CapaViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Process CAPAs, newest first; never deleted."""

    queryset = (
        CapaProposal.objects.select_related(
            "raised_by", "decided_by", "owner", "implemented_by", "checked_by"
        )
        .prefetch_related("links")
        .order_by("-created_at", "-pk")
    )
    serializer_class = CapaSerializer
    permission_classes = [CanReadAndPropose]
    http_method_names = ["get", "post", "head", "options"]

    def respond(self, capa, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=capa.pk)).data, status=status_code)

    @extend_schema(request=CapaCreateSerializer, responses={201: CapaSerializer})
    def create(self, request, *args, **kwargs):
        capa = services.capa_create(by=request.user, data=request_data(request), ticket_ids=True)
        return self.respond(capa, status.HTTP_201_CREATED)

    @extend_schema(responses={200: CapaSerializer, 409: CONFLICT, 429: LOCKED_OUT})
    @transition_schema(services.CAPA, CapaSerializer, component="CapaTransition")
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        known_transition(services.CAPA, name)
        capa = self.get_object()
        data, seen = transition_request(request, services.CAPA)
        capa = services.capa_transition(
            capa_id=capa.pk, name=name, by=request.user, data=data, expected_state=seen, request=request
        )
        return self.respond(capa)

    @extend_schema(responses=CapaHistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=CapaHistoryEntrySerializer)
    def history(self, request, pk=None):
        capa = self.get_object()
        page = entries(CapaProposal, self.paginate_queryset(history_rows(capa)))
        return self.get_paginated_response(CapaHistoryEntrySerializer(page, many=True).data)
