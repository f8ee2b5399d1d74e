"""Reads of attachments: a ticket's list (one query), its timeline entries and audit-report lines,
and the check of every stored file against its recorded SHA-256 (R16, for verify_audit_trail)."""

import hashlib
from collections.abc import Iterator
from itertools import groupby
from operator import attrgetter

from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.users import display_name
from attachments.forms import limit_mb
from attachments.models import Attachment
from audit.history import describe, entries

# What a timeline entry of an attachment shows (its foreign keys are named by the entry's "who").
TIMELINE_FIELDS = {"filename", "size", "content_type", "sha256", "note", "withdrawn", "withdrawn_reason"}
CHUNK = 1024 * 1024


def ticket_attachments(ticket, *, include_withdrawn: bool = False) -> QuerySet[Attachment]:
    """The ticket's attachments, oldest first, with who uploaded and withdrew them (one query)."""
    found = Attachment.objects.filter(ticket=ticket).select_related("created_by", "withdrawn_by")
    if not include_withdrawn:
        found = found.filter(withdrawn=False)
    return found.order_by("created_at", "pk")


def for_ticket_page(ticket) -> dict:
    """The ticket page's panel: the attachments shown, the withdrawn ones apart (one query)."""
    rows = list(ticket_attachments(ticket, include_withdrawn=True))
    return {
        "shown": [a for a in rows if not a.withdrawn],
        "withdrawn": [a for a in rows if a.withdrawn],
        "limit_mb": limit_mb(),
    }


def timeline_items(ticket) -> list[dict]:
    """Each upload and withdrawal as an entry of the ticket's timeline (tickets.selectors): name,
    size, type, SHA-256, who, when; the withdrawal with its reason (one query)."""
    rows = (
        Attachment.history.filter(ticket_id=ticket.pk)
        .select_related("history_user")
        .order_by("id", "history_id")
    )
    found = []
    for _id, chain in groupby(rows, key=attrgetter("id")):
        found += entries(Attachment, chain, only=TIMELINE_FIELDS, from_start=True)
    describe(found, names={})
    for entry in found:
        for change in entry.diffs:
            if change.field.name == "size":
                change.label = _("Größe")
                change.old_text = filesizeformat(change.old) if change.old else "—"
                change.new_text = filesizeformat(change.new)
    return [{"kind": "history", "at": entry.at, "by": entry.who, "entry": entry} for entry in found]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else "—"


def report_rows(ticket) -> list[list[tuple[str, str]]]:
    """The audit report's lines of each attachment, withdrawn ones too (one query)."""
    reports = []
    for attachment in ticket_attachments(ticket, include_withdrawn=True):
        rows = [
            (_("Dateiname"), attachment.filename),
            (_("Größe"), f"{filesizeformat(attachment.size)} ({attachment.size} Bytes)"),
            (_("Dateityp"), attachment.content_type),
            (_("SHA-256"), attachment.sha256),
            (_("hochgeladen"), f"{local(attachment.created_at)} · {display_name(attachment.created_by)}"),
        ]
        if attachment.note:
            rows.append((_("Notiz"), attachment.note))
        if attachment.withdrawn:
            rows.append(
                (
                    _("zurückgezogen"),
                    f"{local(attachment.withdrawn_at)} · {display_name(attachment.withdrawn_by)}: "
                    f"{attachment.withdrawn_reason}",
                )
            )
        reports.append(rows)
    return reports


def stored_sha256(attachment) -> str:
    digest = hashlib.sha256()
    with attachment.file.storage.open(attachment.file.name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_files(*, since=None) -> Iterator[str]:
    """Re-read every stored file (or those uploaded since `since`) and name each one whose content
    no longer matches its recorded SHA-256, or that is missing (R16)."""
    found = Attachment._base_manager.select_related("ticket").order_by("pk")
    if since is not None:
        found = found.filter(created_at__gte=since)
    for attachment in found.iterator(chunk_size=500):
        where = _("Anhang %(id)s „%(name)s“ (Vorgang %(ticket)s, gespeichert als %(path)s)") % {
            "id": attachment.pk,
            "name": attachment.filename,
            "ticket": attachment.ticket.number,
            "path": attachment.file.name,
        }
        try:
            actual = stored_sha256(attachment)
        except (FileNotFoundError, OSError):
            yield _("%(where)s: die Datei fehlt.") % {"where": where}
            continue
        except Exception as error:  # an object store that cannot be read
            yield _("%(where)s: die Datei ist nicht lesbar (%(error)s).") % {"where": where, "error": error}
            continue
        if actual != attachment.sha256:
            yield _(
                "%(where)s: der Inhalt stimmt nicht mehr mit dem SHA-256 überein "
                "(erwartet %(expected)s, gefunden %(actual)s)."
            ) % {
                "where": where,
                "expected": attachment.sha256,
                "actual": actual,
            }
