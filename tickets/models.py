import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions, UndeletableQuerySet, VersionedModel
from outbox.models import OutgoingEmail
from solutions.models import Category


class State(models.TextChoices):
    INTAKE = "intake", _("Gemeldet")
    TRIAGE = "triage", _("In Prüfung")
    IMMEDIATE_FIX = "immediate_fix", _("Sofortlösung")
    ESCALATED = "escalated", _("Bei SIC")
    PROGRAM_REQUEST = "program_request", _("Programmwunsch")
    REJECTED = "rejected", _("Abgelehnt")
    REALIZED = "realized", _("Realisiert")
    CLOSED = "closed", _("Abgeschlossen")


class Priority(models.TextChoices):
    HIGH = "high", _("hoch")
    NORMAL = "normal", _("normal")


class ResolutionKind(models.TextChoices):
    USER_ERROR = "user_error", _("Anwenderfehler")
    CONFIGURATION_ERROR = "configuration_error", _("Konfigurationsfehler")
    KNOWN_WORKAROUND = "known_workaround", _("bekannter Workaround")
    QUESTION_ANSWERED = "question_answered", _("Frage beantwortet")
    VENDOR_SOLUTION = "vendor_solution", _("Sofortlösung von SIC")


class NotificationKind(models.TextChoices):
    CALLBACK_PROMISED = "callback_promised", _("Rückmeldung zugesagt")
    FORWARDED = "forwarded", _("an SIC-Entwicklung weitergeleitet")
    SOLUTION = "solution", _("Lösung mitgeteilt")
    REJECTION_EXPLAINED = "rejection_explained", _("Ablehnung begründet")
    REALIZED = "realized", _("Realisierung mitgeteilt")
    OTHER = "other", _("Sonstiges")


class Channel(models.TextChoices):
    PHONE = "phone", _("Telefon")
    EMAIL = "email", _("E-Mail")
    LETTER = "letter", _("Brief")
    IN_PERSON = "in_person", _("persönlich")


class ReportChannel(models.TextChoices):
    """How the report came in (DESIGN §9): the form of a report does not matter, its record does."""

    PHONE = "phone", _("Telefon")
    EMAIL = "email", _("E-Mail")
    LETTER = "letter", _("Brief")
    FAX = "fax", _("Fax")
    IN_PERSON = "in_person", _("persönlich")
    WEB = "web", _("Webformular")


# R2: the notification that must have been made in the current state before closing.
NOTIFICATION_REQUIRED_TO_CLOSE = {
    State.IMMEDIATE_FIX: NotificationKind.SOLUTION,
    State.REJECTED: NotificationKind.REJECTION_EXPLAINED,
    State.REALIZED: NotificationKind.REALIZED,
}


def may_work(ticket, user) -> bool:
    return roles.can_work(user)


def fitting_notifications(ticket):
    kind = NOTIFICATION_REQUIRED_TO_CLOSE.get(ticket.state)
    return ticket.notifications.filter(kind=kind, created_at__gte=ticket.state_entered_at)


# R17: a notification by e-mail counts once the mail server accepted its mail.
MAIL_NOT_SENT = (OutgoingEmail.State.QUEUED, OutgoingEmail.State.FAILED)


def customer_informed(ticket) -> bool:
    """R2: the fitting notification was made since the ticket entered its current state (R17: and,
    made by e-mail, its mail was sent)."""
    return (
        ticket.state in NOTIFICATION_REQUIRED_TO_CLOSE
        and fitting_notifications(ticket).exclude(outgoing_emails__state__in=MAIL_NOT_SENT).exists()
    )


