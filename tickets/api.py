"""The ticket API (DESIGN §7): tickets with their transitions, records and history, and SIC's
program requests with their linked tickets. Every write goes through tickets.services."""

from functools import cached_property

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import CanSign
from audit.history import entries, history_rows
from supportdesk.api import request_data
from supportdesk.schema import CONFLICT, LOCKED_OUT, ModelSerializer, form_body
from tickets import selectors, services
from tickets.forms import (
    CallNoteForm,
    ComplaintEvaluationForm,
    LinkEndForm,
    NotificationForm,
    RiskReviewSignForm,
    TicketCreateForm,
    TicketEditForm,
    TicketLinkForm,
)
from tickets.models import CallNote, ComplaintEvaluation, CustomerNotification, RiskReview, State, Ticket
from vendor import services as vendor_services
from vendor.forms import ProgramRequestPlanForm, VendorContactForm
from vendor.models import ProgramRequest, VendorContact
from workflow.api import edit_request, known_transition, transition_request, transition_schema, version_field

# The request bodies, from the forms that validate them.
TicketCreateSerializer = form_body(TicketCreateForm, "TicketCreate")
TicketEditSerializer = form_body(TicketEditForm, "TicketEdit", version=version_field())
CallNoteCreateSerializer = form_body(CallNoteForm, "CallNoteCreate")
NotificationCreateSerializer = form_body(NotificationForm, "NotificationCreate")
RiskReviewSignSerializer = form_body(RiskReviewSignForm, "RiskReviewSign")
VendorContactCreateSerializer = form_body(VendorContactForm, "VendorContactCreate")
ComplaintEvaluationCreateSerializer = form_body(ComplaintEvaluationForm, "ComplaintEvaluationCreate")
LinkCreateSerializer = form_body(TicketLinkForm, "LinkCreate")
LinkEndSerializer = form_body(LinkEndForm, "LinkEnd")


class ComplaintEvaluationSerializer(serializers.ModelSerializer):
    evaluated_by = serializers.CharField(source="evaluated_by.username", read_only=True)

    class Meta:
        model = ComplaintEvaluation
        fields = [
            "id",
            "ticket",
            "is_complaint",
            "investigation",
            "findings",
            "justification",
            "vendor_contact",
            "capa",
            "evaluated_by",
            "evaluated_at",
        ]


class LinkSerializer(serializers.Serializer):
    """A link seen from the ticket asked for: the other ticket, in either direction (DESIGN §7)."""

    id = serializers.IntegerField(source="link.id", allow_null=True, default=None)
    kind = serializers.CharField()
    direction = serializers.SerializerMethodField()
    target = serializers.IntegerField(source="other.pk")
    target_number = serializers.CharField(source="other.number")
    reason = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="link.created_by.username", default=None, allow_null=True)
    created_at = serializers.DateTimeField(source="link.created_at", default=None, allow_null=True)
    ended_at = serializers.DateTimeField(source="link.ended_at", default=None, allow_null=True)
    end_reason = serializers.CharField(source="link.end_reason", default="")

    def get_direction(self, row) -> str:
        """outgoing: recorded on this ticket (or this is the duplicate); incoming: on the other."""
        link = row.get("link")
        if link is not None:
            return "outgoing" if link.ticket_id == self.context["ticket"].pk else "incoming"
        return "outgoing" if row["kind"] == "duplicate_of" else "incoming"

    def get_reason(self, row) -> str:
        link = row.get("link")
        if link is not None:
            return link.reason
        duplicate = self.context["ticket"] if row["kind"] == "duplicate_of" else row["other"]
        return duplicate.duplicate_reason


