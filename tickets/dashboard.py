"""The dashboard `/` (DESIGN §8): what needs doing now, for every role, in a fixed number of queries.

It reads only open tickets (from partial indexes on PostgreSQL) and counts each list only up to
COUNTED, so it costs the same at a million tickets as at a thousand."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from capa import selectors as capa_selectors
from tickets import selectors

SHOWN = 20  # per list; the count above each list tells how many there are in all
COUNTED = 1000  # counted at most; more are shown as "mehr als 1.000"


# The columns the lists show: whole ticket and customer rows made a fifth of the page's time
# (52 -> 41 ms in-process at 100,000 tickets).
TICKET_COLUMNS = (
    "number",
    "summary",
    "state",
    "risk_relevant",
    "priority",
    "follow_up_date",
    "customer__name",
)
ASSIGNED_BY = ("assigned_at", *(f"assigned_by__{name}" for name in ("username", "first_name", "last_name")))
# django-fsm-2 reads every state field as a row is built, so the states are always read.
REVIEW_COLUMNS = (
    *("state", "ticket__state", "ticket__number", "ticket__customer__name", "risk_description", "created_at"),
    *(f"requested_by__{name}" for name in ("username", "first_name", "last_name")),
)


def shown(queryset, *columns):
    related = {column.rpartition("__")[0] for column in columns} - {""}
    return list(queryset.select_related(*related).only(*columns)[:SHOWN])


def counted(queryset, *, in_order=False) -> int:
    """The number of rows, up to COUNTED + 1: the count stops there (a COUNT over a LIMIT).
    `in_order`: read them in the list's order, from the index that gives it, where PostgreSQL
    would otherwise pick a worse one (the waiting tickets: from the open tickets' number index,
    52 ms at 1,000,000 tickets instead of 5; the other lists count in under 1 ms unordered)."""
    return (queryset if in_order else queryset.order_by())[: COUNTED + 1].count()


def count_text(count: int) -> str:
    if count > COUNTED:
        return _("mehr als %(count)s") % {"count": number_format(COUNTED, force_grouping=True)}
    return number_format(count, force_grouping=True)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def dashboard(request):
    today = timezone.localdate()  # Europe/Berlin (TIME_ZONE)
    lists = {
        "mine": selectors.my_open_tickets(request.user),
        "unassigned": selectors.unassigned_open_tickets(),
        "follow_ups": selectors.follow_ups_due(),
        "risk_reviews": selectors.pending_risk_reviews(),
        "waiting": selectors.waiting_for_customer_information(),
    }
    counts = {name: counted(queryset, in_order=name == "waiting") for name, queryset in lists.items()}
    context = {
        "today": today,
        "counts": counts,
        "count_texts": {name: count_text(count) for name, count in counts.items()},
        "mine": shown(lists["mine"], *TICKET_COLUMNS, *ASSIGNED_BY),
        "unassigned": shown(lists["unassigned"], *TICKET_COLUMNS),
        "follow_ups": shown(lists["follow_ups"], *TICKET_COLUMNS),
        "risk_reviews": shown(lists["risk_reviews"], *REVIEW_COLUMNS),
        "waiting": shown(lists["waiting"], *TICKET_COLUMNS),
        "shown": SHOWN,
        # Reportable events (MDR Art. 87) counting down until the report is recorded; one query, all of them.
        "authority_reports": selectors.with_countdown(selectors.open_reports()),
        # Overdue CAPAs for those who decide and carry them out; one query, none for the others.
        "overdue_capas": list(capa_selectors.overdue_capas().select_related("owner")[:SHOWN])
        if roles.can_decide_capa(request.user) or roles.can_carry_out_capa(request.user)
        else [],
    }
    return render(request, "tickets/dashboard.html", context)
