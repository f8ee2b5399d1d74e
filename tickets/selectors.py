"""Reads for the ticket pages and the API: the filtered list, the ticket's one timeline (DESIGN §6,
§8), the dashboard and the work queues, reportable risk events, solved tickets a call can adopt,
program requests with their tickets.

Each function runs a fixed number of queries, whatever the number of tickets or timeline entries.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.users import display_name, ticket_workers
from attachments import selectors as attachment_selectors
from audit.history import describe, entries, history_rows
from customers.models import Customer
from customers.selectors import customers_named
from outbox import selectors as outbox_selectors
from solutions.models import Category, KnownSolution
from solutions.selectors import SUGGESTION_CANDIDATES
from supportdesk import search
from supportdesk.api import BooleanFilter
from tickets.models import (
    FOLLOW_UP_STATES,
    MAIL_NOT_SENT,
    NOTIFICATION_REQUIRED_TO_CLOSE,
    SOLVED_STATES,
    ComplaintEvaluation,
    CustomerNotification,
    ReportChannel,
    RiskReview,
    State,
    Ticket,
    TicketLink,
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
    today = timezone.localdate()
    if value:  # read from the index on (state, follow_up_date)
        return queryset.follow_up_due(today)
    # The negation of TicketQuerySet.follow_up_due as a condition on the row (no subquery to hash).
    return queryset.exclude(state__in=FOLLOW_UP_STATES, follow_up_date__lte=today)


# Ticket numbers hold digits and hyphens ("2026-000123"); fewer than 3 characters no index can find.
NUMBER_PART = re.compile(r"[\d-]{3,}")


def matching_text(queryset, name, value):
    """Every word in the summary, description or solution (the known solutions' search), a ticket
    number containing the text, or a customer whose name contains it.

    Each part is found by an index (the text search's, trigrams on the number, the customers found
    first by theirs), so PostgreSQL can combine them instead of reading every ticket."""
    value = value.strip()
    also = Q(customer__in=customers_named(value))
    if NUMBER_PART.fullmatch(value):
        also |= Q(number__contains=value)
    return search.matching_all(queryset, value, fields=("summary", "description", "solution"), also=also)


OPEN = "open"  # ?state=open: every state but closed ("alle offenen")


def in_states(queryset, name, value):
    """?state=a&state=b: tickets in any of the states; `open` stands for every state but closed."""
    states = set(value)
    if OPEN in states:
        states |= {state for state in State.values if state != State.CLOSED}
    return queryset.filter(state__in=sorted(states - {OPEN})) if states else queryset


class TicketFilter(django_filters.FilterSet):
    """The filters of GET /api/v1/tickets/ (DESIGN §7); the list page adds sorting."""

    state = django_filters.MultipleChoiceFilter(
        choices=[(OPEN, _("alle offenen")), *State.choices],
        method=in_states,
        label=_("Status"),
        help_text=_("Mehrere möglich; „alle offenen“: jeder Status außer „Abgeschlossen“."),
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=ReportChannel.choices, label=_("Eingang über"))
    risk_relevant = BooleanFilter()
    follow_up_due = BooleanFilter(method=follow_up_due, label=_("Wiedervorlage fällig"))
    q = django_filters.CharFilter(method=matching_text, label=_("Suche"), max_length=200)

    class Meta:
        model = Ticket
        fields = [
            "state",
            "customer",
            "assignee",
            "category",
            "channel",
            "risk_relevant",
            "follow_up_due",
            "q",
        ]


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
        # The copies share what the class-level filters cached: the API schema builds their form fields
        # (drf-spectacular reads `.field`), and a cached field would ignore the widgets set below.
        for list_filter in self.filters.values():
            vars(list_filter).pop("_field", None)
        for name in ("category", "channel"):
            self.filters[name].extra |= {"empty_label": _("alle"), "widget": ListSelect}
        self.filters["state"].extra["widget"] = forms.CheckboxSelectMultiple(attrs={"class": "choices"})
        for name in ("risk_relevant", "follow_up_due"):
            self.filters[name].extra["widget"] = ListSelect(choices=YES_NO_ALL)
        self.filters["sort"].extra["widget"] = ListSelect
        self.filters["q"].extra["widget"] = forms.TextInput(attrs={"type": "search"})
        # Validation reads the one chosen row; the picker offers a few (PICKERS), never all of them.
        self.filters["customer"].queryset = Customer.objects.all()
        self.filters["assignee"].queryset = active_users()
        for name, pick in PICKERS.items():
            widget = Picker(name=name, search=self.data.get(f"{name}_search", ""))
            self.filters[name].extra |= {"widget": widget, "help_text": pick.help_text}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        states, sort = set(self.form.cleaned_data.get("state") or ()), self.form.cleaned_data.get("sort")
        waiting = states & {OPEN, *FOLLOW_UP_STATES}
        if states and not waiting and sort in ("follow_up", "-follow_up"):
            # Only tickets waiting on SIC have a follow-up date (the transitions clear it), so in
            # another state this is the default order; said so, PostgreSQL reads it from that
            # order's index instead of walking past every ticket with a date first.
            queryset = queryset.order_by(*SORTS["-created"])
        return queryset


# ---- the pickers of the customer and assignee filters ---------------------------------------------

PICK_LIMIT = 20  # options a picker offers at once; typing narrows them
SEARCH_LENGTH = 100


def active_users():
    """Whom the assignee filter offers: those who may work tickets (DESIGN §5)."""
    return ticket_workers()


@dataclass(frozen=True)
class Pick:
    rows: Callable[[], QuerySet]  # what may be chosen
    order: tuple[str, ...]  # the order offered
    matching: Callable[[str], Q]  # the rows a search text finds
    untyped: Q | None  # the rows offered before anything is typed
    label: Callable[[object], str]
    choose_label: str  # the select's name; the field's label names the search box
    help_text: str


PICKERS = {
    # Customers by name or number; none before a text is typed (there are thousands).
    "customer": Pick(
        rows=lambda: Customer.objects.only("name", "customer_number"),
        order=("name", "pk"),
        matching=lambda text: Q(name__icontains=text) | Q(customer_number__icontains=text),
        untyped=None,
        label=str,
        choose_label=_("Kunde auswählen"),
        help_text=_("Name oder Kundennummer eingeben, dann den Kunden wählen."),
    ),
    # Active users by user name or name; the first ones before a text is typed (a team is small).
    "assignee": Pick(
        rows=active_users,
        order=("first_name", "last_name", "username", "pk"),  # as their names read
        matching=lambda text: (
            Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        ),
        untyped=Q(pk__isnull=False),  # all
        label=display_name,
        choose_label=_("Zuständige Person auswählen"),
        help_text=_("Name eingeben, dann die Person wählen."),
    ),
}


def picker_options(name: str, chosen: str, text: str) -> dict:
    """What the `name` filter's picker offers: the chosen row, then the first PICK_LIMIT rows the
    search text matches, and a line saying how many matched. One query."""
    pick, text = PICKERS[name], text.strip()[:SEARCH_LENGTH]
    chosen = chosen if chosen.isdecimal() else ""
    matching = pick.matching(text) if text else pick.untyped
    rows = []
    if chosen or matching is not None:
        is_chosen = Q(pk=int(chosen)) if chosen else Q(pk__in=[])
        matching = Q(pk__in=[]) if matching is None else matching
        first = [Case(When(is_chosen, then=Value(0)), default=Value(1))] if chosen else []
        found = Case(When(matching, then=Value(True)), default=Value(False))
        rows = pick.rows().filter(is_chosen | matching).annotate(matches=found).order_by(*first, *pick.order)
        rows = list(rows[: PICK_LIMIT + 2])  # the chosen one (if no match) and one match more than shown
    matches = [row for row in rows if row.matches]
    shown = [row for row in rows[:1] if not row.matches] + matches[:PICK_LIMIT]
    if len(matches) > PICK_LIMIT:
        status = gettext("Mehr als %(limit)d Treffer – bitte genauer suchen.") % {"limit": PICK_LIMIT}
    elif text and matches:
        status = ngettext("%(count)d Treffer.", "%(count)d Treffer.", len(matches)) % {"count": len(matches)}
    else:
        status = gettext("Keine Treffer.") if text else ""
    return {"options": [(str(row.pk), pick.label(row)) for row in shown], "chosen": chosen, "status": status}


class ListSelect(forms.Widget):
    """A <select> in one template pass: Django's Select renders a template for each option and copies
    its attributes, which the list would pay for on every request."""

    template_name = "tickets/_select.html"

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs)
        self.choices = choices

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"] |= {
            "options": [(str(key), label) for key, label in self.choices],
            "chosen": context["widget"]["value"] or "",
        }
        return context


class Picker(forms.Widget):
    """A choice among thousands (customers, users) without an <option> for each: a search box whose
    matches htmx loads into the <select> after it as you type, the chosen one kept (the filter's value
    stays the id). Without JavaScript the box goes with the form and the page offers its matches."""

    template_name = "tickets/_picker.html"

    def __init__(self, *, name: str, search: str, attrs=None):
        super().__init__(attrs)
        self.name, self.search = name, search

    def id_for_label(self, id_):
        return f"{id_}_search" if id_ else id_  # the field's label names the search box

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        select = widget["attrs"]["id"]
        widget |= picker_options(self.name, widget["value"] or "", self.search)
        widget |= {
            "search": self.search[:SEARCH_LENGTH],
            "search_length": SEARCH_LENGTH,
            "choose_label": PICKERS[self.name].choose_label,
            "url": reverse("ticket-filter-options", args=[self.name]),
            "status_id": f"{select}_status",
            "described_by": " ".join(
                filter(None, [widget["attrs"].get("aria-describedby"), f"{select}_status"])
            ),
        }
        return context


def follow_up_status():
    """'overdue' (before today), 'due' (today) or '' for a ticket waiting on SIC (DESIGN §8)."""
    today = timezone.localdate()
    waiting = Q(state__in=FOLLOW_UP_STATES)
    return Case(
        When(waiting & Q(follow_up_date__lt=today), then=Value("overdue")),
        When(waiting & Q(follow_up_date=today), then=Value("due")),
        default=Value(""),
    )


# What a row of the list shows: not the long texts.
LIST_COLUMNS = (
    *("number", "summary", "state", "category", "risk_relevant", "priority", "follow_up_date"),
    *("created_at", "updated_at", "customer__name", "assignee__username"),
    *("assignee__first_name", "assignee__last_name"),
)


def ticket_list(data) -> TicketListFilter:
    """The filter for the list page; `.qs` is empty when the filter input is invalid."""
    queryset = (
        Ticket.objects.select_related("customer", "assignee")
        .only(*LIST_COLUMNS)
        .annotate(follow_up_status=follow_up_status())
        .order_by("-created_at", "-pk")
    )
    return TicketListFilter(data, queryset=queryset)


def ticket_for_page():
    """The ticket with what its page shows. Joined are only customer, contact, assignee and taker:
    PostgreSQL took 6 ms to plan the eleven-way join at 1,000,000 tickets and ran it in 0.1 ms;
    the other relations are a query each (none where the ticket has none)."""
    return (
        Ticket.objects.select_related("customer", "contact", "assignee", "taken_by")
        .prefetch_related(
            "program_request",
            "duplicate_of",
            "work_instruction_revision",
            Prefetch("complaint_evaluation", ComplaintEvaluation.objects.select_related("evaluated_by")),
        )
        .annotate(follow_up_status=follow_up_status())
    )


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


def complaint_items(ticket) -> list[dict]:
    evaluations = ticket.complaint_evaluations.select_related("evaluated_by", "vendor_contact", "capa")
    return [
        {
            "kind": "complaint",
            "at": evaluation.evaluated_at,
            "by": display_name(evaluation.evaluated_by),
            "title": str(evaluation),
            "evaluation": evaluation,
            "current": evaluation.pk == ticket.complaint_evaluation_id,
        }
        for evaluation in evaluations
    ]


def ticket_links(ticket) -> list[dict]:
    """Links in both directions and the duplicates, as the other ticket seen from this one (one
    query for the links, one for the duplicates; the ticket's own duplicate_of comes with it)."""
    rows = []
    links = (
        TicketLink.objects.filter(Q(ticket=ticket) | Q(target=ticket))
        .select_related("ticket", "target", "created_by", "ended_by")
        .order_by("created_at", "pk")
    )
    for link in links:
        other = link.target if link.ticket_id == ticket.pk else link.ticket
        rows.append({"kind": link.kind, "label": link.get_kind_display(), "other": other, "link": link})
    if ticket.duplicate_of_id:
        rows.append({"kind": "duplicate_of", "label": _("Duplikat von"), "other": ticket.duplicate_of})
    for duplicate in ticket.duplicates.order_by("number"):
        rows.append({"kind": "duplicate", "label": _("Duplikat hiervon"), "other": duplicate})
    return rows


def link_items(links) -> list[dict]:
    items = []
    for row in links:
        if row["kind"] == "duplicate":  # closed as a duplicate of this one: when, and why
            other = row["other"]
            items.append(
                {
                    "kind": "duplicate",
                    "at": other.state_entered_at,
                    "by": "",
                    "other": other,
                    "text": other.duplicate_reason,
                }
            )
        link = row.get("link")
        if link is None:
            continue
        items.append(
            {
                "kind": "link",
                "at": link.created_at,
                "by": display_name(link.created_by),
                "other": row["other"],
                "text": link.reason,
            }
        )
        if link.ended_at:
            items.append(
                {
                    "kind": "link_ended",
                    "at": link.ended_at,
                    "by": display_name(link.ended_by),
                    "other": row["other"],
                    "text": link.end_reason,
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


def incoming_email_items(ticket) -> list[dict]:
    """The mails that came in for the ticket (e-mail in, DESIGN §9), through the reverse relation of
    the mail app's string foreign key (that app sits above tickets); one query."""
    items = []
    for mail in ticket.incoming_emails.select_related("assigned_by").order_by("received_at", "pk"):
        items.append(
            {
                "kind": "email_in",
                "at": mail.received_at,
                "by": "",
                "title": mail.subject,
                "sender": mail.from_header,
                "sent_at": mail.date,
                "route": mail.get_route_display(),
                "assigned_by": display_name(mail.assigned_by) if mail.assigned_by_id else "",
                "text": mail.text,
            }
        )
    return items


def ticket_timeline(ticket, links=None) -> list[dict]:
    """History entries, call notes, notifications, SIC contacts, risk reviews, complaint evaluations
    and links in time order. `links`: ticket_links(ticket), when the page has them already."""
    items = history_items(ticket) + record_items(ticket) + risk_review_items(ticket)
    items += complaint_items(ticket) + link_items(ticket_links(ticket) if links is None else links)
    items += attachment_selectors.timeline_items(ticket)  # uploads and withdrawals (R16)
    items += outbox_selectors.timeline_items(ticket)  # its e-mails and their delivery (R17)
    items += incoming_email_items(ticket)  # the e-mails that came in for it (R17)
    return sorted(items, key=lambda item: item.get("order", (item["at"], 1)))


# ---- the dashboard and the work queues (DESIGN §8) ----------------------------------------------


def my_open_tickets(user) -> QuerySet[Ticket]:
    return Ticket.objects.filter(assignee=user).exclude(state=State.CLOSED).order_by("-created_at", "-pk")


def unassigned_open_tickets() -> QuerySet[Ticket]:
    """Open tickets nobody has taken yet (opened from a mail), oldest first."""
    return Ticket.objects.filter(assignee=None).exclude(state=State.CLOSED).order_by("created_at", "pk")


def follow_ups_due() -> QuerySet[Ticket]:
    """Wiedervorlage due today or overdue, oldest first (DESIGN §7 follow_up_due)."""
    return Ticket.objects.follow_up_due(timezone.localdate()).order_by("follow_up_date", "created_at", "pk")


def pending_risk_reviews() -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(state=RiskReview.State.PENDING).order_by("created_at", "pk")


def signed_risk_reviews() -> QuerySet[RiskReview]:
    return RiskReview.objects.filter(state=RiskReview.State.SIGNED)


def waiting_for_customer_information() -> QuerySet[Ticket]:
    """Tickets that R2 keeps from closing: the query form of tickets.models.customer_informed,
    built from the same NOTIFICATION_REQUIRED_TO_CLOSE map. One `state IN (…)` and one NOT EXISTS
    (of the kind the state requires), so the database reads only the tickets in those states, from
    an index in the order shown, never every ticket."""
    required = Case(
        *(When(state=state, then=Value(kind)) for state, kind in NOTIFICATION_REQUIRED_TO_CLOSE.items())
    )
    fitting = CustomerNotification.objects.filter(
        ticket=OuterRef("pk"), kind=OuterRef("required_kind"), created_at__gte=OuterRef("state_entered_at")
    ).exclude(outgoing_emails__state__in=MAIL_NOT_SENT)  # an e-mail still in the outbox informed nobody (R17)
    return (
        Ticket.objects.filter(state__in=list(NOTIFICATION_REQUIRED_TO_CLOSE))
        .annotate(required_kind=required)
        .filter(~Exists(fitting))
        .order_by("state_entered_at", "pk")
    )


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
    """The filter form and the program requests, newest first, each with its number of linked
    tickets: counted for the rows shown (a subquery per row), not grouped over every ticket."""
    filters = ProgramRequestFilterForm(data)
    linked = (
        Ticket.objects.filter(program_request=OuterRef("pk"))
        .order_by()
        .values("program_request")
        .annotate(count=Count("pk"))
        .values("count")
    )
    requests = filters.filter(ProgramRequest.objects.annotate(ticket_count=Coalesce(Subquery(linked), 0)))
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


# ---- caller context at intake: what the caller already has open (DESIGN §9 "Calls") -------------

CALLER_CLOSED_TICKETS = 5
CALLER_CONTEXT_OPEN = 10
CONTEXT_COLUMNS = ("pk", "number", "summary", "state", "follow_up_date", "created_at", "customer_id")


def caller_context(customer) -> dict:
    """The customer's open tickets (newest first) and the last five closed ones: two queries."""
    tickets = Ticket.objects.filter(customer=customer).only(*CONTEXT_COLUMNS)
    return {
        "open": list(
            tickets.exclude(state=State.CLOSED).order_by("-created_at", "-pk")[:CALLER_CONTEXT_OPEN]
        ),
        "closed": list(
            tickets.filter(state=State.CLOSED).order_by("-updated_at", "-pk")[:CALLER_CLOSED_TICKETS]
        ),
    }


SIMILAR_OPEN = 3
# Compared with the typed summary: the customer's newest open tickets, up to this many. Ranking a
# chain's 2,600 open tickets took 21 ms of SQL at 1,000,000 tickets, these 500 take 4 ms; a second
# call about the same problem follows the first within days.
SIMILAR_OPEN_SEARCHED = 500


def similar_open_tickets(customer_id, text: str) -> list[Ticket]:
    """The customer's open tickets most like the typed summary: a second call about the same problem
    is a call note there, not a new ticket (one query; none without words)."""
    if not customer_id or not search.words(text):
        return []
    open_tickets = Ticket.objects.filter(customer_id=customer_id).exclude(state=State.CLOSED)
    newest = open_tickets.order_by("-created_at", "-pk").values("pk")[:SIMILAR_OPEN_SEARCHED]
    ranked = search.ranked(
        Ticket.objects.filter(pk__in=newest), text, title="summary", fields=("description",)
    )
    return list(ranked.only(*CONTEXT_COLUMNS)[:SIMILAR_OPEN])


def open_ticket_of(customer, ticket_id) -> Ticket | None:
    """The open ticket `ticket_id` of the customer, or None."""
    if customer is None or not str(ticket_id).isdigit():
        return None
    return Ticket.objects.filter(customer=customer, pk=int(ticket_id)).exclude(state=State.CLOSED).first()
