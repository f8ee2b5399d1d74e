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


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
# Bookkeeping that changes with every save and says nothing to a reader.
BOOKKEEPING = {"id", "version", "updated_at", "state_entered_at", "audit_head"}


def history_entries(rows, *, state_field: str) -> list[dict]:
    """Consecutive history rows of one object (ordered by history_id) as entries: who, when, the
    `state_field` from → to (keys from_<state_field>, to_<state_field>), field changes old → new, reason."""
    rows = list(rows)
    if not rows:
        return []
    first = rows[0]
    previous = (
        type(first)
        .objects.filter(id=first.id, history_id__lt=first.history_id)
        .order_by("-history_id")
        .first()
    )
    not_shown = BOOKKEEPING | {state_field}
    fields = [f for f in type(first).tracked_fields if f.attname not in not_shown]
    entries = []
    for row in rows:
        changes = {}
        for field in fields:
            old = getattr(previous, field.attname) if previous else None
            new = getattr(row, field.attname)
            if old != new and not (previous is None and new in (None, "", False)):
                changes[field.attname.removesuffix("_id") if field.is_relation else field.name] = [old, new]
        before, after = getattr(previous, state_field, None), getattr(row, state_field)
        changed = previous is None or before != after
        entries.append(
            {
                "at": row.history_date,
                "user": row.history_user.get_username() if row.history_user else None,
                "action": ACTIONS[row.history_type],
                f"from_{state_field}": before if changed else None,
                f"to_{state_field}": after if changed else None,
                "changes": changes,
                "reason": row.history_change_reason,
            }
        )
        previous = row
    return entries