def not_informed(ticket) -> str:
    unsent = fitting_notifications(ticket).filter(outgoing_emails__state__in=MAIL_NOT_SENT)
    if state := unsent.values_list("outgoing_emails__state", flat=True).first():
        waiting = _(
            "Die E-Mail an den Kunden wartet noch im Postausgang: Die Kundeninformation „%(kind)s“ "
            "zählt für den Abschluss, sobald der Mailserver die E-Mail angenommen hat."
        )
        failed = _(
            "Die E-Mail an den Kunden („%(kind)s“) konnte nicht zugestellt werden (siehe Postausgang): "
            "Senden Sie sie erneut oder informieren Sie den Kunden auf anderem Weg."
        )
        text = failed if state == OutgoingEmail.State.FAILED else waiting
        return text % {"kind": NOTIFICATION_REQUIRED_TO_CLOSE[ticket.state].label}
    return _(
        "Der Kunde muss vor dem Abschluss informiert werden: Es fehlt eine Kundeninformation "
        "„%(kind)s“ seit dem Statuswechsel zu „%(state)s“."
    ) % {
        "kind": NOTIFICATION_REQUIRED_TO_CLOSE[ticket.state].label,
        "state": ticket.get_state_display(),
    }


customer_informed.refusal = not_informed
customer_informed.fix, customer_informed.fix_label = "#record-notification", _("Kundeninformation erfassen")


def risk_reviews_signed(ticket) -> bool:
    """R3: no unsigned risk review on the ticket."""
    return not ticket.risk_reviews.filter(state=RiskReview.State.PENDING).exists()


risk_reviews_signed.refusal = _(
    "Der Vorgang ist risikorelevant: Die Bewertung durch die Geschäftsleitung ist noch nicht unterschrieben."
)
risk_reviews_signed.fix, risk_reviews_signed.fix_label = "/risk-reviews/", _("Zu den offenen Bewertungen")


def complaint_evaluated(ticket) -> bool:
    """R15: the latest complaint evaluation is complete."""
    evaluation = ticket.complaint_evaluation
    return evaluation is not None and evaluation.missing() is None


def not_evaluated(ticket) -> str:
    evaluation = ticket.complaint_evaluation
    if evaluation is None:
        return str(
            _(
                "Vor dem Abschluss fehlt die Bewertung als Beanstandung: Ist es eine Beanstandung des "
                "Produkts (ja/nein)?"
            )
        )
    return str(evaluation.missing())


complaint_evaluated.refusal = not_evaluated
complaint_evaluated.fix, complaint_evaluated.fix_label = "#record-complaint", _("Jetzt bewerten")


# Waiting on SIC: the states that carry a follow-up date (Wiedervorlage).
FOLLOW_UP_STATES = (State.ESCALATED, State.PROGRAM_REQUEST)
# Tickets whose solution is worth keeping: solved at once, by support or by SIC.
SOLVED_STATES = (State.IMMEDIATE_FIX, State.CLOSED)


def can_become_known_solution(ticket) -> bool:
    """A solved ticket with a solution of its own (not one taken from a known solution)."""
    return ticket.state in SOLVED_STATES and bool(ticket.solution) and ticket.known_solution_id is None


class TicketQuerySet(UndeletableQuerySet):
    def follow_up_due(self, on: datetime.date):
        """DESIGN §7 follow_up_due: waiting on SIC with a follow-up date on `on` or earlier."""
        return self.filter(state__in=FOLLOW_UP_STATES, follow_up_date__lte=on)

    def follow_up_overdue(self, on: datetime.date):
        return self.filter(state__in=FOLLOW_UP_STATES, follow_up_date__lt=on)


