"""Reads of the outbox for /outbox/ and GET /api/v1/outbox/ (a fixed number of queries per page)."""

import django_filters
from django import forms
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.users import display_name
from outbox.models import OutgoingEmail

State = OutgoingEmail.State


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, label=_("Status"), choices=[("", _("alle")), *State.choices])

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        state = self.cleaned_data["state"]
        return queryset.filter(state=state) if state else queryset


class OutboxFilter(django_filters.FilterSet):
    """GET /api/v1/outbox/?state=queued|sent|failed (another value: 400)."""

    state = django_filters.ChoiceFilter(choices=State.choices)

    class Meta:
        model = OutgoingEmail
        fields = ["state"]


def outbox_rows():
    return OutgoingEmail.objects.select_related("ticket", "created_by")


def outbox_list(data):
    """The page: failed mails first (someone must act on them), then waiting, then sent; newest first."""
    filters = OutboxFilterForm(data)
    urgency = Case(
        When(state=State.FAILED, then=Value(0)),
        When(state=State.QUEUED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    queryset = outbox_rows().order_by(urgency, "-created_at", "-pk")
    return filters, filters.filter(queryset)


def outbox_counts() -> dict[str, int]:
    """How many mails wait and how many failed (one query)."""
    return OutgoingEmail.objects.aggregate(
        queued=Count("pk", filter=Q(state=State.QUEUED)), failed=Count("pk", filter=Q(state=State.FAILED))
    )


def timeline_items(ticket) -> list[dict]:
    """The ticket's e-mails as entries of its timeline (tickets.selectors; one query): to whom,
    the subject, its delivery, and the text. A mail recorded as a customer notification shows
    its text there, beside it, so here only once (`text` empty)."""
    rows = (
        OutgoingEmail.objects.filter(ticket_id=ticket.pk)
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    return [
        {
            "kind": "email",
            "at": email.created_at,
            "by": display_name(email.created_by),
            "title": email.subject,
            "to": ", ".join(email.recipients),
            "email_kind": email.get_kind_display(),
            "state": email.state,
            "state_label": email.get_state_display(),
            "sent_at": email.sent_at,
            "attempts": email.attempts,
            "last_error": email.last_error,
            "text": "" if email.notification_id else email.body,
        }
        for email in rows
    ]