class TicketSerializer(ModelSerializer):
    state_label = serializers.SerializerMethodField()
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    available_transitions = serializers.SerializerMethodField()
    complaint = ComplaintEvaluationSerializer(source="complaint_evaluation", read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "state",
            "state_label",
            "customer",
            "customer_name",
            "contact",
            "caller_name",
            "caller_phone",
            "summary",
            "description",
            "category",
            "risk_relevant",
            "risk_description",
            "priority",
            "assignee",
            "follow_up_date",
            "problem_description",
            "resolution_kind",
            "solution",
            "program_request",
            "known_solution",
            "channel",
            "received_at",
            "sanivision_reference",
            "sanivision_version",
            "work_instruction_revision",
            "duplicate_of",
            "complaint",
            "version",
            "created_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = fields

    @cached_property
    def state_labels(self) -> dict:
        """Once per list, in the request's language (get_state_display translates every state per row)."""
        return {value: str(label) for value, label in State.choices}

    def get_state_label(self, ticket) -> str:
        return self.state_labels[ticket.state]

    def get_available_transitions(self, ticket) -> list[str]:
        return services.available_transitions(ticket, self.context["request"].user)


class CallNoteSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = CallNote
        fields = ["id", "ticket", "direction", "text", "created_by", "created_at"]


class NotificationSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = CustomerNotification
        fields = ["id", "ticket", "kind", "channel", "note", "created_by", "created_at"]


class VendorContactSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = VendorContact
        fields = [
            "id",
            "ticket",
            "kind",
            "channel",
            "vendor_person",
            "summary",
            "vendor_reference",
            "outcome",
            "created_by",
            "created_at",
        ]


class RiskReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(
        source="reviewer.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = RiskReview
        fields = [
            "id",
            "ticket",
            "state",
            "risk_description",
            "created_at",
            "reviewer",
            "signer_name",
            "signed_at",
            "meaning",
            "decision",
            "comment",
            "report_category",
        ]


class HistoryEntrySerializer(serializers.Serializer):
    """One history row (audit.history.Entry) in the API's words."""

    at = serializers.DateTimeField()
    user = serializers.CharField(source="username", allow_null=True)
    action = serializers.CharField(source="kind")
    from_state = serializers.CharField(allow_null=True)
    to_state = serializers.CharField(allow_null=True)
    changes = serializers.DictField(source="raw_changes", child=serializers.ListField())
    reason = serializers.CharField(source="reason_code")


@extend_schema_view(
    create=extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer}),
    partial_update=extend_schema(
        request=TicketEditSerializer, responses={200: TicketSerializer, 409: CONFLICT}
    ),
)
class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Ticket.objects.select_related("customer", "complaint_evaluation__evaluated_by").order_by(
        "-created_at", "-pk"
    )
    serializer_class = TicketSerializer
    filterset_class = selectors.TicketFilter
    uncounted_by = ("q",)  # supportdesk.api.Pagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def respond(self, ticket, status_code=status.HTTP_200_OK):
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(ticket).data, status=status_code)

    def create(self, request, *args, **kwargs):
        ticket = services.ticket_create(by=request.user, data=request_data(request))
        return self.respond(ticket, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        data, version = edit_request(request)
        ticket = services.ticket_update(
            ticket_id=ticket.pk, by=request.user, data=data, expected_version=version
        )
        return self.respond(ticket)

    @transition_schema(services.TICKETS, TicketSerializer, component="TicketTransition")
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        known_transition(services.TICKETS, name)
        ticket = self.get_object()
        data, seen = transition_request(request, services.TICKETS)
        ticket = services.TICKETS.run(ticket.pk, name, by=request.user, data=data, expected_state=seen)
        return self.respond(ticket)

    def records(self, request, serializer, rows, add):
        """A ticket's list of records (GET, paginated) or one recorded through its service (POST, 201)."""
        ticket = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(rows(ticket).select_related("created_by"))
            return self.get_paginated_response(serializer(page, many=True).data)
        record = add(ticket_id=ticket.pk, by=request.user, data=request_data(request))
        return Response(serializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=NotificationSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=NotificationCreateSerializer, responses={201: NotificationSerializer}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=NotificationSerializer)
    def notifications(self, request, pk=None):
        return self.records(
            request, NotificationSerializer, lambda t: t.notifications, services.ticket_add_notification
        )

    @extend_schema(methods=["GET"], responses=CallNoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=CallNoteCreateSerializer, responses={201: CallNoteSerializer})
    @action(detail=True, methods=["get", "post"], url_path="call-notes", serializer_class=CallNoteSerializer)
    def call_notes(self, request, pk=None):
        return self.records(
            request, CallNoteSerializer, lambda t: t.call_notes, services.ticket_add_call_note
        )

    @extend_schema(methods=["GET"], responses=VendorContactSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=VendorContactCreateSerializer, responses={201: VendorContactSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="vendor-contacts",
        serializer_class=VendorContactSerializer,
    )
    def vendor_contacts(self, request, pk=None):
        return self.records(
            request, VendorContactSerializer, lambda t: t.vendor_contacts, services.ticket_add_vendor_contact
        )

    @extend_schema(
        request=ComplaintEvaluationCreateSerializer, responses={201: ComplaintEvaluationSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="complaint-evaluation",
        serializer_class=ComplaintEvaluationSerializer,
    )
    def complaint_evaluation(self, request, pk=None):
        ticket = self.get_object()
        evaluation = services.ticket_evaluate_complaint(
            ticket_id=ticket.pk, by=request.user, data=request_data(request)
        )
        return Response(ComplaintEvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=LinkSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=LinkCreateSerializer, responses={201: LinkSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["get", "post"], serializer_class=LinkSerializer, pagination_class=None)
    def links(self, request, pk=None):
        """The ticket's links in both directions, with duplicate_of and its duplicates; every one."""
        ticket = self.get_object()
        if request.method == "POST":
            link = services.ticket_link(ticket_id=ticket.pk, by=request.user, data=request_data(request))
            row = {"kind": link.kind, "other": link.target, "link": link}
            return Response(
                LinkSerializer(row, context={"ticket": ticket}).data, status=status.HTTP_201_CREATED
            )
        rows = selectors.ticket_links(ticket)
        return Response(LinkSerializer(rows, many=True, context={"ticket": ticket}).data)

    @extend_schema(request=LinkEndSerializer, responses={200: LinkSerializer, 409: CONFLICT})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"links/(?P<link_id>[0-9]+)/end",
        serializer_class=LinkSerializer,
    )
    def end_link(self, request, pk=None, link_id=None):
        ticket = self.get_object()
        link = services.ticket_link_end(
            ticket_id=ticket.pk, link_id=int(link_id), by=request.user, data=request_data(request)
        )
        other = link.target if link.ticket_id == ticket.pk else link.ticket
        return Response(
            LinkSerializer({"kind": link.kind, "other": other, "link": link}, context={"ticket": ticket}).data
        )

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=HistoryEntrySerializer)
    def history(self, request, pk=None):
        ticket = self.get_object()
        page = entries(Ticket, self.paginate_queryset(history_rows(ticket)))
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=RiskReviewSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=RiskReviewSignSerializer,
        responses={201: RiskReviewSerializer, 409: CONFLICT, 429: LOCKED_OUT},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="risk-review",
        permission_classes=[CanSign],
        serializer_class=RiskReviewSerializer,
        pagination_class=None,  # every review of the ticket, in one list
    )
    def risk_review(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            return Response(
                RiskReviewSerializer(ticket.risk_reviews.select_related("reviewer"), many=True).data
            )
        review = services.risk_review_sign(
            ticket_id=ticket.pk, by=request.user, data=request_data(request), request=request
        )
        return Response(RiskReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# ---- SIC's program requests (R5) ------------------------------------------------------------


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
            "version",
            "tickets",
        ]


class DecisionSerializer(ProgramRequestSerializer):
    tickets_to_inform = serializers.SerializerMethodField()

    class Meta(ProgramRequestSerializer.Meta):
        fields = [*ProgramRequestSerializer.Meta.fields, "tickets_to_inform"]

    @extend_schema_field(LinkedTicketSerializer(many=True))
    def get_tickets_to_inform(self, program_request):
        return LinkedTicketSerializer(self.context["moved"], many=True).data


class ProgramRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ProgramRequest.State.choices)
    kind = django_filters.ChoiceFilter(choices=ProgramRequest.Kind.choices)

    class Meta:
        model = ProgramRequest
        fields = ["state", "kind"]


@extend_schema_view(
    partial_update=extend_schema(
        request=form_body(ProgramRequestPlanForm, "ProgramRequestPlan", version=version_field()),
        responses={200: ProgramRequestSerializer, 409: CONFLICT},
        description=(
            "Den Plan von SIC korrigieren (planned_release, planned_date) mit `reason` (R20); nur solange "
            "der Programmwunsch offen ist (sonst 409), optional mit `version` (veraltet: 409)."
        ),
    )
)
class ProgramRequestViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ProgramRequest.objects.prefetch_related("tickets__customer").order_by("-created_at", "-pk")
    serializer_class = ProgramRequestSerializer
    filterset_class = ProgramRequestFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        program_request = self.get_object()
        data, version = edit_request(request)
        vendor_services.program_request_correct_plan(
            program_request_id=program_request.pk, by=request.user, data=data, expected_version=version
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=program_request.pk)).data)

    @transition_schema(
        services.PROGRAM_REQUESTS, DecisionSerializer, component="ProgramRequestTransition", expected=None
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        known_transition(services.PROGRAM_REQUESTS, name)
        program_request = self.get_object()
        program_request, moved = services.program_request_transition(
            program_request_id=program_request.pk, name=name, by=request.user, data=request_data(request)
        )
        program_request = self.get_queryset().get(pk=program_request.pk)
        return Response(
            DecisionSerializer(program_request, context={"moved": moved, "request": request}).data
        )
