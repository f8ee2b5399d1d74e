"""Known solutions over the API: the ranked search, reading, and writes through solutions.services.

The model's state field is `state`; the API keeps calling it `status` (with `status_label`,
`expected_status`, `?status=` and the history's `from_status`/`to_status`), as it did from the start.

`GET /api/v1/solutions/` lists the active known solutions by title; `?q=` ranks them by the search
that also serves the suggestions during a call (best first); `?status=` chooses draft, retired or
`all` instead of only the active ones. Each item carries `times_used`: how many calls it solved.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.history import entries, history_rows
from solutions import selectors, services
from solutions.forms import KnownSolutionForm
from solutions.models import Category, KnownSolution
from supportdesk.api import request_data
from supportdesk.schema import CONFLICT, form_body
from workflow.api import edit_request, known_transition, transition_request, transition_schema, version_field

ALL = "all"


class KnownSolutionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(source="state", choices=KnownSolution.State.choices, read_only=True)
    status_label = serializers.CharField(source="get_state_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    times_used = serializers.IntegerField(
        read_only=True, help_text=_("Wie viele Anrufe mit dieser bekannten Lösung gelöst wurden.")
    )
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = KnownSolution
        fields = [
            "id",
            "title",
            "symptoms",
            "cause",
            "solution",
            "kind",
            "kind_label",
            "category",
            "affected_versions",
            "program_request",
            "fixed_in_version",
            "status",
            "status_label",
            "retired_reason",
            "source_ticket",
            "times_used",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "available_transitions",
        ]
        read_only_fields = fields

    def get_available_transitions(self, solution) -> list[str]:
        return services.SOLUTIONS.available(solution, self.context["request"].user)


# A new known solution, and an edit: the fields to change (the others keep their values) and the
# version the edit is based on; solutions.services validates them with the form (400, field errors).
KnownSolutionWriteSerializer = form_body(KnownSolutionForm, "KnownSolutionWrite")
KnownSolutionEditSerializer = form_body(KnownSolutionForm, "KnownSolutionEdit", version=version_field())


class SolutionHistoryEntrySerializer(serializers.Serializer):
    """One history row (audit.history.Entry) in the API's words."""

    at = serializers.DateTimeField()
    user = serializers.CharField(source="username", allow_null=True)
    action = serializers.CharField(source="kind")
    from_status = serializers.CharField(source="from_state", allow_null=True)
    to_status = serializers.CharField(source="to_state", allow_null=True)
    changes = serializers.DictField(source="raw_changes", child=serializers.ListField())
    reason = serializers.CharField(source="reason_code")


def ranked_search(queryset, name, value):
    """Matches of the known-solution search, best first (the list's title order no longer applies)."""
    return selectors.search(value, queryset)


class StatusFilter(django_filters.ChoiceFilter):
    """Without a value only the active known solutions; `all` for every status."""

    def filter(self, qs, value):
        if value == ALL:
            return qs
        return qs.filter(state=value or KnownSolution.State.ACTIVE)


class KnownSolutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method=ranked_search,
        label=_("Suche (Titel, Symptome, Ursache, Lösung); sortiert nach Treffergüte"),
        max_length=200,
    )
    status = StatusFilter(
        choices=[*KnownSolution.State.choices, (ALL, _("alle"))],
        label=_("Status; ohne Angabe nur aktive, „all“ für alle"),
    )
    kind = django_filters.ChoiceFilter(choices=KnownSolution.Kind.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)

    class Meta:
        model = KnownSolution
        fields = ["q", "status", "kind", "category"]


class KnownSolutionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Known solutions: everyone reads; support, management and admin create, edit, publish, retire.
    Never deleted: a solution that no longer applies is retired."""

    queryset = KnownSolution.objects.select_related("created_by").order_by("title", "pk")
    serializer_class = KnownSolutionSerializer
    filterset_class = KnownSolutionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def filter_queryset(self, queryset):
        # The filters (and the "active only" default) choose what the list shows; one solution is
        # found by its id whatever its status.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def respond(self, solution, status_code=status.HTTP_200_OK):
        solution = selectors.with_usage([self.get_queryset().get(pk=solution.pk)])[0]
        return Response(self.get_serializer(solution).data, status=status_code)

    def list(self, request, *args, **kwargs):
        page = selectors.with_usage(self.paginate_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return self.respond(self.get_object())

    @extend_schema(request=KnownSolutionWriteSerializer, responses={201: KnownSolutionSerializer})
    def create(self, request, *args, **kwargs):
        solution = services.solution_create(by=request.user, data=request_data(request))
        return self.respond(solution, status.HTTP_201_CREATED)

    @extend_schema(
        request=KnownSolutionEditSerializer, responses={200: KnownSolutionSerializer, 409: CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        solution = self.get_object()
        data, version = edit_request(request)
        solution = services.solution_update(
            solution_id=solution.pk, by=request.user, data=data, expected_version=version
        )
        return self.respond(solution)

    @transition_schema(
        services.SOLUTIONS,
        KnownSolutionSerializer,
        component="SolutionTransition",
        expected="expected_status",
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request, pk=None, name=None):
        known_transition(services.SOLUTIONS, name)
        solution = self.get_object()
        data, seen = transition_request(request, services.SOLUTIONS, expected="expected_status")
        solution = services.SOLUTIONS.run(solution.pk, name, by=request.user, data=data, expected_state=seen)
        return self.respond(solution)

    @extend_schema(responses=SolutionHistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=SolutionHistoryEntrySerializer)
    def history(self, request, pk=None):
        solution = self.get_object()
        page = entries(KnownSolution, self.paginate_queryset(history_rows(solution)))
        return self.get_paginated_response(SolutionHistoryEntrySerializer(page, many=True).data)
