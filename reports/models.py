"""What the report reads instead of the whole history (issue 14): per ticket the facts its history
holds, and the steps it measures. Kept as each history row is written (reports.services), rebuilt
from the history by `manage.py rebuild_report_figures`. Not case data: derived, so no history."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFacts(models.Model):
    """One ticket as the report sees it: as it is now, and what its history says so far."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    opened_at = models.DateTimeField()  # the call: Ticket.created_at
    state = models.CharField(max_length=20)
    category = models.CharField(max_length=20, blank=True)
    known_solution = models.ForeignKey(
        "solutions.KnownSolution",
        on_delete=models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
    )
    first_decision = models.CharField(max_length=30, blank=True)  # fix_immediately or escalate, the first
    reopened = models.BooleanField(default=False)
    # The last of triage and escalated the ticket was in: an immediate fix from escalated is SIC's.
    fixed_from = models.CharField(max_length=20, blank=True)
    # Closed as a duplicate (Ticket.duplicate_of set): counted apart, never again in the figures of
    # the case it duplicates (issue 11).
    duplicate = models.BooleanField(default=False)
    # It has a ComplaintFacts row: its latest complaint evaluation says it is a complaint.
    complaint = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["opened_at"], name="reports_facts_opened")]

    def __str__(self):
        return f"{self.ticket_id} {self.state}"


class Step(models.Model):
    """A close (its path, the time since the call), an escalation to SIC (SIC's first answer and the
    time until it, blank while it waits), or a contact with SIC recorded apart from the steps of the
    work instruction: our inquiry, SIC's unprompted report, anything else (VendorContact's kinds)."""

    class Kind(models.TextChoices):
        CLOSE = "close"
        ESCALATE = "escalate"
        INQUIRY = "inquiry"  # support asked SIC again (follow_up, or an inquiry recorded on its own)
        VENDOR_REPORT = "vendor_report"  # SIC reported on its own, unprompted
        OTHER = "other"  # any other contact with SIC

    class Path(models.TextChoices):
        """A close's path: the state before it, and for an immediate fix who gave it."""

        SUPPORT_FIX = "support_fix", _("Sofortlösung durch den Support")
        SIC_FIX = "sic_fix", _("Sofortlösung von SIC")
        REJECTED = "rejected", _("Programmwunsch abgelehnt")
        REALIZED = "realized", _("Programmwunsch realisiert")

    class Answer(models.TextChoices):
        """SIC's first answer to an escalation: the ticket's next transition out of escalated."""

        FIX = "fix_immediately", _("Sofortlösung von SIC")
        PROGRAM_REQUEST = "register_program_request", _("Programmwunsch")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    outcome = models.CharField(max_length=30, blank=True)  # a close's path, an escalation's answer
    duration = models.DurationField(null=True)
    # A close or an escalation of a ticket closed as a duplicate: not counted (the other ticket
    # carries the case). Contacts with SIC keep counting: they took place.
    duplicate = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["kind", "at"], name="reports_step_kind_at")]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class ComplaintFacts(models.Model):
    """A ticket whose latest complaint evaluation (Ticket.complaint_evaluation, R15) says it is a
    complaint about the product, as the complaint trend (ISO 13485 §8.2.2 / §8.4) reads it: a later
    evaluation "no" removes the row, a later "yes" adds it again."""

    class Investigation(models.TextChoices):
        INVESTIGATED = "investigated", _("untersucht")
        NOT_INVESTIGATED = "not_investigated", _("nicht untersucht")
        OPEN = "", _("Untersuchung offen")

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    evaluation = models.ForeignKey(
        "tickets.ComplaintEvaluation", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # When the report came in (Ticket.received_at, else the call's created_at): its month is the trend's.
    received_at = models.DateTimeField()
    category = models.CharField(max_length=20, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    sanivision_version = models.CharField(max_length=50, blank=True)  # blank: unknown
    investigation = models.CharField(max_length=20, blank=True, choices=Investigation.choices)
    # The known solution the ticket was solved with: its title is the complaint's symptom.
    known_solution = models.ForeignKey(
        "solutions.KnownSolution",
        on_delete=models.DO_NOTHING,
        null=True,
        db_constraint=False,
        related_name="+",
    )
    duplicate = models.BooleanField(default=False)  # closed as a duplicate: counted apart

    class Meta:
        indexes = [models.Index(fields=["received_at"], name="reports_complaint_received")]

    def __str__(self):
        return f"{self.ticket_id} {self.received_at:%Y-%m}"
