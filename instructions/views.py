"""The work-instruction pages: the revision in force with the revisions and the change history
(everyone), a revision with its signatures (author, QMB), drafting (the process manager)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import roles
from accounts.decorators import role_required
from instructions import selectors, services
from instructions.forms import RevisionForm
from instructions.models import WorkInstructionRevision
from supportdesk.pages import submit
from workflow.views import page_form, panels

Revision = WorkInstructionRevision
STEP_MEANINGS = {"author_sign": Revision.Meaning.AUTHORED, "approve": Revision.Meaning.APPROVED}


@require_http_methods(["GET"])
@role_required(roles.can_read_instruction)
def work_instruction(request):
    rows = list(selectors.revisions())
    context = {
        "in_force": next((row for row in rows if row.state == Revision.State.IN_FORCE), None),
        "revisions": rows,
        "history": selectors.change_history(rows),
        "can_draft": roles.can_draft_instruction(request.user),
    }
    return render(request, "instructions/work_instruction.html", context)


def new_page(request, *, status=200, invalid=None, conflict=None):
    in_force = selectors.revision_in_force()
    initial = {"title": in_force.title, "text": in_force.text} if in_force else {}
    form = invalid or RevisionForm(initial=initial)
    context = {"form": page_form(form, "revision"), "in_force": in_force, "conflict": conflict}
    return render(request, "instructions/revision_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(roles.can_draft_instruction)
def revision_new(request):
    if request.method == "POST":
        return submit(
            request,
            lambda: services.revision_create(by=request.user, data=request.POST),
            page=lambda **refused: new_page(request, **refused),
            done=lambda revision: _("Entwurf Rev. %(number)s angelegt.") % {"number": revision.number},
            to=lambda revision: reverse("work-instruction-revision", args=[revision.pk]),
        )
    return new_page(request)


def revision_page(request, pk, *, status=200, invalid=None, conflict=None):
    try:
        revision = selectors.revision_for_page(pk)
    except Revision.DoesNotExist:
        raise Http404 from None
    editable = revision.state == Revision.State.DRAFT and roles.can_draft_instruction(request.user)
    edit_form = None
    if editable:
        edit_form = (
            invalid
            if isinstance(invalid, RevisionForm)
            else RevisionForm(
                initial={
                    name: getattr(revision, name)
                    for name in ("title", "text", "change_summary", "effective_date")
                }
            )
        )
        edit_form = page_form(edit_form, "edit")
    signing = None if isinstance(invalid, RevisionForm) else invalid
    context = {
        "revision": revision,
        "edit_form": edit_form,
        "panels": panels(
            services.INSTRUCTION, revision, request.user, url="work-instruction-sign", invalid=signing
        ),
        "timeline": selectors.revision_timeline(revision),
        "conflict": conflict,
    }
    return render(request, "instructions/revision_detail.html", context, status=status)


@require_http_methods(["GET"])
@role_required(roles.can_read_instruction)
def revision_detail(request, pk):
    return revision_page(request, pk)


@require_http_methods(["POST"])
@role_required(roles.can_draft_instruction)
def revision_edit(request, pk):
    get_object_or_404(Revision, pk=pk)
    return submit(
        request,
        lambda: services.revision_edit(revision_id=pk, by=request.user, data=request.POST),
        page=lambda **refused: revision_page(request, pk, **refused),
        done=_("Der Entwurf wurde gespeichert."),
        to=reverse("work-instruction-revision", args=[pk]),
    )


@require_http_methods(["POST"])
@role_required(roles.can_read_instruction)
def revision_sign(request, pk, name):
    get_object_or_404(Revision, pk=pk)
    if name not in STEP_MEANINGS:
        raise Http404(_("Diesen Schritt gibt es nicht."))

    def sign():
        return services.revision_sign(
            revision_id=pk,
            by=request.user,
            data=request.POST,
            request=request,
            meaning=STEP_MEANINGS[name],
            expected_state=request.POST.get("expected_state") or None,
        )

    def done(revision):
        if revision.state == Revision.State.IN_FORCE:
            return _("Rev. %(number)s ist freigegeben und in Kraft.") % {"number": revision.number}
        return _(
            "Rev. %(number)s ist als Autor unterschrieben und wartet auf die Freigabe durch den QMB."
        ) % {"number": revision.number}

    return submit(
        request,
        sign,
        page=lambda **refused: revision_page(request, pk, **refused),
        done=done,
        to=reverse("work-instruction-revision", args=[pk]),
    )