class TicketNumberCounter(models.Model):
    """The last ticket number handed out per year; locked while a ticket is created (gap-free)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Ticket(ConcurrentTransitions, VersionedModel, AuditedModel):
    objects = TicketQuerySet.as_manager()

    number = models.CharField(_("Nummer"), max_length=20, unique=True, editable=False)
    state = FSMField(_("Status"), choices=State.choices, default=State.INTAKE, protected=True)
    # When the ticket entered its current state; R2 counts notifications from here.
    state_entered_at = models.DateTimeField(_("im Status seit"), default=timezone.now, editable=False)

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("Kunde"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("Ansprechpartner"),
    )
    caller_name = models.CharField(_("Anrufer"), max_length=200)
    caller_phone = models.CharField(_("Rückrufnummer"), max_length=40, blank=True)
    summary = models.CharField(_("Betreff"), max_length=200)
    description = models.TextField(_("Problembeschreibung"), max_length=20000)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("angenommen von"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("zuständig"),
    )
    # Who handed the ticket to its assignee, and when; empty when the assignees took it themselves.
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zugewiesen von"),
    )
    assigned_at = models.DateTimeField(_("zugewiesen am"), null=True, blank=True)
    category = models.CharField(_("Kategorie"), max_length=20, choices=Category.choices, blank=True)
    risk_relevant = models.BooleanField(_("risikorelevant"), default=False)
    risk_description = models.TextField(_("Risikobeschreibung"), blank=True, max_length=20000)
    priority = models.CharField(
        _("Priorität"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    problem_description = models.TextField(
        _("vollständige Problemdokumentation"), blank=True, max_length=20000
    )
    resolution_kind = models.CharField(
        _("Art der Lösung"), max_length=30, choices=ResolutionKind.choices, blank=True
    )
    solution = models.TextField(_("Lösung"), blank=True, max_length=20000)
    follow_up_date = models.DateField(_("Wiedervorlage"), null=True, blank=True)
    program_request = models.ForeignKey(
        "vendor.ProgramRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("Programmwunsch"),
    )
    # The known solution the immediate fix was taken from: its usage count.
    known_solution = models.ForeignKey(
        "solutions.KnownSolution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("bekannte Lösung"),
    )
    reopen_reason = models.TextField(_("Grund der Wiederöffnung"), blank=True, max_length=20000)
    # Both empty on tickets logged before they were recorded: unknown, not guessed.
    channel = models.CharField(
        _("Eingang über"),
        max_length=20,
        choices=ReportChannel.choices,
        default=ReportChannel.PHONE,
        blank=True,
    )
    # When the report came in (the call's time), not when it was typed; never in the future.
    received_at = models.DateTimeField(_("eingegangen am"), default=timezone.now, null=True, blank=True)
    sanivision_reference = models.CharField(_("Vorgangsnummer in SaniVision"), max_length=50, blank=True)
    # R21: the revision of the work instruction in force when the ticket was logged (none: null).
    work_instruction_revision = models.ForeignKey(
        "instructions.WorkInstructionRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("Arbeitsanweisung (Revision)"),
    )
    # The release the caller runs: complaints are trended by it (DESIGN §10.1).
    sanivision_version = models.CharField(_("SaniVision-Version"), max_length=50, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("Duplikat von"),
    )
    duplicate_reason = models.TextField(_("Begründung (Duplikat)"), blank=True, max_length=20000)
    # The latest complaint evaluation (R15); earlier ones stay, superseded, in their own table.
    complaint_evaluation = models.ForeignKey(
        "ComplaintEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bewertung als Beanstandung"),
    )
    created_at = models.DateTimeField(_("gemeldet am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "follow_up_date"])]
        permissions = [("export_audit_trail", _("Audit-Trail exportieren"))]

    def __str__(self):
        return f"{self.number} {self.summary}"

    # The transitions of DESIGN §4. They change this row only; records they cause
    # (notes, notifications, vendor contacts, reviews) are made by their effects in tickets.services.

    @transition(
        field=state,
        source=State.INTAKE,
        target=State.TRIAGE,
        permission=may_work,
        custom={"label": _("Prüfen")},
    )
    def triage(self, *, category, risk_relevant, risk_description=""):
        self.category = category
        if risk_relevant:
            self.flag_risk_fields(risk_description)

    @transition(
        field=state,
        source=[State.TRIAGE, State.ESCALATED],
        target=State.IMMEDIATE_FIX,
        permission=may_work,
        custom={"label": _("Sofortlösung")},
    )
    def fix_immediately(self, *, resolution_kind, solution, known_solution=None):
        self.resolution_kind, self.solution = resolution_kind, solution
        self.known_solution = known_solution
        self.follow_up_date = None

    @transition(
        field=state,
        source=State.TRIAGE,
        target=State.ESCALATED,
        permission=may_work,
        custom={"label": _("An SIC eskalieren")},
    )
    def escalate(self, *, problem_description, follow_up_date):
        self.problem_description = problem_description
        self.follow_up_date = follow_up_date  # waiting for SIC is on follow-up from now on (step 9)

    @transition(
        field=state,
        source=State.ESCALATED,
        target=State.PROGRAM_REQUEST,
        permission=may_work,
        custom={"label": _("Programmwunsch erfassen")},
    )
    def register_program_request(self, *, program_request, follow_up_date):
        self.program_request = program_request
        self.priority = Priority.HIGH if program_request.priority == "high" else Priority.NORMAL
        self.follow_up_date = follow_up_date

    @transition(
        field=state,
        source=[State.ESCALATED, State.PROGRAM_REQUEST],
        target=None,
        permission=may_work,
        custom={"label": _("Wiedervorlage: bei SIC nachgefragt")},
    )
    def follow_up(self, *, next_follow_up_date):
        self.follow_up_date = next_follow_up_date

    @transition(
        field=state,
        source=State.PROGRAM_REQUEST,
        target=State.REJECTED,
        permission=may_work,
        custom={"label": _("Ablehnung durch SIC")},
    )
    def reject(self):
        self.follow_up_date = None

    @transition(
        field=state,
        source=State.PROGRAM_REQUEST,
        target=State.REALIZED,
        permission=may_work,
        custom={"label": _("Realisiert")},
    )
    def realize(self):
        self.follow_up_date = None

    @transition(
        field=state,
        source=[State.IMMEDIATE_FIX, State.REJECTED, State.REALIZED],
        target=State.CLOSED,
        conditions=[customer_informed, risk_reviews_signed, complaint_evaluated],
        permission=may_work,
        custom={"label": _("Abschließen")},
    )
    def close(self):
        self.follow_up_date = None

    @transition(
        field=state,
        source=[State.INTAKE, State.TRIAGE, State.ESCALATED],
        target=State.CLOSED,
        permission=may_work,
        custom={"label": _("Als Duplikat abschließen")},
    )
    def close_as_duplicate(self, *, duplicate_of, reason):
        # The other ticket carries the case: R2 and R15 apply there, not here.
        self.duplicate_of, self.duplicate_reason = duplicate_of, reason
        self.follow_up_date = None

    @transition(
        field=state,
        source=[s for s in State if s != State.CLOSED],
        target=None,
        permission=may_work,
        custom={"label": _("Als risikorelevant melden")},
    )
    def flag_risk(self, *, risk_description):
        self.flag_risk_fields(risk_description)

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.TRIAGE,
        permission=may_work,
        custom={"label": _("Wieder öffnen")},
    )
    def reopen(self, *, reason):
        self.reopen_reason = reason
        # A reopened duplicate carries a case of its own again; the history keeps the link it had.
        self.duplicate_of, self.duplicate_reason = None, ""

    def flag_risk_fields(self, risk_description):
        self.risk_relevant = True
        self.risk_description = risk_description


class CallNote(AuditedModel):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("eingehend")
        OUTBOUND = "outbound", _("ausgehend")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="call_notes")
    direction = models.CharField(_("Richtung"), max_length=10, choices=Direction.choices)
    text = models.TextField(_("Notiz"), max_length=20000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        verbose_name = _("Gesprächsnotiz")
        verbose_name_plural = _("Gesprächsnotizen")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_direction_display()} {self.created_at:%d.%m.%Y %H:%M}"


class CustomerNotification(AuditedModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(_("Inhalt"), max_length=30, choices=NotificationKind.choices)
    channel = models.CharField(_("Weg"), max_length=20, choices=Channel.choices)
    note = models.TextField(_("Notiz"), blank=True, max_length=20000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)

    class Meta:
        verbose_name = _("Kundeninformation")
        verbose_name_plural = _("Kundeninformationen")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()})"


class TicketLink(AuditedModel):
    """Two tickets about related problems ("siehe auch"). Never deleted: a wrong link is ended with a
    reason and stays in the history (R7)."""

    class Kind(models.TextChoices):
        RELATED = "related", _("hängt zusammen mit")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="links_from")
    target = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="links_to")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.RELATED)
    reason = models.TextField(_("Begründung"), max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("verknüpft am"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    end_reason = models.TextField(_("Grund der Beendigung"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("Verknüpfung")
        verbose_name_plural = _("Verknüpfungen")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(ticket=models.F("target")), name="link_not_itself")
        ]

    def __str__(self):
        return f"{self.ticket_id} ↔ {self.target_id}"


class ComplaintEvaluation(AuditedModel):
    """Is the report a complaint about the product, and was it investigated (R15, DESIGN §10.1;
    ISO 13485 §8.2.2)? A later evaluation supersedes an earlier one; both stay."""

    class Investigation(models.TextChoices):
        INVESTIGATED = "investigated", _("untersucht")
        NOT_INVESTIGATED = "not_investigated", _("nicht untersucht")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="complaint_evaluations")
    is_complaint = models.BooleanField(_("Beanstandung des Produkts"))
    investigation = models.CharField(
        _("Untersuchung"), max_length=20, choices=Investigation.choices, blank=True
    )
    findings = models.TextField(_("Ergebnis / Ursache"), blank=True, max_length=20000)
    justification = models.TextField(_("Begründung, warum nicht untersucht"), blank=True, max_length=20000)
    # SIC's analysis counts as the investigation: the contact in which SIC reported it.
    vendor_contact = models.ForeignKey(
        "vendor.VendorContact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Untersuchung durch SIC (Kontakt)"),
    )
    capa = models.ForeignKey(
        "capa.CapaProposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaint_evaluations",
        verbose_name=_("CAPA"),
    )
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("bewertet am"), default=timezone.now)

    class Meta:
        verbose_name = _("Bewertung als Beanstandung")
        verbose_name_plural = _("Bewertungen als Beanstandung")
        ordering = ["evaluated_at", "pk"]

    def __str__(self):
        if not self.is_complaint:
            return str(_("keine Beanstandung"))
        if self.investigation:
            return f"{_('Beanstandung')}, {self.get_investigation_display()}"
        return str(_("Beanstandung, Untersuchung offen"))

    def missing(self) -> str | None:
        """What R15 still asks for before the ticket may be closed, in German; None: complete."""
        if not self.is_complaint or self.investigation:
            return None
        return str(
            _(
                "Der Vorgang ist eine Beanstandung: Vor dem Abschluss fehlt das Ergebnis der Untersuchung "
                "oder die begründete Entscheidung, nicht zu untersuchen."
            )
        )


class ReportCategory(models.TextChoices):
    """EU MDR Art. 87: the kind of reportable event, which sets the reporting deadline."""

    SERIOUS_INCIDENT = "serious_incident", _("schwerwiegendes Vorkommnis (15 Tage)")
    DEATH_OR_SERIOUS_DETERIORATION = (
        "death_or_serious_deterioration",
        _("Tod oder unvorhergesehene schwerwiegende Verschlechterung des Gesundheitszustands (10 Tage)"),
    )
    SERIOUS_PUBLIC_HEALTH_THREAT = (
        "serious_public_health_threat",
        _("schwerwiegende Gefahr für die öffentliche Gesundheit (2 Tage)"),
    )


# Days from the call (ticket.created_at) to the report's deadline, MDR Art. 87(3), (4), (5).
REPORT_DAYS = {
    ReportCategory.SERIOUS_INCIDENT: 15,
    ReportCategory.DEATH_OR_SERIOUS_DETERIORATION: 10,
    ReportCategory.SERIOUS_PUBLIC_HEALTH_THREAT: 2,
}


class RiskReview(ConcurrentTransitions, AuditedModel):
    """Management's signed review of a risk-relevant ticket (R3, R12)."""

    MEANING = _("geprüft und bewertet durch die Geschäftsleitung")

    class State(models.TextChoices):
        PENDING = "pending", _("offen")
        SIGNED = "signed", _("unterschrieben")

    class Decision(models.TextChoices):
        NO_ACTION = "no_action", _("keine Maßnahme erforderlich")
        CAPA = "capa", _("CAPA einleiten")
        REPORT_TO_AUTHORITY = "report_to_authority", _("Meldung an die Behörde")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="risk_reviews")
    risk_description = models.TextField(_("gemeldetes Risiko"), max_length=20000)
    state = FSMField(_("Status"), choices=State.choices, default=State.PENDING, protected=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("angefordert"), default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signer_name = models.CharField(_("Name (Klartext)"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("unterschrieben am"), null=True, blank=True)
    meaning = models.CharField(_("Bedeutung der Unterschrift"), max_length=200, blank=True)
    decision = models.CharField(_("Entscheidung"), max_length=30, choices=Decision.choices, blank=True)
    comment = models.TextField(_("Kommentar"), blank=True, max_length=20000)
    # Set at signing when the decision is report_to_authority: which EU MDR Art. 87 deadline applies.
    report_category = models.CharField(
        _("Art der Meldung (MDR Art. 87)"), max_length=40, choices=ReportCategory.choices, blank=True
    )

    class Meta:
        verbose_name = _("Bewertung durch die Geschäftsleitung")
        verbose_name_plural = _("Bewertungen durch die Geschäftsleitung")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.ticket.number}: {self.get_state_display()}"

    def save(self, *args, **kwargs):
        # R12: a signed review is final; a new review is added instead.
        if self.pk and RiskReview.objects.filter(pk=self.pk, state=self.State.SIGNED).exists():
            raise SignedReviewIsFinal()
        super().save(*args, **kwargs)

    @transition(
        field=state,
        source=State.PENDING,
        target=State.SIGNED,
        permission=lambda review, user: roles.can_sign(user),
        custom={"label": _("Unterschreiben"), "reason": _("Risikobewertung unterschrieben")},
    )
    def sign(self, *, reviewer, decision, comment, report_category=""):
        self.reviewer = reviewer
        self.signer_name = reviewer.get_full_name() or reviewer.get_username()
        self.signed_at = timezone.now()
        self.meaning = str(self.MEANING)
        self.decision, self.comment = decision, comment
        self.report_category = report_category if decision == self.Decision.REPORT_TO_AUTHORITY else ""

    @property
    def report_deadline(self):
        """When the report to the authority is due: counted from the call (ticket.created_at)."""
        if not self.report_category:
            return None
        return self.ticket.created_at + datetime.timedelta(days=REPORT_DAYS[self.report_category])


class SignedReviewIsFinal(Exception):
    def __init__(self):
        super().__init__(_("Eine unterschriebene Bewertung wird nie geändert; legen Sie eine neue an."))


class AuthorityReport(AuditedModel):
    """The report to the authority of a review decided report_to_authority ("Meldung erfolgt am").

    A record of its own: a signed review is never changed (R12), and one review is reported once.
    """

    review = models.OneToOneField(
        RiskReview, on_delete=models.PROTECT, related_name="authority_report", verbose_name=_("Bewertung")
    )
    reported_on = models.DateField(_("Meldung erfolgt am"))
    reference = models.CharField(_("Aktenzeichen / Referenz"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("erfasst am"), default=timezone.now)

    class Meta:
        verbose_name = _("Meldung an die Behörde")
        verbose_name_plural = _("Meldungen an die Behörde")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.review.ticket.number}: {self.reported_on:%d.%m.%Y}"
