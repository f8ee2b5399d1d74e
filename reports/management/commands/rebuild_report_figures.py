from django.core.management.base import BaseCommand

from reports.models import TicketFacts
from reports.services import rebuild
from tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Rebuild the report's facts and steps from the ticket history and the contacts with SIC, and "
        "the complaint facts from the tickets' latest complaint evaluations, after "
        "data was written past the app (bench/generate.py, a restore). Ticket writers wait meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="only when there are tickets but no facts yet (a database filled past the app)",
        )

    def handle(self, *args, if_empty, **options):
        if if_empty and (TicketFacts.objects.exists() or not Ticket.objects.exists()):
            self.stdout.write("Report figures kept: they are there, or there are no tickets.")
            return

        def progress(tickets):
            self.stderr.write(f"{tickets:,} tickets")

        tickets, steps = rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Report figures rebuilt: {tickets:,} tickets, {steps:,} steps.")
        )
