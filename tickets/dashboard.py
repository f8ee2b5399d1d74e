"""The dashboard `/` (DESIGN §8): what needs doing now, for every role, in a fixed number of queries."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from tickets import reporting
from tickets.models import NOTIFICATION_REQUIRED_TO_CLOSE, CustomerNotification, RiskReview, State, Ticket

SHOWN = 20  # per list; the count above each list tells how many there are in all


def my_open_tickets(user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(assignee=user).exclude(state=State.CLOSED).order_by("-created_at", "-pk")


def follow_ups_due() -> QuerySet[Ticket]:
    """Wiedervorlage due today or overdue, oldest first (DESIGN §7 follow_up_due)."""
    return Ticket.objects.follow_up_due(timezone.localdate()).order_by("follow_up_date", "created_at", "pk")


def pending_risk_reviews() -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(state=RiskReview.State.PENDING).order_by("created_at", "pk")


def waiting_for_customer_information() -> QuerySet[Ticket]:
    """Tickets that R2 keeps from closing: the query form of tickets.models.customer_informed,
    built from the same NOTIFICATION_REQUIRED_TO_CLOSE map."""
    not_informed = Q(pk__in=[])
    for state, kind in NOTIFICATION_REQUIRED_TO_CLOSE.items():
        fitting = CustomerNotification.objects.filter(
            ticket=OuterRef("pk"), kind=kind, created_at__gte=OuterRef("state_entered_at")
        )
        not_informed |= Q(state=state) & ~Exists(fitting)
    return Ticket.objects.filter(not_informed).order_by("state_entered_at", "pk")


def shown(queryset, *related):
    return list(queryset.select_related(*related)[:SHOWN])


@require_http_methods(["GET"])
@role_required(roles.can_read)
def dashboard(request):
    today = timezone.localdate()  # Europe/Berlin (TIME_ZONE)
    lists = {
        "mine": my_open_tickets(request.user),
        "follow_ups": follow_ups_due(),
        "risk_reviews": pending_risk_reviews(),
        "waiting": waiting_for_customer_information(),
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
        "authority_reports": reporting.with_countdown(reporting.open_reports()),
    }
    return render(request, "tickets/dashboard.html", context)
