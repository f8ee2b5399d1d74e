"""Reads of known solutions: the ranked search, the suggested solutions during a call, usage counts.

Each function runs a fixed number of queries, whatever the number of rows.
"""

from django import forms
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.history import object_history
from solutions.models import Category, KnownSolution
from supportdesk import search as text_search

SUGGESTED_SOLUTIONS = 5
# Rows ranked per suggestion query, at most about four times this: the cost stays flat however large
# the tables grow (bench/suggestion_search.py: p95 of the request about 45 ms with 100,000 known
# solutions and 1,000,000 tickets on two cores).
SUGGESTION_CANDIDATES = 50
TICKETS_SHOWN = 10
ALL = "all"


def search(text: str, queryset: QuerySet | None = None, candidates: int | None = None) -> QuerySet:
    """Known solutions matching `text`, best first (annotated `relevance`); see
    supportdesk.search.ranked for `candidates`."""
    queryset = KnownSolution.objects.all() if queryset is None else queryset
    return text_search.ranked(
        queryset, text, title="title", fields=("symptoms", "solution", "cause"), candidates=candidates
    )


def usage_counts(solution_ids) -> dict[int, int]:
    """How many calls each known solution solved (tickets fixed with it); one query."""
    rows = (
        KnownSolution.objects.filter(pk__in=list(solution_ids), tickets__isnull=False)
        .order_by()
        .values_list("pk")
        .annotate(count=Count("tickets"))
    )
    return dict(rows)


def with_usage(solutions) -> list[KnownSolution]:
    """The solutions with `times_used` set: one query for all of them."""
    solutions = list(solutions)
    counts = usage_counts(solution.pk for solution in solutions)
    for solution in solutions:
        solution.times_used = counts.get(solution.pk, 0)
    return solutions


def suggested_solutions(text: str, limit: int = SUGGESTED_SOLUTIONS) -> list[KnownSolution]:
    """The active known solutions best matching what the caller said; two queries."""
    active = KnownSolution.objects.filter(state=KnownSolution.State.ACTIVE)
    found = search(text, active, candidates=SUGGESTION_CANDIDATES)
    return with_usage(found.select_related("program_request")[:limit])


# ---- the known-solution pages ------------------------------------------------------------------


class SolutionFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Suche"),
        help_text=_("Wörter aus Titel, Symptomen, Ursache oder Lösung, auch Fehlercodes"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # The page's parameter keeps the name `status` that bookmarks and the API use.
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[*KnownSolution.State.choices, (ALL, _("alle"))]
    )
    kind = forms.ChoiceField(
        required=False, label=_("Art"), choices=[("", _("alle")), *KnownSolution.Kind.choices]
    )
    category = forms.ChoiceField(
        required=False, label=_("Art des Problems"), choices=[("", _("alle")), *Category.choices]
    )

    def __init__(self, data):
        # Without a status in the request the list shows the active solutions, and says so.
        if not data.get("status"):
            data = data.copy()
            data["status"] = KnownSolution.State.ACTIVE
        super().__init__(data)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        state, kind, category = (self.cleaned_data[name] for name in ("status", "kind", "category"))
        if state and state != ALL:
            queryset = queryset.filter(state=state)
        if kind:
            queryset = queryset.filter(kind=kind)
        if category:
            queryset = queryset.filter(category=category)
        if text := self.cleaned_data["q"].strip():
            return search(text, queryset)
        return queryset.order_by("title", "pk")


def solution_for_page() -> QuerySet:
    return KnownSolution.objects.select_related("program_request", "source_ticket", "created_by")


def tickets_solved_with(solution: KnownSolution, limit: int = TICKETS_SHOWN) -> list:
    """The latest calls solved with the solution, newest first; one query."""
    return list(
        solution.tickets.select_related("customer")
        .only("number", "summary", "state", "created_at", "known_solution", "customer__name")
        .order_by("-created_at", "-pk")[:limit]
    )


def solution_history(solution: KnownSolution) -> list:
    """Every history row of the solution, oldest first: who, when, why, old → new."""
    return object_history(solution)
