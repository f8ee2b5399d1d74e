"""Reads of incoming mail: what waits in /mail/, and the check of the stored raw messages (R16)."""

import hashlib
from collections.abc import Iterator

from django.utils.translation import gettext as _

from mailin.models import IncomingEmail

CHUNK = 1024 * 1024
Route = IncomingEmail.Route


def waiting_mails():
    """Mails no ticket could be matched to (and malformed ones), oldest first: one query."""
    return IncomingEmail.objects.filter(
        ticket__isnull=True, route__in=[Route.UNMATCHED, Route.ERROR]
    ).order_by("received_at", "pk")


def stored_sha256(mail) -> str:
    digest = hashlib.sha256()
    with mail.raw.storage.open(mail.raw.name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_raw_messages(*, since=None) -> Iterator[str]:
    """Re-read every stored raw message and name each one changed or missing (R16)."""
    found = IncomingEmail._base_manager.order_by("pk")
    if since is not None:
        found = found.filter(received_at__gte=since)
    for mail in found.iterator(chunk_size=500):
        where = _("Eingegangene E-Mail %(id)s %(message_id)s (gespeichert als %(path)s)") % {
            "id": mail.pk,
            "message_id": mail.message_id,
            "path": mail.raw.name,
        }
        try:
            actual = stored_sha256(mail)
        except OSError:
            yield _("%(where)s: die Datei fehlt.") % {"where": where}
            continue
        except Exception as error:
            yield _("%(where)s: die Datei ist nicht lesbar (%(error)s).") % {"where": where, "error": error}
            continue
        if actual != mail.raw_sha256:
            yield _(
                "%(where)s: der Inhalt stimmt nicht mehr mit dem SHA-256 überein "
                "(erwartet %(expected)s, gefunden %(actual)s)."
            ) % {"where": where, "expected": mail.raw_sha256, "actual": actual}


def all_mails():
    return IncomingEmail.objects.all()
