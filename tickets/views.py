"""The ticket list and the ticket page (DESIGN §8); every write goes through tickets.services."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from solutions import selectors as solution_selectors
from solutions import suggestions
from supportdesk.errors import Conflict, InvalidData
from tickets import reporting, selectors, services
from tickets.forms import TRANSITION_FORMS, CallNoteForm, NotificationForm, TicketEditForm
from tickets.models import NotificationKind, State, Ticket

# ---- the list -------------------------------------------------------------------------------


def sort_columns(current):
    """Column headers that sort: each links to its ascending order, or descending when already so."""
    current = current or "-created"  # the default order: newest first
    columns = []
    for key, label in selectors.SORT_LABELS.items():
        direction = {key: "ascending", f"-{key}": "descending"}.get(current)
        columns.append(
            {"key": key, "label": label, "direction": direction, "next": key if current != key else f"-{key}"}
        )
    return {column["key"]: column for column in columns}


@role_required(roles.can_read)
@require_http_methods(["GET", "HEAD"])
def ticket_list(request):
    filterset = selectors.ticket_list(request.GET)
    valid = filterset.is_valid()
    tickets = filterset.qs if valid else filterset.queryset.none()
    page = Paginator(tickets, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "columns": sort_columns(filterset.form.cleaned_data.get("sort") if valid else ""),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "sort")),
    }
    return render(request, "tickets/ticket_list.html", context, status=200 if valid else 400)


# ---- the ticket page ------------------------------------------------------------------------


def for_page(form, prefix):
    """Unique ids for the several forms of one page (the names stay what the services read)."""
    form.auto_id = f"id_{prefix}_%s"
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return form


def guard_refusal(ticket, name):
    """The reason a guard (R2, R3) would refuse this step now, shown before the user submits."""
    try:
        services.check_guards(ticket, name)
    except Conflict as conflict:
        return conflict.message
    return None


def transition_panels(ticket, user, failed=None, prefill=None):
    """`prefill`: initial data by step name, e.g. an adopted known solution; that panel opens."""
    panels = []
    for name in services.available_transitions(ticket, user):
        failed_here = failed is not None and failed[0] == name
        initial = (prefill or {}).get(name)
        form = failed[1] if failed_here else TRANSITION_FORMS[name](ticket=ticket, initial=initial)
        panels.append(
            {
                "name": name,
                "label": services.transition_label(name),
                "form": for_page(form, name),
                "refusal": guard_refusal(ticket, name),
                "open": failed_here or initial is not None,
            }
        )
    return panels


def edit_form(ticket, data=None):
    form = data or TicketEditForm(ticket=ticket, initial=TicketEditForm.current_values(ticket))
    form.fields["contact"].queryset = ticket.customer.contacts.filter(active=True)
    return for_page(form, "edit")


def ticket_page(request, pk, *, status=200, conflict=None, failed=None, open_form=None, failed_report=None):
    """The ticket page; after a refused write, with the failing form open or the conflict message."""
    ticket = get_object_or_404(selectors.ticket_for_page(), pk=pk)
    context = {"ticket": ticket, "timeline": selectors.ticket_timeline(ticket), "conflict": conflict}
    context["authority_reports"] = reporting.ticket_reports(ticket, request.user, failed=failed_report)
    context["email_kinds"] = NotificationKind.choices
    if roles.can_work(request.user):
        context |= {
            "transitions": transition_panels(
                ticket,
                request.user,
                failed,
                {"fix_immediately": suggestions.fix_immediately_initial(request.GET)},
            ),
            "suggestions": suggestions.for_ticket(ticket) if ticket.state == State.TRIAGE else None,
            "note_form": for_page(
                open_form if isinstance(open_form, CallNoteForm) else CallNoteForm(), "note"
            ),
            "notification_form": for_page(
                open_form if isinstance(open_form, NotificationForm) else NotificationForm(), "notification"
            ),
            "edit_form": edit_form(ticket, open_form if isinstance(open_form, TicketEditForm) else None),
            "known_solution_offer": solution_selectors.ticket_offer(ticket),
            "open_form": type(open_form).__name__ if open_form else None,
        }
    return render(request, "tickets/ticket_detail.html", context, status=status)


@role_required(roles.can_read)
@require_http_methods(["GET", "HEAD"])
def ticket_detail(request, pk):
    return ticket_page(request, pk)


def version_seen(request):
    """The version the edit form was rendered from; a missing or garbled one counts as stale (R6)."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else 0


@role_required(roles.can_work)
@require_http_methods(["POST"])
def ticket_edit(request, pk):
    get_object_or_404(Ticket, pk=pk)
    data = {key: value for key, value in request.POST.items() if key in TicketEditForm.base_fields}
    try:
        services.ticket_update(
            ticket_id=pk, by=request.user, data=data, expected_version=version_seen(request)
        )
    except InvalidData as invalid:
        return ticket_page(request, pk, status=400, open_form=invalid.form)
    except Conflict as conflict:
        return ticket_page(request, pk, status=409, conflict=conflict.message)
    messages.success(request, _("Die Angaben wurden gespeichert."))
    return redirect("ticket-detail", pk=pk)


@role_required(roles.can_work)
@require_http_methods(["POST"])
def ticket_transition(request, pk, name):
    get_object_or_404(Ticket, pk=pk)
    if name not in TRANSITION_FORMS:
        raise Http404(_("Diesen Schritt gibt es nicht."))
    try:
        ticket = services.ticket_transition(
            ticket_id=pk,
            name=name,
            by=request.user,
            data=request.POST,
            expected_state=request.POST.get("expected_state") or None,
        )
    except InvalidData as invalid:
        return ticket_page(request, pk, status=400, failed=(name, invalid.form))
    except Conflict as conflict:
        return ticket_page(request, pk, status=409, conflict=conflict.message)
    messages.success(
        request,
        _("„%(step)s“ ausgeführt. Status: %(state)s.")
        % {"step": services.transition_label(name), "state": ticket.get_state_display()},
    )
    if name == "flag_risk" or (name == "triage" and ticket.risk_relevant):
        messages.warning(
            request,
            _(
                "Risikorelevantes Ereignis: Die Geschäftsleitung wurde informiert "
                "und muss die Bewertung unterschreiben."
            ),
        )
    return redirect("ticket-detail", pk=pk)


@role_required(roles.can_work)
@require_http_methods(["POST"])
def ticket_call_note(request, pk):
    get_object_or_404(Ticket, pk=pk)
    try:
        services.ticket_add_call_note(ticket_id=pk, by=request.user, data=request.POST)
    except InvalidData as invalid:
        return ticket_page(request, pk, status=400, open_form=invalid.form)
    messages.success(request, _("Die Gesprächsnotiz wurde gespeichert."))
    return redirect("ticket-detail", pk=pk)


@role_required(roles.can_work)
@require_http_methods(["POST"])
def ticket_notification(request, pk):
    get_object_or_404(Ticket, pk=pk)
    try:
        services.ticket_add_notification(ticket_id=pk, by=request.user, data=request.POST)
    except InvalidData as invalid:
        return ticket_page(request, pk, status=400, open_form=invalid.form)
    messages.success(request, _("Die Kundeninformation wurde gespeichert."))
    return redirect("ticket-detail", pk=pk)
