"""The controlled work instruction "Telefon-Support" (R21, DESIGN §10.2) and the signed validation
record of the validation report (ISO 13485 §4.1.6).

A revision is drafted by a process manager, signed by its author (meaning "authored") and then by
the QMB (meaning "approved"), each re-entering the password; the approval puts it in force and
supersedes the revision in force before it. Exactly one revision is in force at a time (the
services serialise approvals; the partial unique constraint is the database's backstop).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions


class RevisionIsFinal(Exception):
    """A signed revision (authored, in force, superseded) never changes its content."""

    def __init__(self):
        super().__init__(
            _("Eine unterschriebene Revision wird nie geändert; legen Sie einen neuen Entwurf an.")
        )


def printed_name(user) -> str:
    return user.get_full_name() or user.get_username()


# The content of a revision: editable while it is a draft, frozen by the author's signature.
CONTENT_FIELDS = ("title", "text", "change_summary", "effective_date")


class WorkInstructionRevision(ConcurrentTransitions, AuditedModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        AUTHORED = "authored", _("vom Autor unterschrieben")
        IN_FORCE = "in_force", _("in Kraft")
        SUPERSEDED = "superseded", _("ersetzt")

    class Meaning(models.TextChoices):
        AUTHORED = "authored", _("erstellt (Autor, Prozessmanager)")
        APPROVED = "approved", _("freigegeben (QMB)")

    number = models.PositiveIntegerField(_("Änderungsstand"), unique=True, editable=False)
    title = models.CharField(_("Titel"), max_length=200, default="Arbeitsanweisung „Telefon-Support“")
    text = models.TextField(_("Text"), max_length=200000)
    change_summary = models.TextField(_("Änderungen"), max_length=20000)
    effective_date = models.DateField(_("gültig ab"), null=True, blank=True)
    state = FSMField(_("Status"), choices=State.choices, default=State.DRAFT, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("angelegt von")
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    # The author's signature (a process manager): who, printed name, time, meaning.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Autor"),
    )
    author_name = models.CharField(_("Autor (Klartext)"), max_length=300, blank=True)
    authored_at = models.DateTimeField(_("vom Autor unterschrieben am"), null=True, blank=True)
    author_meaning = models.CharField(_("Bedeutung der Unterschrift des Autors"), max_length=20, blank=True)
    # The QMB's signature.
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("freigegeben von"),
    )
    approver_name = models.CharField(_("Freigabe (Klartext)"), max_length=300, blank=True)
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    approver_meaning = models.CharField(_("Bedeutung der Freigabe-Unterschrift"), max_length=20, blank=True)
    superseded_at = models.DateTimeField(_("ersetzt am"), null=True, blank=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Revision der Arbeitsanweisung")
        verbose_name_plural = _("Revisionen der Arbeitsanweisung")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="in_force"), name="one_work_instruction_in_force"
            )
        ]

    def __str__(self):
        return _("Rev. %(number)s") % {"number": self.number}

    def save(self, *args, **kwargs):
        # Signed content is final: only a draft's content may change (the signatures and the state
        # are set by the transitions).
        if self.pk and self._content_changed():
            raise RevisionIsFinal()
        super().save(*args, **kwargs)

    def _content_changed(self) -> bool:
        stored = (
            WorkInstructionRevision.objects.filter(pk=self.pk)
            .exclude(state=self.State.DRAFT)
            .values(*CONTENT_FIELDS)
            .first()
        )
        if stored is None:
            return False
        # The approval fills in an effective date left open ("from the approval on").
        return any(
            stored[name] != getattr(self, name)
            for name in CONTENT_FIELDS
            if not (name == "effective_date" and stored[name] is None)
        )

    @property
    def signatures(self) -> list[dict]:
        """The signatures given, in order: printed name, time and meaning."""
        rows = []
        if self.authored_at:
            rows.append(
                {
                    "meaning": self.author_meaning,
                    "name": self.author_name,
                    "at": self.authored_at,
                    "user": self.author,
                }
            )
        if self.approved_at:
            rows.append(
                {
                    "meaning": self.approver_meaning,
                    "name": self.approver_name,
                    "at": self.approved_at,
                    "user": self.approver,
                }
            )
        for row in rows:
            row["meaning_label"] = self.Meaning(row["meaning"]).label
        return rows

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.AUTHORED,
        permission=lambda revision, user: roles.can_draft_instruction(user),
        custom={"label": _("Als Autor unterschreiben"), "reason": _("vom Autor unterschrieben")},
    )
    def author_sign(self, *, by):
        self.author, self.author_name = by, printed_name(by)
        self.authored_at, self.author_meaning = timezone.now(), self.Meaning.AUTHORED

    @transition(
        field=state,
        source=State.AUTHORED,
        target=State.IN_FORCE,
        permission=lambda revision, user: roles.can_approve_instruction(user),
        custom={"label": _("Freigeben (QMB)"), "reason": _("freigegeben und in Kraft gesetzt")},
    )
    def approve(self, *, by):
        self.approver, self.approver_name = by, printed_name(by)
        self.approved_at, self.approver_meaning = timezone.now(), self.Meaning.APPROVED
        if self.effective_date is None:
            self.effective_date = timezone.localdate()

    @transition(
        field=state,
        source=State.IN_FORCE,
        target=State.SUPERSEDED,
        permission=lambda revision, user: roles.can_approve_instruction(user),
        custom={"label": _("Ersetzen"), "reason": _("durch eine neue Revision ersetzt")},
    )
    def supersede(self, *, by):
        self.superseded_at = timezone.now()


class ValidationRecord(AuditedModel):
    """The record of one validation run (ISO 13485 §4.1.6): what was validated, under which
    configuration, by whom, and the QMB's signature (meaning "reviewed") over the report's SHA-256."""

    MEANING = "reviewed"

    commit = models.CharField(_("Git-Commit"), max_length=100)
    dirty = models.BooleanField(_("nicht eingecheckte Änderungen"), default=False)
    verdict = models.CharField(_("Ergebnis"), max_length=1000)
    validated = models.BooleanField(_("validiert"), default=False)
    rules_validated = models.PositiveIntegerField(_("validierte Regeln"), default=0)
    rules_total = models.PositiveIntegerField(_("Regeln"), default=0)
    tests_passed = models.PositiveIntegerField(_("Tests bestanden"), default=0)
    tests_failed = models.PositiveIntegerField(_("Tests fehlgeschlagen"), default=0)
    configuration = models.TextField(_("Konfiguration des Laufs"), blank=True, max_length=20000)
    run_by = models.CharField(_("ausgeführt von"), max_length=150, blank=True)
    report_sha256 = models.CharField(_("SHA-256 des Berichts"), max_length=64)
    report_name = models.CharField(_("Berichtsdatei"), max_length=300)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("geprüft von")
    )
    signer_name = models.CharField(_("Name (Klartext)"), max_length=300)
    signed_at = models.DateTimeField(_("unterschrieben am"), default=timezone.now)
    meaning = models.CharField(_("Bedeutung der Unterschrift"), max_length=20, default=MEANING)

    class Meta:
        verbose_name = _("Validierungsnachweis")
        verbose_name_plural = _("Validierungsnachweise")
        ordering = ["-signed_at", "-pk"]

    def __str__(self):
        return f"{self.commit[:12]} {self.signed_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise TypeError("A signed validation record is never changed")
        super().save(*args, **kwargs)
