"""Reads of known solutions: the ranked search, the suggestions during a call, usage counts.

Each function runs a fixed number of queries, whatever the number of rows.
"""

from django.db.models import Count, QuerySet

from audit import selectors as audit
from solutions.models import KnownSolution
from solutions.services import SOLVED_STATES, can_become_known_solution
from supportdesk import search as text_search
from tickets.models import Ticket

SUGGESTED_SOLUTIONS = 5
SIMILAR_TICKETS = 3
# Rows ranked per suggestion query, at most about four times this: the cost stays flat however large
# the tables grow (bench/suggestion_search.py: p95 of the request about 45 ms with 100,000 known
# solutions and 1,000,000 tickets on two cores).
SUGGESTION_CANDIDATES = 50


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
    found = search(text, active, candidates=SUGGESTION_CANDIDATES)
    return with_usage(found.select_related("program_request")[:limit])


def solved_tickets():
    """Tickets solved at once (by support or SIC) with a solution text: what a call can adopt."""
    return Ticket.objects.filter(state__in=SOLVED_STATES).exclude(solution="")


def similar_solved_tickets(text: str, limit: int = SIMILAR_TICKETS, exclude=None) -> list[Ticket]:
    """Solved tickets with a solution of their own, most similar first; one query."""
    solved = solved_tickets()
    if exclude is not None:
        solved = solved.exclude(pk=exclude)
    ranked = text_search.ranked(
        solved, text, title="summary", fields=("description", "solution"), candidates=SUGGESTION_CANDIDATES
    )
    return list(ranked.select_related("customer")[:limit])


# ---- the known-solution pages ------------------------------------------------------------------

TICKETS_SHOWN = 10


def solution_for_page() -> QuerySet:
    return KnownSolution.objects.select_related("program_request", "source_ticket", "created_by")


def tickets_solved_with(solution: KnownSolution, limit: int = TICKETS_SHOWN) -> list[Ticket]:
    """The latest calls solved with the solution, newest first; one query."""
    return list(
        Ticket.objects.filter(known_solution=solution)
        .select_related("customer")
        .only("number", "summary", "state", "created_at", "customer__name")
        .order_by("-created_at", "-pk")[:limit]
    )


def solution_history(solution: KnownSolution) -> list:
    """Every history row of the solution, oldest first, as the audit trail shows it: who, when,
    why, old → new (audit.selectors entries); a fixed number of queries."""
    source = audit.source_index(KnownSolution._meta.label)
    ids = (
        KnownSolution.history.filter(id=solution.pk)
        .order_by("history_id")
        .values_list("history_id", flat=True)
    )
    return audit.load_entries([(source, history_id) for history_id in ids])


def ticket_offer(ticket: Ticket) -> dict | None:
    """ "Als bekannte Lösung speichern" on the ticket page: None when the ticket is no solved ticket
    with a solution of its own; else the known solutions already made from it (one query)."""
    if not can_become_known_solution(ticket):
        return None
    return {"existing": list(KnownSolution.objects.filter(source_ticket=ticket).order_by("pk"))}
