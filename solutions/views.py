"""Known-solution pages: the searchable list, one solution with its steps and history, the form,
and "Als bekannte Lösung speichern" on a solved ticket. Every write goes through solutions.services."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from solutions import selectors, services
from solutions.forms import TRANSITION_FORMS, KnownSolutionForm
from solutions.models import KnownSolution
from supportdesk.errors import Conflict, InvalidData
from tickets.models import Category, Ticket
from tickets.views import ticket_page, version_seen

PAGE_SIZE = 25
ALL = "all"


class SolutionFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Suche"),
        help_text=gettext_lazy("Wörter aus Titel, Symptomen, Ursache oder Lösung, auch Fehlercodes"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Status"),
        choices=[*KnownSolution.Status.choices, (ALL, gettext_lazy("alle"))],
    )
    kind = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Art"),
        choices=[("", gettext_lazy("alle")), *KnownSolution.Kind.choices],
    )
    category = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Art des Problems"),
        choices=[("", gettext_lazy("alle")), *Category.choices],
    )

    def __init__(self, data):
        # Without a status in the request the list shows the active solutions, and says so.
        if not data.get("status"):
            data = data.copy()
            data["status"] = KnownSolution.Status.ACTIVE
        super().__init__(data)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        status, kind, category = (self.cleaned_data[name] for name in ("status", "kind", "category"))
        if status and status != ALL:
            queryset = queryset.filter(status=status)
        if kind:
            queryset = queryset.filter(kind=kind)
        if category:
            queryset = queryset.filter(category=category)
        if text := self.cleaned_data["q"].strip():
            return selectors.search(text, queryset)
        return queryset.order_by("title", "pk")


# ---- the list -------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def solution_list(request):
    filters = SolutionFilterForm(request.GET)
    solutions = filters.filter(KnownSolution.objects.all())
    page = Paginator(solutions, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_usage(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "searching": filters.is_valid() and bool(filters.cleaned_data["q"].strip()),
    }
    return render(request, "solutions/solution_list.html", context, status=200 if filters.is_valid() else 400)


# ---- one solution -----------------------------------------------------------------------------


def detail_page(request, pk, *, status=200, failed=None, conflict=None):
    """The solution; after a refused step, with its form open or the conflict message."""
    solution = get_object_or_404(selectors.solution_for_page(), pk=pk)
    panels = []
    for name in services.available_transitions(solution, request.user):
        failed_here = failed is not None and failed[0] == name
        form = failed[1] if failed_here else TRANSITION_FORMS[name]()
        form.auto_id = f"id_{name}_%s"
        panels.append(
            {"name": name, "label": services.transition_label(name), "form": form, "open": failed_here}
        )
    context = {
        "solution": selectors.with_usage([solution])[0],
        "tickets": selectors.tickets_solved_with(solution),
        "history": selectors.solution_history(solution),
        "panels": panels,
        "conflict": conflict,
    }
    return render(request, "solutions/solution_detail.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@role_required(roles.can_read)
def solution_detail(request, pk):
    return detail_page(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_work)
def solution_transition(request, pk, name):
    get_object_or_404(KnownSolution, pk=pk)
    if name not in TRANSITION_FORMS:
        raise Http404(_("Diesen Schritt gibt es nicht."))
    try:
        solution = services.solution_transition(
            solution_id=pk,
            name=name,
            by=request.user,
            data=request.POST,
            expected_status=request.POST.get("expected_status") or None,
        )
    except InvalidData as invalid:
        return detail_page(request, pk, status=400, failed=(name, invalid.form))
    except Conflict as conflict:
        return detail_page(request, pk, status=409, conflict=conflict.message)
    messages.success(
        request,
        _("„%(step)s“ ausgeführt. Status: %(state)s.")
        % {"step": services.transition_label(name), "state": solution.get_status_display()},
    )
    return redirect("solution-detail", pk=pk)


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
    try:
        solution = services.solution_create(by=request.user, data=form_data(request))
    except InvalidData as invalid:
        return form_page(request, invalid.form, status=400)
    messages.success(request, _("Die bekannte Lösung wurde angelegt."))
    return redirect("solution-detail", pk=solution.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(roles.can_work)
def solution_edit(request, pk):
    solution = get_object_or_404(KnownSolution.objects.select_related("source_ticket"), pk=pk)
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
        solution = get_object_or_404(
            KnownSolution.objects.select_related("source_ticket", "program_request"), pk=pk
        )
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


# ---- from a ticket ----------------------------------------------------------------------------


@require_http_methods(["POST"])
@role_required(roles.can_work)
def ticket_known_solution(request, pk):
    get_object_or_404(Ticket, pk=pk)
    try:
        solution = services.solution_draft_from_ticket(ticket_id=pk, by=request.user)
    except Conflict as conflict:
        return ticket_page(request, pk, status=409, conflict=conflict.message)
    messages.success(request, _("Entwurf angelegt – bitte prüfen und freigeben."))
    return redirect("solution-edit", pk=solution.pk)
