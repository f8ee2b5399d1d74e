"""Reads for the ticket pages and the API: the filtered list, the ticket's one timeline (DESIGN §6,
§8), the dashboard and the work queues, reportable risk events, solved tickets a call can adopt,
program requests with their tickets.

Each function runs a fixed number of queries, whatever the number of tickets or timeline entries.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.users import display_name
from audit.history import describe, entries, history_rows
from customers.models import Customer
from solutions.models import Category, KnownSolution
from solutions.selectors import SUGGESTION_CANDIDATES
from supportdesk import search
from supportdesk.api import BooleanFilter
from tickets.models import (
    FOLLOW_UP_STATES,
    NOTIFICATION_REQUIRED_TO_CLOSE,
    SOLVED_STATES,
    CustomerNotification,
    RiskReview,
    State,
    Ticket,
    can_become_known_solution,
)
from vendor.models import ProgramRequest

PAGE_SIZE = 25

# ?sort= values (whitelisted) and their ordering; a stable tie-break keeps pages from overlapping.
SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
    "follow_up": (F("follow_up_date").asc(nulls_last=True), "-created_at", "-pk"),
    "-follow_up": (F("follow_up_date").desc(nulls_last=True), "-created_at", "-pk"),
}
SORT_LABELS = {
    "number": _("Nummer"),
    "created": _("gemeldet am"),
    "updated": _("geändert"),
    "follow_up": _("Wiedervorlage"),
}
SORT_CHOICES = [
    ("number", _("Nummer aufsteigend")),
    ("-number", _("Nummer absteigend")),
    ("created", _("älteste zuerst")),
    ("-created", _("neueste zuerst")),
    ("updated", _("am längsten unverändert zuerst")),
    ("-updated", _("zuletzt geändert zuerst")),
    ("follow_up", _("Wiedervorlage, früheste zuerst")),
    ("-follow_up", _("Wiedervorlage, späteste zuerst")),
]
YES_NO_ALL = [("", _("alle")), ("true", _("ja")), ("false", _("nein"))]


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
    """The filters of GET /api/v1/tickets/ (DESIGN §7); the list page adds sorting."""

    state = django_filters.ChoiceFilter(choices=State.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    risk_relevant = BooleanFilter()
    follow_up_due = BooleanFilter(method=follow_up_due, label=_("Wiedervorlage fällig"))
    q = django_filters.CharFilter(method=matching_text, label=_("Suche"), max_length=200)

    class Meta:
        model = Ticket
        fields = ["state", "customer", "assignee", "category", "risk_relevant", "follow_up_due", "q"]


def sorted_by(queryset, name, value):
    return queryset.order_by(*SORTS[value]) if value else queryset


class TicketListFilter(TicketFilter):
    """The API's ticket filter (one source of filter logic) plus sorting, with widgets for a page."""

    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method=sorted_by,
        label=_("Sortierung"),
        empty_label=_("Standard (neueste zuerst)"),
    )

    class Meta(TicketFilter.Meta):
        fields = [*TicketFilter.Meta.fields, "sort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("state", "category", "customer", "assignee"):
            self.filters[name].extra["empty_label"] = _("alle")
        for name in ("risk_relevant", "follow_up_due"):
            self.filters[name].extra["widget"] = forms.Select(choices=YES_NO_ALL)
        self.filters["q"].extra["widget"] = forms.TextInput(attrs={"type": "search"})
        self.filters["customer"].queryset = Customer.objects.order_by("name")
        self.filters["assignee"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


def follow_up_status():
    """'overdue' (before today), 'due' (today) or '' for a ticket waiting on SIC (DESIGN §8)."""
    today = timezone.localdate()
    waiting = Q(state__in=FOLLOW_UP_STATES)
    return Case(
        When(waiting & Q(follow_up_date__lt=today), then=Value("overdue")),
        When(waiting & Q(follow_up_date=today), then=Value("due")),
        default=Value(""),
    )


def ticket_list(data) -> TicketListFilter:
    """The filter for the list page; `.qs` is empty when the filter input is invalid."""
    queryset = (
        Ticket.objects.select_related("customer", "assignee")
        .annotate(follow_up_status=follow_up_status())
        .order_by("-created_at", "-pk")
    )
    return TicketListFilter(data, queryset=queryset)


def ticket_for_page():
    return Ticket.objects.select_related(
        "customer", "contact", "assignee", "taken_by", "program_request"
    ).annotate(follow_up_status=follow_up_status())


# ---- the ticket's one timeline (DESIGN §6) ---------------------------------------------------------


def history_items(ticket) -> list[dict]:
    return [
        {
            "kind": "created" if entry.created else "history",
            "at": entry.at,
            # A transition's records (notes, notifications) carry the moment it entered the state:
            # sort the transition by that moment too, and before them.
            "order": (entry.row.state_entered_at if entry.to_state else entry.at, 0),
            "by": entry.who,
            "entry": entry,
        }
        for entry in describe(entries(Ticket, history_rows(ticket), from_start=True))
    ]


def record_items(ticket) -> list[dict]:
    items = []
    for note in ticket.call_notes.select_related("created_by"):
        items.append(
            {
                "kind": "call_note",
                "at": note.created_at,
                "by": display_name(note.created_by),
                "title": note.get_direction_display(),
                "text": note.text,
            }
        )
    for notification in ticket.notifications.select_related("created_by"):
        items.append(
            {
                "kind": "notification",
                "at": notification.created_at,
                "by": display_name(notification.created_by),
                "title": notification.get_kind_display(),
                "channel": notification.get_channel_display(),
                "text": notification.note,
            }
        )
    for contact in ticket.vendor_contacts.select_related("created_by", "vendor"):
        items.append(
            {
                "kind": "vendor_contact",
                "at": contact.created_at,
                "by": display_name(contact.created_by),
                "title": contact.get_kind_display(),
                "vendor": contact.vendor.name,
                "person": contact.vendor_person,
                "reference": contact.vendor_reference,
                "text": contact.summary,
            }
        )
    return items


def risk_review_items(ticket) -> list[dict]:
    items = []
    for review in ticket.risk_reviews.select_related("requested_by"):
        items.append(
            {
                "kind": "risk_requested",
                "at": review.created_at,
                "by": display_name(review.requested_by),
                "pending": review.state == RiskReview.State.PENDING,
                "text": review.risk_description,
            }
        )
        if review.state == RiskReview.State.SIGNED:
            items.append(
                {
                    "kind": "risk_signed",
                    "at": review.signed_at,
                    "by": review.signer_name,
                    "meaning": review.meaning,
                    "decision": review.get_decision_display(),
                    "text": review.comment,
                }
            )
    return items


def ticket_timeline(ticket) -> list[dict]:
    """History entries, call notes, notifications, SIC contacts and risk reviews in time order."""
    items = history_items(ticket) + record_items(ticket) + risk_review_items(ticket)
    return sorted(items, key=lambda item: item.get("order", (item["at"], 1)))


# ---- the dashboard and the work queues (DESIGN §8) ----------------------------------------------


def my_open_tickets(user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(assignee=user).exclude(state=State.CLOSED).order_by("-created_at", "-pk")


def follow_ups_due() -> QuerySet[Ticket]:
    """Wiedervorlage due today or overdue, oldest first (DESIGN §7 follow_up_due)."""
    return Ticket.objects.follow_up_due(timezone.localdate()).order_by("follow_up_date", "created_at", "pk")


def pending_risk_reviews() -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(state=RiskReview.State.PENDING).order_by("created_at", "pk")


def signed_risk_reviews() -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(state=RiskReview.State.SIGNED)


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


# ---- reportable risk events (EU MDR Art. 87) --------------------------------------------------------


def countdown(deadline, *, now=None) -> dict:
    """Days left until the deadline (calendar days, Europe/Berlin), or how long it is overdue."""
    now = now or timezone.now()
    days = (timezone.localdate(deadline) - timezone.localdate(now)).days
    overdue = now > deadline
    if overdue:
        late = max(-days, 0)
        label = (
            ngettext("seit %(days)d Tag überfällig", "seit %(days)d Tagen überfällig", late) % {"days": late}
            if late
            else gettext("heute überfällig")
        )
    elif days == 0:
        label = gettext("heute fällig")
    else:
        label = ngettext("noch %(days)d Tag", "noch %(days)d Tage", days) % {"days": days}
    return {"deadline": deadline, "days_left": days, "overdue": overdue, "label": label}


def open_reports():
    """Signed reviews decided report_to_authority without a recorded report: the dashboard's countdown."""
    return (
        RiskReview.objects.filter(
            state=RiskReview.State.SIGNED,
            decision=RiskReview.Decision.REPORT_TO_AUTHORITY,
            authority_report__isnull=True,
        )
        .select_related("ticket__customer")
        .order_by("ticket__created_at", "pk")
    )


def with_countdown(reviews, *, now=None) -> list[dict]:
    rows = [{"review": review, **countdown(review.report_deadline, now=now)} for review in reviews]
    return sorted(rows, key=lambda row: row["deadline"])


def ticket_reports(ticket) -> list[dict]:
    """The ticket's reportable reviews: the deadline, and until it is reported the countdown."""
    reviews = ticket.risk_reviews.filter(decision=RiskReview.Decision.REPORT_TO_AUTHORITY).select_related(
        "authority_report__created_by"
    )
    rows = []
    for review in reviews:
        review.ticket = ticket  # the deadline counts from the ticket's call; no query for it
        report = getattr(review, "authority_report", None)
        row = {"review": review, "report": report, "deadline": review.report_deadline}
        if report is None:
            row |= countdown(review.report_deadline)
        rows.append(row)
    return rows


# ---- solved tickets a call can adopt (known solutions) ------------------------------------------

SIMILAR_TICKETS = 3


def solved_tickets():
    """Tickets solved at once (by support or SIC) with a solution text: what a call can adopt."""
    return Ticket.objects.filter(state__in=SOLVED_STATES).exclude(solution="")


def similar_solved_tickets(text: str, limit: int = SIMILAR_TICKETS, exclude=None) -> list[Ticket]:
    """Solved tickets with a solution of their own, most similar first; one query."""
    solved = solved_tickets()
    if exclude is not None:
        solved = solved.exclude(pk=exclude)
    ranked = search.ranked(
        solved, text, title="summary", fields=("description", "solution"), candidates=SUGGESTION_CANDIDATES
    )
    return list(ranked.select_related("customer")[:limit])


def known_solution_offer(ticket: Ticket) -> dict | None:
    """ "Als bekannte Lösung speichern" on the ticket page: None when the ticket is no solved ticket
    with a solution of its own; else the known solutions already made from it (one query)."""
    if not can_become_known_solution(ticket):
        return None
    return {"existing": list(KnownSolution.objects.filter(source_ticket=ticket).order_by("pk"))}


# ---- program requests and their tickets --------------------------------------------------------------


class ProgramRequestFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("alle")), *ProgramRequest.State.choices]
    )
    kind = forms.ChoiceField(
        required=False, label=_("Art"), choices=[("", _("alle")), *ProgramRequest.Kind.choices]
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        return queryset.filter(**{name: value for name, value in self.cleaned_data.items() if value})


def program_request_list(data):
    filters = ProgramRequestFilterForm(data)
    requests = filters.filter(ProgramRequest.objects.annotate(ticket_count=Count("tickets")))
    return filters, requests.order_by("-created_at", "-pk")


def program_request_for_page():
    return ProgramRequest.objects.select_related("vendor", "decided_by", "created_by")


def linked_tickets(program_request) -> list[Ticket]:
    return list(
        Ticket.objects.filter(program_request=program_request)
        .select_related("customer", "contact")
        .order_by("number")
    )


# ---- the call banner: the caller's open tickets -----------------------------------------------

CALLER_OPEN_TICKETS = 5


def open_tickets_of(customer_ids) -> dict[int, list[Ticket]]:
    """The newest open tickets of each customer (one query): what a call is most likely about."""
    tickets = (
        Ticket.objects.filter(customer_id__in=list(customer_ids))
        .exclude(state=State.CLOSED)
        .only("pk", "number", "summary", "state", "follow_up_date", "customer_id", "created_at")
        .order_by("customer_id", "-created_at", "-pk")
    )
    by_customer: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        shown = by_customer.setdefault(ticket.customer_id, [])
        if len(shown) < CALLER_OPEN_TICKETS:
            shown.append(ticket)
    return by_customer
