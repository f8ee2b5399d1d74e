"""Reads for the ticket pages: the filtered list and the ticket's one timeline (DESIGN §6, §8).

Each function runs a fixed number of queries, whatever the number of tickets or timeline entries.
"""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from tickets.api import TicketFilter
from tickets.history import history_entries
from tickets.models import FOLLOW_UP_STATES, RiskReview, State, Ticket
from tickets.services import transition_label

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


def user_name(user) -> str:
    if user is None:
        return str(_("System"))
    return user.get_full_name() or user.get_username()


def display_value(field, value, objects):
    """A history value as a reader sees it: choice labels, names of related objects, ja/nein."""
    if value in (None, ""):
        return "—"
    if field.is_relation:
        return str(objects.get((field.related_model, value), value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("ja") if value else _("nein"))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "d.m.Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    return value


def related_objects(entries) -> dict:
    """The objects named by ids in the history, one query per related model."""
    wanted = {}
    for entry in entries:
        for name, values in entry["changes"].items():
            field = Ticket._meta.get_field(name)
            if field.is_relation:
                wanted.setdefault(field.related_model, set()).update(v for v in values if v is not None)
    objects = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            objects[(model, obj.pk)] = user_name(obj) if model is get_user_model() else obj
    return objects


REASONS = {"intake": _("Anruf erfasst"), "edit": _("Angaben korrigiert")}


def reason_label(reason) -> str:
    """A history row's reason for a reader: the step's label for a transition (R9)."""
    if reason in REASONS:
        return str(REASONS[reason])
    try:
        return transition_label(reason)
    except LookupError:
        return reason or ""


def history_items(ticket) -> list[dict]:
    rows = list(Ticket.history.filter(id=ticket.pk).select_related("history_user").order_by("history_id"))
    entries = history_entries(rows)
    objects = related_objects(entries)
    items = []
    for row, entry in zip(rows, entries, strict=True):
        changes = []
        for name, (old, new) in entry["changes"].items():
            field = Ticket._meta.get_field(name)
            changes.append(
                {
                    "label": field.verbose_name,
                    "old": display_value(field, old, objects),
                    "new": display_value(field, new, objects),
                }
            )
        items.append(
            {
                "kind": "created" if entry["action"] == "created" else "history",
                "at": entry["at"],
                # A transition's records (notes, notifications) carry the moment it entered the state:
                # sort the transition by that moment too, and before them.
                "order": (row.state_entered_at if entry["to_state"] else entry["at"], 0),
                "by": user_name(row.history_user),
                "from_state": State(entry["from_state"]).label if entry["from_state"] else None,
                "to_state": State(entry["to_state"]).label if entry["to_state"] else None,
                "changes": changes,
                "reason": reason_label(entry["reason"]),
            }
        )
    return items


def record_items(ticket) -> list[dict]:
    items = []
    for note in ticket.call_notes.select_related("created_by"):
        items.append(
            {
                "kind": "call_note",
                "at": note.created_at,
                "by": user_name(note.created_by),
                "title": note.get_direction_display(),
                "text": note.text,
            }
        )
    for notification in ticket.notifications.select_related("created_by"):
        items.append(
            {
                "kind": "notification",
                "at": notification.created_at,
                "by": user_name(notification.created_by),
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
                "by": user_name(contact.created_by),
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
                "by": user_name(review.requested_by),
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
    """DESIGN §6: history entries, call notes, notifications, SIC contacts and risk reviews in time order."""
    items = history_items(ticket) + record_items(ticket) + risk_review_items(ticket)
    return sorted(items, key=lambda item: item.get("order", (item["at"], 1)))
