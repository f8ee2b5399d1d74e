"""CAPA pages: the list, raising a proposal (also from a ticket), the proposal with its history."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from capa import selectors, services
from capa.forms import CapaCreateForm
from capa.models import CapaProposal
from supportdesk.pages import list_page, submit
from workflow.views import DONE, panels

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
        "meaning_label": CapaProposal.DECISION_MEANING_LABEL,
    }
    return render(request, "capa/capa_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def capa_detail(request, pk):
    return capa_page(request, pk)


def may_move(user) -> bool:
    """Who may run any CAPA step: management decides, the process manager carries out."""
    return roles.can_decide_capa(user) or roles.can_carry_out_capa(user)


@require_http_methods(["POST"])
@role_required(may_move)
def capa_transition(request, pk, name):
    """POST of a step's panel; the request goes along for a signature's password (R18, R22)."""
    get_object_or_404(services.CAPA.model, pk=pk)
    if name not in services.CAPA.forms:
        raise Http404(_("Diesen Schritt gibt es nicht."))

    def write():
        seen = request.POST.get("expected_state") or None
        return services.capa_transition(
            capa_id=pk, name=name, by=request.user, data=request.POST, expected_state=seen, request=request
        )

    return submit(
        request,
        write,
        page=lambda **refused: capa_page(request, pk, **refused),
        done=lambda saved: (
            DONE % {"step": services.CAPA.label(name), "state": services.CAPA.state_label(saved)}
        ),
        to=reverse("capa-detail", args=[pk]),
    )
