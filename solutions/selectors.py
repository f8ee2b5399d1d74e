"""Reads of known solutions: the ranked search, the suggestions during a call, usage counts.

Each function runs a fixed number of queries, whatever the number of rows.
"""

from django.db.models import Count, QuerySet

from solutions.models import KnownSolution
from supportdesk import search as text_search
from tickets.models import Ticket

SUGGESTED_SOLUTIONS = 5
SIMILAR_TICKETS = 3
SOLVED_STATES = ("immediate_fix", "closed")


def search(text: str, queryset: QuerySet | None = None) -> QuerySet:
    """Known solutions matching `text`, best first (annotated `relevance`)."""
    queryset = KnownSolution.objects.all() if queryset is None else queryset
    return text_search.ranked(queryset, text, title="title", fields=("symptoms", "solution", "cause"))


def usage_counts(solution_ids) -> dict[int, int]:
    """How many calls each known solution solved (tickets fixed with it); one query."""
    rows = (
        Ticket.objects.filter(known_solution__in=list(solution_ids))
        .order_by()
        .values_list("known_solution")
        .annotate(count=Count("pk"))
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
    active = KnownSolution.objects.filter(status=KnownSolution.Status.ACTIVE)
    return with_usage(search(text, active).select_related("program_request")[:limit])


def similar_solved_tickets(text: str, limit: int = SIMILAR_TICKETS, exclude=None) -> list[Ticket]:
    """Solved tickets with a solution of their own, most similar first; one query."""
    solved = Ticket.objects.filter(state__in=SOLVED_STATES).exclude(solution="")
    if exclude is not None:
        solved = solved.exclude(pk=exclude)
    ranked = text_search.ranked(solved, text, title="summary", fields=("description", "solution"))
    return list(ranked.select_related("customer")[:limit])
