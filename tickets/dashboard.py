"""The dashboard `/` (DESIGN §8): what needs doing now, for every role, in a fixed number of queries."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from tickets import selectors

SHOWN = 20  # per list; the count above each list tells how many there are in all


def shown(queryset, *related):
    return list(queryset.select_related(*related)[:SHOWN])


@require_http_methods(["GET"])
@role_required(roles.can_read)
def dashboard(request):
    today = timezone.localdate()  # Europe/Berlin (TIME_ZONE)
    lists = {
        "mine": selectors.my_open_tickets(request.user),
        "follow_ups": selectors.follow_ups_due(),
        "risk_reviews": selectors.pending_risk_reviews(),
        "waiting": selectors.waiting_for_customer_information(),
    }
    context = {
        "today": today,
        "counts": {name: queryset.count() for name, queryset in lists.items()},
        "mine": shown(lists["mine"], "customer"),
        "follow_ups": shown(lists["follow_ups"], "customer"),
        "risk_reviews": shown(lists["risk_reviews"], "ticket__customer", "requested_by"),
        "waiting": shown(lists["waiting"], "customer"),
        "shown": SHOWN,
        # Reportable events (MDR Art. 87) counting down until the report is recorded; one query, all of them.
        "authority_reports": selectors.with_countdown(selectors.open_reports()),
    }
    return render(request, "tickets/dashboard.html", context)
