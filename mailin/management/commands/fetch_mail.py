"""`manage.py fetch_mail`: read the mailbox SUPPORTDESK_MAIL_SOURCE and route each new mail (DESIGN §9
"E-mail in", R17). One pass for cron; `--loop` for systemd, until SIGTERM or SIGINT.

It acts as the user `--by` (default SUPPORTDESK_MAIL_USER): a support account of its own, e.g.
`python manage.py adduser posteingang --role support`, named in the history of everything it records.
A mail is marked processed on the server only after its transaction committed.
"""

import logging
import signal
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from accounts import roles
from mailin.services import mail_receive
from mailin.sources import SourceError, open_source

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Eingegangene E-Mails aus SUPPORTDESK_MAIL_SOURCE abholen und zuordnen: ein Durchlauf (cron) "
        "oder mit --loop fortlaufend (systemd). Jede Message-ID wird nur einmal verarbeitet."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", default=None, help="Statt SUPPORTDESK_MAIL_SOURCE diese Quelle lesen."
        )
        parser.add_argument(
            "--by", default=None, help="Benutzername des Postfach-Kontos (Standard: SUPPORTDESK_MAIL_USER)."
        )
        parser.add_argument("--loop", action="store_true", help="Fortlaufend abholen, bis SIGTERM.")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Mit --loop: Sekunden zwischen den Durchläufen (Standard 60).",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="Höchstens so viele E-Mails je Durchlauf (Standard 100)."
        )

    def handle(self, *args, source, by, loop, interval, limit, **options):
        if limit < 1 or interval <= 0:
            raise CommandError("--limit must be at least 1 and --interval more than 0")
        url = source if source is not None else settings.SUPPORTDESK_MAIL_SOURCE
        user = self.user(by if by is not None else settings.SUPPORTDESK_MAIL_USER)
        if not loop:
            try:
                self.report(fetch_once(url, user, limit))
            except SourceError as error:
                raise CommandError(str(error)) from None
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    counts = fetch_once(url, user, limit)
                except SourceError as error:
                    self.stderr.write(f"fetch_mail: {error}; trying again in {interval:g} s")
                except DatabaseError:
                    log.exception("fetch_mail: the database failed; trying again in %s s", interval)
                else:
                    if counts["read"]:
                        self.report(counts)
                stop.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Mail fetcher stopped.")

    def user(self, username):
        if not username:
            raise CommandError("Name the account the fetcher acts as: --by USERNAME or SUPPORTDESK_MAIL_USER")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(
                f"No active user {username!r} (create one: manage.py adduser {username} --role support)"
            )
        if not roles.can_work(user):
            raise CommandError(f"The user {username!r} may not record tickets; give it the role support")
        return user

    def report(self, counts):
        self.stdout.write(
            f"Mail: {counts['read']} read, {counts['new']} new, {counts['seen']} seen before, "
            f"{counts['waiting']} waiting in /mail/."
        )


def fetch_once(url: str, user, limit: int = 100) -> dict:
    """One pass: each mail read, kept and routed in its own transaction, then marked on the server."""
    counts = {"read": 0, "new": 0, "seen": 0, "waiting": 0}
    with open_source(url) as source:
        for key in source.keys()[:limit]:
            raw = source.fetch(key)
            mail = mail_receive(raw=raw, by=user)  # committed when it returns
            source.done(key)
            counts["read"] += 1
            if mail is None:
                counts["seen"] += 1
                continue
            counts["new"] += 1
            counts["waiting"] += mail.waiting
    return counts
