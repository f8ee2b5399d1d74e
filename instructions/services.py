"""Every write on the work instruction (R21) and on validation records: atomic, with the acting
user and a reason on each history row.

Drafting, signing and approving are serialised by one lock (the oldest revision's row): two
approvals at once, on any number of servers, put exactly one revision in force; numbers stay unique.
"""

import logging

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts import roles
from audit import reasons
from audit.history import save_audited
from instructions.forms import (
    ApproveSignForm,
    AuthorSignForm,
    MeaningForm,
    RevisionForm,
    ValidationSignForm,
)
from instructions.models import ValidationRecord, WorkInstructionRevision, printed_name
from supportdesk.errors import Conflict
from supportdesk.forms import validated
from workflow.machines import Machine, register

log = logging.getLogger(__name__)
Revision = WorkInstructionRevision
DEFAULT_TITLE = "Arbeitsanweisung „Telefon-Support“"

reasons.register(
    {
        "revision_create": _("Entwurf der Arbeitsanweisung angelegt"),
        "revision_edit": _("Entwurf der Arbeitsanweisung bearbeitet"),
        "supersede": _("durch eine neue Revision ersetzt"),
    },
    model=Revision,
)
reasons.register(
    {"validation_sign": _("Validierungsbericht geprüft und unterschrieben")}, model=ValidationRecord
)

DRAFT_ONLY = _("Nur der Prozessmanager legt Entwürfe der Arbeitsanweisung an und bearbeitet sie.")
MAY_NOT_SIGN = _("Nur der Prozessmanager (als Autor) und der QMB (Freigabe) unterschreiben Revisionen.")
SELF_APPROVAL = _(
    "Autor und Freigebender müssen verschiedene Personen sein: Sie haben diese Revision als Autor "
    "unterschrieben, die Freigabe gibt ein anderer QMB."
)
NOT_A_DRAFT = _(
    "Die Revision ist unterschrieben und wird nicht mehr geändert; legen Sie einen neuen Entwurf an."
)
STALE = _("Die Arbeitsanweisung wurde inzwischen von jemand anderem geändert. Bitte neu laden.")
# The signature a meaning gives, and the transition that records it.
MEANING_STEPS = {Revision.Meaning.AUTHORED: "author_sign", Revision.Meaning.APPROVED: "approve"}


def lock_document() -> None:
    """The one lock of the work instruction: the oldest revision's row (none yet: nothing to lock)."""
    list(Revision.objects.select_for_update().order_by("pk").values_list("pk", flat=True)[:1])


def lock_revision(pk, name) -> Revision:
    lock_document()
    return Revision.objects.select_for_update().get(pk=pk)


def _approve(revision, by, *, password):
    # R21: the four-eyes principle, checked again under the lock.
    if revision.author_id == by.pk:
        raise Conflict(SELF_APPROVAL)
    # Exactly one revision in force: the one before is superseded in the same transaction.
    for previous in Revision.objects.select_for_update().filter(state=Revision.State.IN_FORCE):
        INSTRUCTION.apply(previous, "supersede", by=by)
    INSTRUCTION.apply(revision, "approve", by=by)


def _author_sign(revision, by, *, password):
    INSTRUCTION.apply(revision, "author_sign", by=by)


INSTRUCTION = register(
    Machine(
        Revision,
        forms={"author_sign": AuthorSignForm, "approve": ApproveSignForm},
        effects={"author_sign": _author_sign, "approve": _approve},
        denied=_(
            "Als Autor unterschreibt nur der Prozessmanager, freigegeben wird nur vom QMB "
            "(die Unterschrift ist persönlich)."
        ),
        stale=STALE,
        not_possible=_(
            "„%(step)s“ ist im Status „%(state)s“ nicht möglich: erst unterschreibt der Autor, "
            "dann gibt der QMB frei."
        ),
        lock=lock_revision,
        form_kwargs=lambda revision, by: {"user": by},
        actor="by",
    )
)


def revision_create(*, by, data) -> Revision:
    """A new draft (reason revision_create), numbered after the newest revision."""
    roles.require(roles.can_draft_instruction, by, DRAFT_ONLY)
    fields = validated(RevisionForm(data))
    try:
        with transaction.atomic():
            lock_document()
            newest = Revision.objects.aggregate(newest=Max("number"))["newest"] or 0
            in_force = Revision.objects.filter(state=Revision.State.IN_FORCE).first()
            fields["title"] = fields["title"] or (in_force.title if in_force else DEFAULT_TITLE)
            revision = Revision(number=newest + 1, created_by=by, **fields)
            save_audited(revision, by=by, reason="revision_create")
    except IntegrityError as error:  # the very first draft, created twice at once
        raise Conflict(STALE) from error
    return revision


def revision_edit(*, revision_id, by, data) -> Revision:
    """Change a draft's content (reason revision_edit); signed revisions never change."""
    roles.require(roles.can_draft_instruction, by, DRAFT_ONLY)
    with transaction.atomic():
        revision = lock_revision(revision_id, "edit")
        if revision.state != Revision.State.DRAFT:
            raise Conflict(NOT_A_DRAFT)
        fields = validated(RevisionForm(data))
        fields["title"] = fields["title"] or revision.title
        for name, value in fields.items():
            setattr(revision, name, value)
        save_audited(revision, by=by, reason="revision_edit")
    return revision


def revision_sign(*, revision_id, by, data, request=None, meaning=None, expected_state=None) -> Revision:
    """R21: sign a revision with the password re-entered, as its author (meaning authored) or as
    the QMB (approved, which puts it in force). Refusals: 403 (role), 409 (out of order, the
    author approving), 400 (meaning, password). `request`: for the lock-out (R18)."""
    if not (roles.can_draft_instruction(by) or roles.can_approve_instruction(by)):
        raise_denied()
    data = dict(data.dict() if hasattr(data, "dict") else data)
    if meaning is None:
        meaning = validated(MeaningForm(data))["meaning"]
    data.pop("meaning", None)
    data.pop("expected_state", None)
    name = MEANING_STEPS[meaning]
    if not INSTRUCTION.transition(name).has_perm(None, by):
        raise_denied()
    revision = Revision.objects.get(pk=revision_id)
    if name == "approve" and revision.state == Revision.State.AUTHORED and revision.author_id == by.pk:
        raise Conflict(SELF_APPROVAL)
    return INSTRUCTION.run(
        revision_id, name, by=by, data=data, expected_state=expected_state, request=request
    )


def raise_denied():
    roles.require(lambda user: False, None, MAY_NOT_SIGN)


# ---- the validation record (ISO 13485 §4.1.6) -------------------------------------------------


def validation_sign(*, by, facts: dict, data, request=None) -> ValidationRecord:
    """The QMB signs a validation report as reviewed (password re-entered): the record keeps what
    was validated (commit, figures, configuration, who ran it) and the report file's SHA-256."""
    roles.require(roles.can_sign_validation, by, _("Nur der QMB unterschreibt den Validierungsbericht."))
    validated(ValidationSignForm(data, user=by, request=request))
    record = ValidationRecord(signed_by=by, signer_name=printed_name(by), **facts)
    with transaction.atomic():
        save_audited(record, by=by, reason="validation_sign")
    return record
