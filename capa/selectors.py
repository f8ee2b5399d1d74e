"""Reads for the CAPA pages, each in a fixed number of queries."""

from django import forms
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from audit.history import describe, entry_of, object_history
from capa.models import CapaProposal, CapaTicketLink
from tickets.models import Ticket

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


def ticket_named(ticket_id: str) -> Ticket | None:
    """The ticket a proposal is raised from (?ticket=<id> on the new-proposal page), if any."""
    return Ticket.objects.filter(pk=ticket_id).first() if ticket_id.isdigit() else None


def linked_tickets(capa):
    return [
        link.ticket
        for link in CapaTicketLink.objects.filter(capa=capa)
        .select_related("ticket__customer")
        .order_by("linked_at", "pk")
    ]


def capa_timeline(capa) -> list:
    """Every history row of the proposal and of its ticket links: who, when, state, old → new."""
    timeline = object_history(capa, only=TIMELINE_FIELDS)
    links = CapaTicketLink.history.filter(capa_id=capa.pk).select_related("history_user", "ticket")
    rows = links.order_by("history_id")
    for link in describe([entry_of(CapaTicketLink, row, None, only=()) for row in rows]):
        link.ticket_id, link.ticket_number = link.row.ticket_id, link.row.ticket.number
        timeline.append(link)
    return sorted(timeline, key=lambda entry: entry.at)
