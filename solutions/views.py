"""Known-solution pages: the searchable list, one solution with its steps and history, the form.
Every write goes through solutions.services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from solutions import selectors, services
from solutions.forms import KnownSolutionForm
from solutions.models import KnownSolution
from supportdesk.errors import Conflict, InvalidData
from supportdesk.forms import version_seen
from supportdesk.pages import list_page, submit
from workflow.views import panels, transition_view

PAGE_SIZE = 25


# ---- the list -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def solution_list(request):
    filters = selectors.SolutionFilterForm(request.GET)
    solutions = filters.filter(KnownSolution.objects.all())
    context = {
        "filters": filters,
        **list_page(request, solutions, PAGE_SIZE),
        "searching": filters.is_valid() and bool(filters.cleaned_data["q"].strip()),
    }
    context["page"].object_list = selectors.with_usage(context["page"].object_list)
    return render(request, "solutions/solution_list.html", context, status=200 if filters.is_valid() else 400)


# ---- one solution -----------------------------------------------------------------------------


def detail_page(request, pk, *, status=200, invalid=None, conflict=None):
    """The solution; after a refused step, with its form open or the conflict message."""
    solution = get_object_or_404(selectors.solution_for_page(), pk=pk)
    context = {
        "solution": selectors.with_usage([solution])[0],
        "tickets": selectors.tickets_solved_with(solution),
        "history": selectors.solution_history(solution),
        "panels": panels(
            services.SOLUTIONS, solution, request.user, url="solution-transition", invalid=invalid
        ),
        "conflict": conflict,
    }
    return render(request, "solutions/solution_detail.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def solution_detail(request, pk):
    return detail_page(request, pk)


solution_transition = transition_view(
    services.SOLUTIONS,
    role=roles.can_work,
    page=detail_page,
    detail="solution-detail",
    expected="expected_status",
)


# ---- the form ---------------------------------------------------------------------------------


def form_data(request) -> dict:
    return {key: value for key, value in request.POST.items() if key in KnownSolutionForm.base_fields}


def same_text(value) -> str:
    """A value as compared after a stale save: browsers send textarea lines ending in CR LF."""
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def changed_meanwhile(solution, submitted: dict) -> list[dict]:
    """After a stale save: the fields whose saved value now differs from the user's input."""
    form = KnownSolutionForm(initial=KnownSolutionForm.current_values(solution))
    changes = []
    for name, field in form.fields.items():
        saved = form.initial.get(name)
        if same_text(saved) != same_text(submitted.get(name)):
            shown = getattr(solution, f"get_{name}_display", None)
            value = shown() if shown else getattr(solution, name)
            changes.append({"label": field.label, "saved": value if value not in (None, "") else "—"})
    return changes


def form_page(request, form, *, solution=None, version=None, status=200, conflict=None, changes=()):
    context = {
        "form": form,
        "solution": solution,
        "version": version,
        "conflict": conflict,
        "changes": changes,
    }
    return render(request, "solutions/solution_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(roles.can_work)
def solution_new(request):
    if request.method != "POST":
        return form_page(request, KnownSolutionForm())
    return submit(
        request,
        lambda: services.solution_create(by=request.user, data=form_data(request)),
        page=lambda status, invalid: form_page(request, invalid, status=status),
        done=_("Die bekannte Lösung wurde angelegt."),
        to=lambda solution: reverse("solution-detail", args=[solution.pk]),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(roles.can_work)
def solution_edit(request, pk):
    solution = get_object_or_404(selectors.solution_for_page(), pk=pk)
    if request.method != "POST":
        form = KnownSolutionForm(initial=KnownSolutionForm.current_values(solution))
        return form_page(request, form, solution=solution, version=solution.version)
    data = form_data(request)
    try:
        services.solution_update(
            solution_id=pk, by=request.user, data=data, expected_version=version_seen(request)
        )
    except InvalidData as invalid:
        return form_page(
            request, invalid.form, solution=solution, version=request.POST.get("version", ""), status=400
        )
    except Conflict as conflict:
        solution = get_object_or_404(selectors.solution_for_page(), pk=pk)
        # The input stays; the form now carries the current version, and the page lists what the
        # other person saved, so a second save overwrites knowingly, never by accident (R6).
        return form_page(
            request,
            KnownSolutionForm(data),
            solution=solution,
            version=solution.version,
            status=409,
            conflict=conflict.message,
            changes=changed_meanwhile(solution, data),
        )
    messages.success(request, _("Die bekannte Lösung wurde gespeichert."))
    return redirect("solution-detail", pk=pk)
