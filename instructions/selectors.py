"""Reads of the work instruction, each in a fixed number of queries."""

from audit.history import object_history
from instructions.models import WorkInstructionRevision

Revision = WorkInstructionRevision
TIMELINE_FIELDS = ("title", "text", "change_summary", "effective_date")


def revision_in_force() -> Revision | None:
    """The revision support works under now, or None (one query; the intake records it, R21)."""
    return Revision.objects.filter(state=Revision.State.IN_FORCE).order_by().first()


def revisions():
    """Every revision, newest first, with the people who signed it."""
    return Revision.objects.select_related("created_by", "author", "approver").order_by("-number")


def change_history(rows) -> list[Revision]:
    """The document's "Änderungshistorie": the revisions that were approved, oldest first."""
    approved = (Revision.State.IN_FORCE, Revision.State.SUPERSEDED)
    return sorted((row for row in rows if row.state in approved), key=lambda row: row.number)


def revision_for_page(pk) -> Revision:
    return revisions().get(pk=pk)


def revision_timeline(revision) -> list:
    return object_history(revision, only=TIMELINE_FIELDS)
