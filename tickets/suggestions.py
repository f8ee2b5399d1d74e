"""Suggestions during the call (issue 5): beside the intake form and on a ticket in triage, the known
solutions and the solved tickets that best match what the caller said, each with its solution.

The fragment is fetched by htmx while summary and description are typed, and rendered into the
pages themselves where they need it (the intake page after a refused save, a ticket in triage), so
it works without JavaScript too. A fixed number of queries, however many rows match.
"""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from solutions.models import KnownSolution
from solutions.selectors import suggested_solutions
from supportdesk import search
from tickets import selectors
from tickets.models import ResolutionKind, Ticket

SUMMARY_CHARS = 200
# Only the first words of a description are searched (supportdesk.search.MAX_WORDS); the intake page
# sends no more than this, so the request line stays short whatever was pasted into the field.
DESCRIPTION_CHARS = 500


def suggestions_for(summary: str, description: str, *, ticket_id: int | None = None) -> dict:
    """The fragment's context: matching active known solutions and similar solved tickets.

    `ticket_id`: the ticket in triage the suggestions are for (left out of the similar tickets;
    the use-buttons then prefill its "Sofortlösung" instead of submitting the intake form).
    No words, no query: only a hint is shown."""
    text = f"{(summary or '')[:SUMMARY_CHARS]}\n{(description or '')[:DESCRIPTION_CHARS]}"
    if not search.words(text):
        return {"searched": False, "ticket_id": ticket_id}
    return {
        "searched": True,
        "ticket_id": ticket_id,
        "solutions": suggested_solutions(text),
        "similar": selectors.similar_solved_tickets(text, exclude=ticket_id),
    }


def for_ticket(ticket: Ticket) -> dict:
    """The suggestions for a ticket in triage, from its own summary and description."""
    return suggestions_for(ticket.summary, ticket.description, ticket_id=ticket.pk)


def _id(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() else None


def fix_immediately_initial(params) -> dict | None:
    """?solution=<known solution> or ?from_ticket=<solved ticket> on the ticket page: the initial
    data of its "Sofortlösung" form, to be adapted and submitted by the agent; None if neither
    names something usable (a retired solution, a ticket without solution)."""
    if solution_id := _id(params.get("solution")):
        known = KnownSolution.objects.filter(pk=solution_id, state=KnownSolution.State.ACTIVE).first()
        return None if known is None else fix_data(known.solution, known)
    if ticket_id := _id(params.get("from_ticket")):
        source = selectors.solved_tickets().filter(pk=ticket_id).select_related("known_solution").first()
        return None if source is None else fix_data(source.solution, source.known_solution)
    return None


def fix_data(solution: str, known: KnownSolution | None) -> dict:
    """The data of `fix_immediately` for an adopted solution: a known workaround, linked to the
    known solution when it (still) is an active one, so it counts as used."""
    active = known is not None and known.state == KnownSolution.State.ACTIVE
    return {
        "resolution_kind": ResolutionKind.KNOWN_WORKAROUND,
        "solution": solution,
        "known_solution": known.pk if active else None,
    }


@require_http_methods(["GET"])
@role_required(roles.can_work)
def suggestions(request):
    """GET ?summary=..&description=..[&ticket=<id>][&customer=<id>]: the fragment (htmx); with a
    customer, also the warning about a similar open ticket of theirs (swapped in out of band)."""
    summary = request.GET.get("summary", "")
    context = suggestions_for(
        summary, request.GET.get("description", ""), ticket_id=_id(request.GET.get("ticket"))
    )
    customer = _id(request.GET.get("customer"))
    similar = selectors.similar_open_tickets(customer, summary[:SUMMARY_CHARS]) if customer else None
    return render(
        request,
        "solutions/_suggestions.html",
        {"suggestions": context, "similar_open": similar, "duplicate_oob": customer is not None},
    )
