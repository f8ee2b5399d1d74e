"""CAPA pages: the list, raising a proposal (also from a ticket), the proposal with its history."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from capa import selectors, services
from capa.forms import TRANSITION_FORMS, CapaCreateForm
from capa.models import CapaProposal, can_decide, can_raise
from supportdesk.errors import Conflict, InvalidData
from tickets.models import Ticket

PAGE_SIZE = 25


@require_http_methods(["GET"])
@role_required(roles.can_read)
def capa_list(request):
    filters, proposals = selectors.capa_list(request.GET)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "capa/capa_list.html", context, status=200 if filters.is_valid() else 400)


@require_http_methods(["GET", "POST"])
@role_required(can_raise)
def capa_new(request):
    if request.method == "POST":
        try:
            capa = services.capa_create(by=request.user, data=request.POST)
        except InvalidData as invalid:
            return render(request, "capa/capa_new.html", {"form": invalid.form}, status=400)
        messages.success(request, _("Der CAPA-Vorschlag wurde angelegt."))
        return redirect("capa-detail", pk=capa.pk)
    ticket_id = request.GET.get("ticket", "")
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id.isdigit() else None
    initial = {"tickets": ticket.number, "title": ticket.summary} if ticket else {}
    return render(request, "capa/capa_new.html", {"form": CapaCreateForm(initial=initial), "ticket": ticket})


def capa_page(request, pk, *, status=200, failed=None, conflict=None):
    capa = get_object_or_404(selectors.capa_for_page(), pk=pk)
    panels = []
    for name in services.available_transitions(capa, request.user):
        failed_here = bool(failed) and failed[0] == name
        form = failed[1] if failed_here else TRANSITION_FORMS[name]()
        form.auto_id = f"id_{name}_%s"
        panels.append(
            {"name": name, "label": services.transition_label(name), "form": form, "open": failed_here}
        )
    context = {
        "capa": capa,
        "tickets": selectors.linked_tickets(capa),
        "timeline": selectors.capa_timeline(capa),
        "panels": panels,
        "conflict": conflict,
    }
    return render(request, "capa/capa_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def capa_detail(request, pk):
    return capa_page(request, pk)


@require_http_methods(["POST"])
@role_required(can_decide)
def capa_transition(request, pk, name):
    get_object_or_404(CapaProposal, pk=pk)
    if name not in TRANSITION_FORMS:
        raise Http404(_("Diesen Schritt gibt es nicht."))
    try:
        capa = services.capa_transition(
            capa_id=pk,
            name=name,
            by=request.user,
            data=request.POST,
            expected_state=request.POST.get("expected_state"),
        )
    except InvalidData as invalid:
        return capa_page(request, pk, status=400, failed=(name, invalid.form))
    except Conflict as conflict:
        return capa_page(request, pk, status=409, conflict=conflict.message)
    messages.success(
        request,
        _("„%(step)s“ erfasst. Status: %(state)s.")
        % {"step": services.transition_label(name), "state": capa.get_state_display()},
    )
    return redirect("capa-detail", pk=pk)
