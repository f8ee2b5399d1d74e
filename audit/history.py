from django.db import models


def save_audited(obj: models.Model, *, by, reason: str) -> None:
    """Save with the acting user and the reason on the history row (R9)."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def record_creation_in_migration(apps, obj, reason: str) -> None:
    """A data migration's object gets its first history row and chain head, as save() would give it."""
    from django.utils import timezone

    from audit.chain import GENESIS, row_hash

    history_model = apps.get_model(obj._meta.app_label, f"Historical{obj._meta.object_name}")
    values = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "audit_head"
    }
    row = history_model(**values, history_date=timezone.now(), history_type="+", history_change_reason=reason)
    row.history_hash = row_hash(row, GENESIS)
    row.save()
    type(obj).objects.filter(pk=obj.pk).update(audit_head=row.history_hash)
