"""`manage.py send_outbox`: deliver the outbox's due mails (R17). One pass for cron; `--loop` for
systemd, until SIGTERM or SIGINT (the mail being sent is finished first)."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from outbox.services import deliver_due

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "E-Mails aus dem Postausgang zustellen: ein Durchlauf (cron, jede Minute) oder mit --loop "
        "fortlaufend (systemd). Mehrere Sender gleichzeitig, auch auf mehreren Servern, senden keine "
        "E-Mail doppelt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Fortlaufend zustellen, bis SIGTERM.")
        parser.add_argument(
            "--interval",
            type=float,
            default=15.0,
            help="Mit --loop: Sekunden Pause, wenn nichts fällig ist (Standard 15).",
        )
        parser.add_argument(
            "--limit", type=int, default=100, help="Höchstens so viele E-Mails je Durchlauf (Standard 100)."
        )

    def handle(self, *args, loop, interval, limit, **options):
        if limit < 1 or interval <= 0:
            raise CommandError("--limit must be at least 1 and --interval more than 0")
        if not loop:
            self.report(deliver_due(limit=limit))
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not stop.is_set():
                close_old_connections()  # a database restarted meanwhile: reconnect
                try:
                    results = deliver_due(limit=limit)
                except DatabaseError:
                    log.exception("Outbox sender: the database failed; trying again in %s s", interval)
                    stop.wait(interval)
                    continue
                if sum(results.values()):
                    self.report(results)
                if sum(results.values()) < limit:
                    stop.wait(interval)  # nothing more due now; a signal ends the wait at once
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Outbox sender stopped.")

    def report(self, results):
        sent, retry, failed = results["sent"], results["retry"], results["failed"]
        self.stdout.write(f"Outbox: {sent} sent, {retry} to be tried again, {failed} failed.")
