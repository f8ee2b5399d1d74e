"""The reminder queue: one row per reminder sent, claimed before it is sent (healthchecks' sendalerts)."""

from django.db import models
from django.utils import timezone


class ReminderSent(models.Model):
    """A reminder of `kind` about `key` (a user or a review) on `day` (Europe/Berlin).

    The unique constraint is the lock: whoever inserts the row first sends the e-mail; a second
    process (or a second run) gets an IntegrityError and skips it. Not case data: no history.
    """

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    day = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    recipients = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "day"], name="reminder_once_per_day")]

    def __str__(self):
        return f"{self.kind} {self.key} {self.day}"
