"""Reads for the CAPA pages, each in a fixed number of queries."""

from django import forms
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.history import describe, entry_of, object_history
from capa.forms import ticket_model
from capa.models import CapaProposal, CapaTicketLink

# Shown as old → new in the timeline; who and when are the history row's own user and time.
TIMELINE_FIELDS = (
    "title",
    "what",
    "why",
    "decision_signer_name",
    "decision_comment",
    "owner",
    "due_date",
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
        CapaProposal.objects.select_related("raised_by", "owner")
        .annotate(ticket_count=Count("links"))
        .order_by("-created_at", "-pk")
    )
    return filters, filters.filter(queryset)


def capa_for_page():
    return CapaProposal.objects.select_related(
        "raised_by", "decided_by", "owner", "implemented_by", "checked_by", "risk_review__ticket"
    )


def overdue_capas():
    """Accepted CAPAs whose due date has passed and that are not implemented yet, oldest due first
    (the dashboards of the process manager and of management)."""
    return CapaProposal.objects.filter(
        state=CapaProposal.State.ACCEPTED, due_date__lt=timezone.localdate()
    ).order_by("due_date", "pk")


def ticket_named(ticket_id: str):
    """The ticket a proposal is raised from (?ticket=<id> on the new-proposal page), if any."""
    return ticket_model().objects.filter(pk=ticket_id).first() if ticket_id.isdigit() else None


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
