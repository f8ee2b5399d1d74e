"""Reads for the CAPA pages, each in a fixed number of queries."""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from capa.models import CapaProposal, CapaTicketLink
from tickets.selectors import display_value, user_name

# Shown as old → new in the timeline; who and when are the history row's own user and time.
TIMELINE_FIELDS = (
    "title",
    "what",
    "why",
    "decision_comment",
    "rejection_reason",
    "implementation",
    "effective",
    "effectiveness_result",
)
REASONS = {
    "capa_create": _("CAPA-Vorschlag angelegt"),
    "capa_link": _("Vorgang verknüpft"),
}


class CapaFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("alle")), *CapaProposal.State.choices]
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        state = self.cleaned_data["state"]
        return queryset.filter(state=state) if state else queryset


def capa_list(data):
    filters = CapaFilterForm(data)
    queryset = (
        CapaProposal.objects.select_related("raised_by")
        .annotate(ticket_count=Count("links"))
        .order_by("-created_at", "-pk")
    )
    return filters, filters.filter(queryset)


def capa_for_page():
    return CapaProposal.objects.select_related("raised_by", "decided_by", "implemented_by", "checked_by")


def linked_tickets(capa):
    return [
        link.ticket
        for link in CapaTicketLink.objects.filter(capa=capa)
        .select_related("ticket__customer")
        .order_by("linked_at", "pk")
    ]


def reason_label(reason) -> str:
    from capa.services import transition_label

    if reason in REASONS:
        return str(REASONS[reason])
    try:
        return transition_label(reason)
    except LookupError:
        return reason or ""


def capa_timeline(capa) -> list[dict]:
    """Every history row of the proposal and of its ticket links: who, when, state, old → new."""
    rows = list(capa.history.select_related("history_user").order_by("history_id"))
    fields = [CapaProposal._meta.get_field(name) for name in TIMELINE_FIELDS]
    items, previous = [], None
    for row in rows:
        changes = []
        for field in fields:
            old = getattr(previous, field.attname) if previous else None
            new = getattr(row, field.attname)
            if old != new and not (previous is None and new in (None, "")):
                changes.append(
                    {
                        "label": field.verbose_name,
                        "old": display_value(field, old, {}),
                        "new": display_value(field, new, {}),
                    }
                )
        state_changed = previous is not None and previous.state != row.state
        items.append(
            {
                "at": row.history_date,
                "by": user_name(row.history_user),
                "reason": reason_label(row.history_change_reason),
                "from_state": CapaProposal.State(previous.state).label if state_changed else None,
                "to_state": CapaProposal.State(row.state).label
                if state_changed or previous is None
                else None,
                "changes": changes,
                "created": previous is None,
            }
        )
        previous = row
    links = CapaTicketLink.history.filter(capa_id=capa.pk).select_related("history_user", "ticket")
    for row in links.order_by("history_id"):
        items.append(
            {
                "at": row.history_date,
                "by": user_name(row.history_user),
                "reason": reason_label(row.history_change_reason),
                "ticket": row.ticket,
                "changes": [],
            }
        )
    return sorted(items, key=lambda item: item["at"])
