from django.core.management.base import BaseCommand
from django.db import connection

from reports.models import ComplaintFacts, Step, TicketFacts
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
        if connection.vendor == "postgresql":
            # Rewritten in bulk: until autovacuum comes by, the planner would take the tables for empty.
            with connection.cursor() as cursor:
                for model in (TicketFacts, Step, ComplaintFacts):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            self.style.SUCCESS(f"Report figures rebuilt: {tickets:,} tickets, {steps:,} steps.")
        )
