import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.permissions import CanSign
from supportdesk import search
from supportdesk.api import BooleanFilter, request_data
from tickets import services
from tickets.forms import TRANSITION_FORMS
from tickets.history import history_entries
from tickets.models import CallNote, Category, CustomerNotification, RiskReview, State, Ticket


class TicketSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    available_transitions = serializers.SerializerMethodField()

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
            "version",
            "created_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = fields

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


class RiskReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True, default=None)

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
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    from_state = serializers.CharField(allow_null=True)
    to_state = serializers.CharField(allow_null=True)
    changes = serializers.DictField(child=serializers.ListField())
    reason = serializers.CharField()


def follow_up_due(queryset, name, value):
    due = Ticket.objects.follow_up_due(timezone.localdate()).values("pk")
    return queryset.filter(pk__in=due) if value else queryset.exclude(pk__in=due)


def matching_text(queryset, name, value):
    """Every word in the summary, description or solution (the known solutions' search), or a
    ticket number or customer name containing the text."""
    value = value.strip()
    return search.matching_all(
        queryset,
        value,
        fields=("summary", "description", "solution"),
        also=Q(number__icontains=value) | Q(customer__name__icontains=value),
    )


class TicketFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    risk_relevant = BooleanFilter()
    follow_up_due = BooleanFilter(method=follow_up_due, label=_("Wiedervorlage fällig"))
    q = django_filters.CharFilter(method=matching_text, label=_("Suche"), max_length=200)

    class Meta:
        model = Ticket
        fields = ["state", "customer", "assignee", "category", "risk_relevant", "follow_up_due", "q"]


class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Ticket.objects.select_related("customer").order_by("-created_at", "-pk")
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def respond(self, ticket, status_code=status.HTTP_200_OK):
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(ticket).data, status=status_code)

    def create(self, request, *args, **kwargs):
        ticket = services.ticket_create(by=request.user, data=request_data(request))
        return self.respond(ticket, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = request_data(request)
        version = data.pop("version", None)
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise serializers.ValidationError({"version": [_("Eine ganze Zahl wird erwartet.")]})
        ticket = services.ticket_update(
            ticket_id=ticket.pk, by=request.user, data=data, expected_version=version
        )
        return self.respond(ticket)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        if name not in TRANSITION_FORMS:
            raise NotFound(_("Diesen Schritt gibt es nicht."))
        ticket = self.get_object()
        data = request_data(request)
        expected_state = data.pop("expected_state", None)
        if expected_state is not None and expected_state not in State.values:
            raise serializers.ValidationError({"expected_state": [_("Unbekannter Status.")]})
        ticket = services.ticket_transition(
            ticket_id=ticket.pk, name=name, by=request.user, data=data, expected_state=expected_state
        )
        return self.respond(ticket)

    @action(detail=True, methods=["get", "post"], serializer_class=NotificationSerializer)
    def notifications(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            notes = ticket.notifications.select_related("created_by")
            return self.get_paginated_response(
                NotificationSerializer(self.paginate_queryset(notes), many=True).data
            )
        notification = services.ticket_add_notification(
            ticket_id=ticket.pk, by=request.user, data=request_data(request)
        )
        return Response(NotificationSerializer(notification).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get", "post"], url_path="call-notes", serializer_class=CallNoteSerializer)
    def call_notes(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            notes = ticket.call_notes.select_related("created_by")
            return self.get_paginated_response(
                CallNoteSerializer(self.paginate_queryset(notes), many=True).data
            )
        note = services.ticket_add_call_note(ticket_id=ticket.pk, by=request.user, data=request_data(request))
        return Response(CallNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], serializer_class=HistoryEntrySerializer)
    def history(self, request, pk=None):
        ticket = self.get_object()
        rows = Ticket.history.filter(id=ticket.pk).select_related("history_user").order_by("history_id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HistoryEntrySerializer(history_entries(page), many=True).data)

    @extend_schema(request=None, responses=RiskReviewSerializer)
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="risk-review",
        permission_classes=[CanSign],
        serializer_class=RiskReviewSerializer,
    )
    def risk_review(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "GET":
            return Response(
                RiskReviewSerializer(ticket.risk_reviews.select_related("reviewer"), many=True).data
            )
        review = services.risk_review_sign(ticket_id=ticket.pk, by=request.user, data=request_data(request))
        return Response(RiskReviewSerializer(review).data, status=status.HTTP_201_CREATED)
