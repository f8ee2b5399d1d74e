from django.core.management.base import BaseCommand

from reminders.services import reminders_send


class Command(BaseCommand):
    help = (
        "E-Mail-Erinnerungen senden: Wiedervorlagen (täglich je Support-Mitarbeiter) und überfällige "
        "Risikobewertungen (an die Geschäftsleitung). Für cron alle paar Minuten; jede Erinnerung geht "
        "nur einmal hinaus, auch wenn mehrere Server den Befehl gleichzeitig ausführen."
    )

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(
            f"Reminders sent: {sent['follow_up_digest']} follow-up digests, "
            f"{sent['risk_review_overdue']} risk review reminders."
        )
