"""Program request pages (DESIGN §8): SIC's change requests, decided for every linked ticket at once (R5)."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from supportdesk.errors import Conflict, InvalidData
from tickets.models import Ticket
from vendor import services
from vendor.models import ProgramRequest

PAGE_SIZE = 25
# Session key: {program request id: ids of the tickets its decision moved}, so the
# "inform the customers now" list survives reloads after the redirect.
TO_INFORM = "program_request_tickets_to_inform"
SUCCESS = {
    "realize": gettext_lazy("Der Programmwunsch ist als realisiert erfasst."),
    "reject": gettext_lazy("Die Ablehnung durch SIC ist erfasst."),
}


class ProgramRequestFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("alle")), *ProgramRequest.State.choices],
    )
    kind = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Art"),
        choices=[("", gettext_lazy("alle")), *ProgramRequest.Kind.choices],
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        return queryset.filter(**{name: value for name, value in self.cleaned_data.items() if value})


@require_http_methods(["GET"])
@role_required(roles.can_read)
def program_request_list(request):
    filters = ProgramRequestFilterForm(request.GET)
    requests = filters.filter(ProgramRequest.objects.annotate(ticket_count=Count("tickets")))
    page = Paginator(requests.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "vendor/program_request_list.html", context)


def decision_forms(program_request, *, failed=None):
    """The realize and reject forms, or none when the request is decided; `failed` is (name, form)."""
    if program_request.state != ProgramRequest.State.OPEN:
        return {}
    result = {name: form_class() for name, form_class in services.DECISION_FORMS.items()}
    if failed:
        result[failed[0]] = failed[1]
    for name, form in result.items():
        form.auto_id = f"{name}-%s"
    realized_on = result["realize"].fields["realized_on"]
    realized_on.widget.input_type, realized_on.widget.format = "date", "%Y-%m-%d"
    realized_on.help_text = gettext_lazy("Leer lassen für heute.")
    return result


def _detail(request, pk, *, failed=None, status=200):
    program_request = get_object_or_404(
        ProgramRequest.objects.select_related("vendor", "decided_by", "created_by"), pk=pk
    )
    tickets = list(
        Ticket.objects.filter(program_request=program_request)
        .select_related("customer", "contact")
        .order_by("number")
    )
    moved = set(request.session.get(TO_INFORM, {}).get(str(pk), []))
    context = {
        "program_request": program_request,
        "tickets": tickets,
        "to_inform": [ticket for ticket in tickets if ticket.pk in moved],
    }
    if roles.can_work(request.user):
        context["decision_forms"] = decision_forms(program_request, failed=failed)
    return render(request, "vendor/program_request_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def program_request_detail(request, pk):
    return _detail(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def program_request_decide(request, pk, name):
    get_object_or_404(ProgramRequest, pk=pk)
    if name not in services.DECISION_FORMS:
        raise Http404
    try:
        _, moved = services.program_request_transition(
            program_request_id=pk, name=name, by=request.user, data=request.POST.dict()
        )
    except InvalidData as error:
        return _detail(request, pk, failed=(name, error.form), status=400)
    except Conflict as error:
        messages.error(request, error.message)
        return _detail(request, pk, status=409)
    request.session[TO_INFORM] = {**request.session.get(TO_INFORM, {}), str(pk): [t.pk for t in moved]}
    moved_text = ngettext(
        "%(count)d verknüpfter Vorgang wurde weitergeschaltet.",
        "%(count)d verknüpfte Vorgänge wurden weitergeschaltet.",
        len(moved),
    ) % {"count": len(moved)}
    messages.success(request, f"{SUCCESS[name]} {moved_text}")
    return redirect("program-request-detail", pk=pk)
