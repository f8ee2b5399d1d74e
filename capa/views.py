"""CAPA pages: the list, raising a proposal (also from a ticket), the proposal with its history."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from capa import selectors, services
from capa.forms import CapaCreateForm
from supportdesk.pages import list_page, submit
from workflow.views import panels, transition_view

PAGE_SIZE = 25


@require_http_methods(["GET"])
@role_required(roles.can_read)
def capa_list(request):
    filters, proposals = selectors.capa_list(request.GET)
    context = {"filters": filters, **list_page(request, proposals, PAGE_SIZE)}
    return render(request, "capa/capa_list.html", context, status=200 if filters.is_valid() else 400)


@require_http_methods(["GET", "POST"])
@role_required(roles.can_propose_capa)
def capa_new(request):
    if request.method == "POST":
        return submit(
            request,
            lambda: services.capa_create(by=request.user, data=request.POST),
            page=lambda status, invalid: render(
                request, "capa/capa_new.html", {"form": invalid}, status=status
            ),
            done=_("Der CAPA-Vorschlag wurde angelegt."),
            to=lambda capa: reverse("capa-detail", args=[capa.pk]),
        )
    ticket = selectors.ticket_named(request.GET.get("ticket", ""))
    initial = {"tickets": ticket.number, "title": ticket.summary} if ticket else {}
    return render(request, "capa/capa_new.html", {"form": CapaCreateForm(initial=initial), "ticket": ticket})


def capa_page(request, pk, *, status=200, invalid=None, conflict=None):
    capa = get_object_or_404(selectors.capa_for_page(), pk=pk)
    context = {
        "capa": capa,
        "tickets": selectors.linked_tickets(capa),
        "timeline": selectors.capa_timeline(capa),
        "panels": panels(services.CAPA, capa, request.user, url="capa-transition", invalid=invalid),
        "conflict": conflict,
    }
    return render(request, "capa/capa_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def capa_detail(request, pk):
    return capa_page(request, pk)


capa_transition = transition_view(
    services.CAPA, role=roles.can_decide_capa, page=capa_page, detail="capa-detail"
)
