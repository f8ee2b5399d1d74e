"""Program request pages (DESIGN §8): SIC's change requests with their linked tickets, decided for
all of them at once (R5), and their plan corrected with a reason (R20). They live with the tickets
because a decision moves them; their templates keep the names vendor/program_request_*.html."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from audit.history import object_history
from supportdesk.forms import version_seen
from supportdesk.pages import CappedPaginator, list_page, submit
from tickets import selectors, services
from vendor import services as vendor_services
from vendor.forms import ProgramRequestPlanForm
from vendor.models import ProgramRequest
from workflow.views import page_form, typed_values

PAGE_SIZE = 25
# Session key: {program request id: ids of the tickets its decision moved}, so the
# "inform the customers now" list survives reloads after the redirect.
TO_INFORM = "program_request_tickets_to_inform"
SUCCESS = {
    "realize": gettext_lazy("Der Programmwunsch ist als realisiert erfasst."),
    "reject": gettext_lazy("Die Ablehnung durch SIC ist erfasst."),
}
PLAN_CORRECTED = gettext_lazy("Der Plan von SIC wurde korrigiert.")


@require_http_methods(["GET"])
@role_required(roles.can_read)
def program_request_list(request):
    filters, requests = selectors.program_request_list(request.GET)
    context = {"filters": filters, **list_page(request, requests, PAGE_SIZE, paginator=CappedPaginator)}
    return render(request, "vendor/program_request_list.html", context)


def decision_forms(program_request, user, *, invalid=None):
    """The realize and reject forms, or none when the request is decided; `invalid`: a refused one."""
    machine = services.PROGRAM_REQUESTS
    if program_request.state != ProgramRequest.State.OPEN:
        return {}
    result = {}
    for name, form_class in machine.forms.items():
        form = invalid if type(invalid) is form_class else machine.form(name, program_request, user)
        form.auto_id = f"{name}-%s"
        result[name] = form
    realized_on = result["realize"].fields["realized_on"]
    realized_on.widget.input_type, realized_on.widget.format = "date", "%Y-%m-%d"
    realized_on.help_text = gettext_lazy("Leer lassen für heute.")
    return result


def plan_form(program_request, *, invalid=None):
    """The correction of SIC's plan while the request is open; `invalid`: a refused one, as typed."""
    if program_request.state != ProgramRequest.State.OPEN:
        return None
    if isinstance(invalid, ProgramRequestPlanForm):
        form = invalid
    else:
        initial = ProgramRequestPlanForm.current_values(program_request)
        form = ProgramRequestPlanForm(program_request=program_request, initial=initial)
    return page_form(form, "plan")


def detail_page(request, pk, *, status=200, invalid=None, conflict=None):
    program_request = get_object_or_404(selectors.program_request_for_page(), pk=pk)
    plan_refused = isinstance(invalid, ProgramRequestPlanForm)
    if conflict and not plan_refused:
        messages.error(request, conflict)
    tickets = selectors.linked_tickets(program_request)
    moved = set(request.session.get(TO_INFORM, {}).get(str(pk), []))
    context = {
        "program_request": program_request,
        "tickets": tickets,
        "to_inform": [ticket for ticket in tickets if ticket.pk in moved],
        "history": object_history(program_request),  # its decision and plan corrections (R9, R20)
        # A refused plan correction: the message, and what was typed (its form may be gone, R14).
        "conflict": conflict if plan_refused else None,
        "unsaved": typed_values(invalid) if conflict and plan_refused else [],
        "plan_open": plan_refused,
        # Bad input keeps the version the form was read at; after a conflict, the current one.
        "plan_version": version_seen(request) if plan_refused and not conflict else program_request.version,
    }
    if roles.can_work(request.user):
        context["decision_forms"] = decision_forms(program_request, request.user, invalid=invalid)
        context["plan_form"] = plan_form(program_request, invalid=invalid)
    return render(request, "vendor/program_request_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read)
def program_request_detail(request, pk):
    return detail_page(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def program_request_decide(request, pk, name):
    get_object_or_404(ProgramRequest, pk=pk)
    if name not in services.PROGRAM_REQUESTS.forms:
        raise Http404

    def decide():
        _decided, moved = services.program_request_transition(
            program_request_id=pk, name=name, by=request.user, data=request.POST.dict()
        )
        request.session[TO_INFORM] = {**request.session.get(TO_INFORM, {}), str(pk): [t.pk for t in moved]}
        return moved

    def done(moved):
        moved_text = ngettext(
            "%(count)d verknüpfter Vorgang wurde weitergeschaltet.",
            "%(count)d verknüpfte Vorgänge wurden weitergeschaltet.",
            len(moved),
        ) % {"count": len(moved)}
        return f"{SUCCESS[name]} {moved_text}"

    return submit(
        request,
        decide,
        page=lambda **refused: detail_page(request, pk, **refused),
        done=done,
        to=reverse("program-request-detail", args=[pk]),
    )


@require_http_methods(["POST"])
@role_required(roles.can_work)
def program_request_plan(request, pk):
    """A correction of SIC's plan (planned release and date) with its reason (R20)."""
    get_object_or_404(ProgramRequest, pk=pk)
    data = {key: value for key, value in request.POST.items() if key in ProgramRequestPlanForm.base_fields}
    return submit(
        request,
        lambda: vendor_services.program_request_correct_plan(
            program_request_id=pk, by=request.user, data=data, expected_version=version_seen(request)
        ),
        page=lambda **refused: detail_page(request, pk, **refused),
        done=str(PLAN_CORRECTED),
        to=reverse("program-request-detail", args=[pk]),
    )
