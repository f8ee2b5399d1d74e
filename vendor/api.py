import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from supportdesk.api import request_data
from tickets.models import Ticket
from vendor import services
from vendor.models import ProgramRequest


class LinkedTicketSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "state",
            "summary",
            "customer",
            "customer_name",
            "contact",
            "caller_name",
            "caller_phone",
        ]


class ProgramRequestSerializer(serializers.ModelSerializer):
    tickets = LinkedTicketSerializer(many=True, read_only=True)
    priority = serializers.CharField(read_only=True)

    class Meta:
        model = ProgramRequest
        fields = [
            "id",
            "vendor_reference",
            "kind",
            "priority",
            "title",
            "state",
            "planned_release",
            "planned_date",
            "realized_release",
            "realized_on",
            "justification",
            "decided_at",
            "created_at",
            "updated_at",
            "tickets",
        ]


class DecisionSerializer(ProgramRequestSerializer):
    tickets_to_inform = serializers.SerializerMethodField()

    class Meta(ProgramRequestSerializer.Meta):
        fields = [*ProgramRequestSerializer.Meta.fields, "tickets_to_inform"]

    def get_tickets_to_inform(self, program_request) -> list[dict]:
        return LinkedTicketSerializer(self.context["moved"], many=True).data


class ProgramRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ProgramRequest.State.choices)
    kind = django_filters.ChoiceFilter(choices=ProgramRequest.Kind.choices)

    class Meta:
        model = ProgramRequest
        fields = ["state", "kind"]


class ProgramRequestViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ProgramRequest.objects.prefetch_related("tickets__customer").order_by("-created_at", "-pk")
    serializer_class = ProgramRequestSerializer
    filterset_class = ProgramRequestFilter

    @extend_schema(request=None, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        if name not in services.DECISION_FORMS:
            raise NotFound(_("Diesen Schritt gibt es nicht."))
        program_request = self.get_object()
        program_request, moved = services.program_request_transition(
            program_request_id=program_request.pk, name=name, by=request.user, data=request_data(request)
        )
        program_request = self.get_queryset().get(pk=program_request.pk)
        return Response(
            DecisionSerializer(program_request, context={"moved": moved, "request": request}).data
        )
