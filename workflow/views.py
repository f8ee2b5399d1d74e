"""The transition panels of every state machine's page, and the one view that runs a transition.

A page shows one panel per transition its user may run now (`panels`), each with its form; the POST
goes to `run_transition`, which either redirects back with a success message or shows the page again:
with the refused form open and everything typed (400) or with the conflict's message (409, R14).
"""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.decorators import role_required
from supportdesk.pages import submit
from workflow.machines import Machine

DONE = gettext_lazy("„%(step)s“ ausgeführt. Status: %(state)s.")


def page_form(form, prefix: str):
    """Unique ids for the several forms of one page (the names stay what the services read), and a
    date picker for dates."""
    form.auto_id = f"id_{prefix}_%s"
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return form


def typed_values(form) -> list[tuple[str, str]]:
    """What a form refused with a conflict held (its initial values, supportdesk.forms.as_typed), as
    label and text: shown beside the conflict, also when its panel is gone with the state (R14)."""
    rows = []
    for name, value in form.initial.items():
        field = form.fields[name]
        if value in ("", None) or isinstance(field.widget, forms.HiddenInput):
            continue
        if isinstance(field, forms.NullBooleanField):
            text = _("ja") if field.to_python(value) else _("nein")
        elif isinstance(field, forms.ModelChoiceField):
            text = str(field.queryset.filter(pk=value).first() or value) if str(value).isdigit() else value
        else:
            text = dict(getattr(field, "choices", None) or {}).get(value, value)
        rows.append((str(field.label or name), str(text)))
    return rows


def panels(
    machine: Machine, instance, user, *, url: str, invalid=None, prefill=None, form_kwargs=None
) -> list[dict]:
    """A panel per transition `user` may run now. `invalid`: the form of a refused submission, shown
    again in its panel with the input and the errors; `prefill`: initial data by name (that panel
    opens). `url`: the name of the URL that runs a transition (pk, name). `form_kwargs`: what the
    page's forms get besides the machine's own (as in transition_view)."""
    shown = []
    for name in machine.available(instance, user):
        failed_here = invalid is not None and type(invalid) is machine.forms[name]
        initial = (prefill or {}).get(name)
        form = (
            invalid
            if failed_here
            else machine.form(name, instance, user, initial=initial, **(form_kwargs or {}))
        )
        failed = machine.failed_condition(instance, name)
        shown.append(
            {
                "name": name,
                "label": machine.label(name),
                "form": page_form(form, name),
                "action": reverse(url, args=[instance.pk, name]),
                "refusal": machine.refusal(instance, name) if failed else None,
                "fix": getattr(failed, "fix", None),
                "fix_label": getattr(failed, "fix_label", None),
                "danger": machine.transition(name).custom.get("danger", False),
                "open": failed_here or initial is not None,
            }
        )
    return shown


def run_transition(
    request,
    machine: Machine,
    pk,
    name,
    *,
    page,
    detail: str,
    expected="expected_state",
    then=None,
    form_kwargs=None,
):
    """POST of a panel: run the transition, then redirect to the `detail` page with a success message
    (and whatever `then(request, saved, name)` adds); refused, `page(request, pk, status=…, invalid=… or
    conflict=…)` renders the object's page again."""
    get_object_or_404(machine.model, pk=pk)
    if name not in machine.forms:
        raise Http404(_("Diesen Schritt gibt es nicht."))

    def write():
        seen = request.POST.get(expected) or None
        return machine.run(
            pk, name, by=request.user, data=request.POST, expected_state=seen, **(form_kwargs or {})
        )

    def done(saved):
        if then is not None:
            then(request, saved, name)
        return DONE % {"step": machine.label(name), "state": machine.state_label(saved)}

    return submit(
        request,
        write,
        page=lambda **refused: page(request, pk, **refused),
        done=done,
        to=reverse(detail, args=[pk]),
    )


def transition_view(
    machine: Machine, *, role, page, detail: str, expected="expected_state", then=None, form_kwargs=None
):
    """The view of `…/<pk>/transitions/<name>/` for a machine's page: POST only, for `role`.
    `form_kwargs`: what the transition's form gets besides the machine's own."""

    @require_http_methods(["POST"])
    @role_required(role)
    def view(request, pk, name):
        return run_transition(
            request,
            machine,
            pk,
            name,
            page=page,
            detail=detail,
            expected=expected,
            then=then,
            form_kwargs=form_kwargs,
        )

    return view
