"""The base every model holding case data builds on: history, hash chain, no deletes (R7, R9, R11)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, ConcurrentTransitionMixin, FSMFieldMixin, FSMModelMixin
from simple_history.models import HistoricalRecords

from supportdesk.errors import DeletionRefused


class UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise DeletionRefused(self.model)

    def update(self, **kwargs):
        # A bulk update writes no history row (R9); only the chain head may be moved this way.
        if set(kwargs) - {"audit_head"}:
            raise TypeError("Audited rows change through save(), never through queryset.update()")
        return super().update(**kwargs)


class ThreadSafeRefresh(models.Model):
    """refresh_from_db() for a model with a protected state field, safe under threads.

    django-fsm-2's FSMModelMixin switches `protected` off and on again on the class-wide field, so
    another thread saving a transition meanwhile was refused ("Direct state modification is not
    allowed") after its commit. The field refuses only a value already set on the instance: drop
    ours, then load. Loading a deferred field loads the states too: the row Django reads it from
    reads its own states as it is built (django-fsm-2), and Django copies every field it read.
    """

    class Meta:
        abstract = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        states = [field.attname for field in self._meta.concrete_fields if isinstance(field, FSMFieldMixin)]
        if fields is not None:
            fields = {*fields, *states}
        for name in states:
            self.__dict__.pop(name, None)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class ConcurrentTransitions(ConcurrentTransitionMixin):
    """django-fsm-2's optimistic lock on the state (a save is refused when the state moved on),
    with ThreadSafeRefresh's refresh instead of FSMModelMixin's class-wide switch (the model must
    be an AuditedModel)."""

    def refresh_from_db(self, *args, **kwargs):
        super(FSMModelMixin, self).refresh_from_db(*args, **kwargs)
        self._update_initial_state()


class HistoryRow(ThreadSafeRefresh):
    """Base of every history table: each row is a link of its object's hash chain (R11)."""

    history_hash = models.CharField(max_length=64, editable=False, default="")

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionRefused(self)


class AuditedModel(ThreadSafeRefresh):
    """Case data: a history row for every change, the head of its hash chain, never deleted."""

    audit_head = models.CharField(max_length=64, editable=False, default="")

    objects = UndeletableQuerySet.as_manager()
    history = HistoricalRecords(inherit=True, bases=[HistoryRow], excluded_fields=["audit_head"])

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionRefused(self)


class VersionedModel(models.Model):
    """Optimistic lock: bumped on every save; saving a row changed since it was read is refused (R6)."""

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        updated = super()._do_update(
            base_qs.filter(version=self.version - 1), using, pk_val, values, update_fields, forced_update
        )
        if not updated and base_qs.filter(pk=pk_val).exists():
            raise ConcurrentTransition(f"The {self._meta.model_name} was changed since it was read.")
        return updated


class AppendOnlyQuerySet(models.QuerySet):
    """Events of the audit trail: added, never changed or deleted (R7, R10, R13)."""

    def delete(self):
        raise DeletionRefused(self.model)

    def update(self, **kwargs):
        raise TypeError("Audit events are append-only")

    def bulk_create(self, objs, *args, **kwargs):
        raise TypeError("Audit events are chained one by one (audit.chain.append_event)")


class EventChainHead(models.Model):
    """The newest hash of an event log's chain (R19), like a live row's `audit_head`: events removed
    from the end of the log, or the log emptied, no longer match it. Locked while an event is added."""

    log = models.CharField(max_length=100, primary_key=True)  # the event model's label
    head = models.CharField(max_length=64, default="")

    def __str__(self):
        return self.log


class AppendOnlyEvent(models.Model):
    """An event of the audit trail, chained by a hash to the event written before it (R19):
    written through audit.chain.append_event."""

    chain_hash = models.CharField(max_length=64, editable=False, default="")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DeletionRefused(self)


class SignInEvent(AppendOnlyEvent):
    """A login, logout or failed login, in the browser or for an API token (R13)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Anmeldung")
        LOGOUT = "logout", _("Abmeldung")
        LOGIN_FAILED = "login_failed", _("Anmeldung fehlgeschlagen")
        # R18: an attempt refused, whatever the password, because the username is locked out.
        LOCKED_OUT = "locked_out", _("Anmeldung gesperrt")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("Benutzername"), max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Benutzer"),
    )
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)
    user_agent = models.CharField(_("Browser"), max_length=500, blank=True)
    path = models.CharField(_("Adresse"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Anmeldeereignis")
        verbose_name_plural = _("Anmeldeereignisse")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at", "id"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.username}"


class AuditExport(AppendOnlyEvent):
    """Who exported which part of the audit trail, when (itself part of the trail)."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV-Export")
        PDF = "pdf", _("PDF-Export")
        TICKET_PDF = "ticket_pdf", _("Audit-Bericht eines Vorgangs")

    format = models.CharField(_("Format"), max_length=20, choices=Format.choices)
    filters = models.TextField(_("Filter"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("Benutzer")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Vorgang"),
    )
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP-Adresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("Audit-Export")
        verbose_name_plural = _("Audit-Exporte")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at", "id"])]

    def __str__(self):
        return f"{self.get_format_display()} {self.at:%d.%m.%Y %H:%M}"
