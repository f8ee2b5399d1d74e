from django.core.management.base import BaseCommand

from workflow.diagrams import all_diagrams


class Command(BaseCommand):
    help = "Print every state machine as a Mermaid diagram, as README.md shows them."

    def handle(self, *args, **options):
        self.stdout.write(all_diagrams())
