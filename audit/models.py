"""The base every model holding case data builds on: history, hash chain, no deletes (R7, R9, R11)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMModelMixin
from simple_history.models import HistoricalRecords


class DeletionRefused(Exception):
    """Case data is never hard-deleted (R7)."""

    def __init__(self, model=None):
        super().__init__(
            _("Falldaten werden nie gelöscht (%(what)s). Stattdessen deaktivieren oder abschließen.")
            % {"what": model._meta.verbose_name if model else _("Datensatz")}
        )


class UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise DeletionRefused(self.model)

    def update(self, **kwargs):
        # A bulk update writes no history row (R9); only the chain head may be moved this way.
        if set(kwargs) - {"audit_head"}:
            raise TypeError("Audited rows change through save(), never through queryset.update()")
        return super().update(**kwargs)


class HistoryRow(FSMModelMixin, models.Model):
    """Base of every history table: each row is a link of its object's hash chain (R11)."""

    history_hash = models.CharField(max_length=64, editable=False, default="")

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionRefused(self)


class AuditedModel(models.Model):
    """Case data: a history row for every change, the head of its hash chain, never deleted."""

    audit_head = models.CharField(max_length=64, editable=False, default="")

    objects = UndeletableQuerySet.as_manager()
    history = HistoricalRecords(inherit=True, bases=[HistoryRow], excluded_fields=["audit_head"])

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise DeletionRefused(self)
