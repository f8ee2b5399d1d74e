"""Known solutions (work instruction step 3: "a workaround is known to support"), found during the call."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from accounts import roles
from audit.models import AuditedModel, ConcurrentTransitions, VersionedModel


class Category(models.TextChoices):
    """The kind of problem (work instruction step 2): a ticket is triaged into one, and a known
    solution says which kind it solves."""

    SOFTWARE = "software", _("Programmierung")
    TECHNICAL = "technical", _("Technik")
    QUESTION = "question", _("Fragestellung")


def may_edit(solution, user) -> bool:
    """Support and management keep the knowledge base; everyone with a role reads it."""
    return roles.can_work(user)


class KnownSolution(ConcurrentTransitions, VersionedModel, AuditedModel):
    """A known problem and its solution; retired, never deleted.

    On PostgreSQL the table also has a column unknown to Django, `search_vector` (generated from
    title, symptoms, cause and solution with the German configuration), and trigram indexes:
    see migration 0002 and supportdesk/search.py.
    """

    class Kind(models.TextChoices):
        USER_ERROR = "user_error", _("Anwenderfehler")
        CONFIGURATION = "configuration", _("Konfiguration")
        WORKAROUND = "workaround", _("Workaround")
        ANSWER = "answer", _("Antwort auf eine Frage")
        FIXED_IN_RELEASE = "fixed_in_release", _("in einer Version behoben")

    class State(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        ACTIVE = "active", _("aktiv")
        RETIRED = "retired", _("zurückgezogen")

    title = models.CharField(_("Titel"), max_length=200)
    symptoms = models.TextField(_("Symptome"), max_length=20000)
    cause = models.TextField(_("Ursache"), blank=True, max_length=20000)
    solution = models.TextField(_("Lösung / Workaround (Schritte)"), max_length=20000)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    # The ticket's category when this solution is applied in one click from the intake page.
    category = models.CharField(_("Art des Problems"), max_length=20, choices=Category.choices)
    affected_versions = models.CharField(_("betroffene SaniVision-Versionen"), max_length=200, blank=True)
    program_request = models.ForeignKey(
        "vendor.ProgramRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="known_solutions",
        verbose_name=_("Programmwunsch (bekannter Fehler)"),
    )
    fixed_in_version = models.CharField(_("behoben in Version"), max_length=50, blank=True)
    state = FSMField(_("Status"), choices=State.choices, default=State.ACTIVE, protected=True)
    retired_reason = models.TextField(_("Grund des Zurückziehens"), blank=True, max_length=20000)
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aus Vorgang"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("angelegt von")
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Bekannte Lösung")
        verbose_name_plural = _("Bekannte Lösungen")
        ordering = ["title", "pk"]

    # The field was called `status` when the first history rows were written; their hashes (R11)
    # keep that name (audit.chain.row_hash).
    hashed_field_names = {"state": "status"}

    def __str__(self):
        return f"L-{self.pk}: {self.title}"

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.ACTIVE,
        permission=may_edit,
        custom={"label": _("Freigeben"), "reason": _("Bekannte Lösung freigegeben")},
    )
    def publish(self):
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.ACTIVE],
        target=State.RETIRED,
        permission=may_edit,
        custom={"label": _("Zurückziehen"), "reason": _("Bekannte Lösung zurückgezogen"), "danger": True},
    )
    def retire(self, *, reason):
        self.retired_reason = reason

    @transition(
        field=state,
        source=State.RETIRED,
        target=State.ACTIVE,
        permission=may_edit,
        custom={"label": _("Wieder aktivieren"), "reason": _("Bekannte Lösung wieder aktiviert")},
    )
    def reactivate(self):
        self.retired_reason = ""

    def mark_fixed(self, release: str):
        """Its program request was realized: the bug is fixed from `release` on."""
        self.kind = self.Kind.FIXED_IN_RELEASE
        self.fixed_in_version = release
