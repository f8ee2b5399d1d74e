from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_all


class Command(BaseCommand):
    help = (
        "Verify the hash chain of every history table (R11). Exit 0 when intact, 1 naming the first bad row."
    )

    def handle(self, *args, **options):
        models_checked, problem = verify_all()
        if problem:
            raise CommandError(f"Audit trail broken: {problem}", returncode=1)
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail intact: {models_checked} history tables verified.")
        )
