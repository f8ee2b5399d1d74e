"""A ticket's history rows as the entries of DESIGN §7: who, when, from → to, field changes, reason."""

from tickets.models import Ticket

# Bookkeeping that changes with every save and says nothing to a reader.
NOT_SHOWN = {"state", "version", "updated_at", "state_entered_at", "audit_head"}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def tracked_fields():
    return [
        f for f in Ticket.history.model.tracked_fields if f.attname not in NOT_SHOWN and f.attname != "id"
    ]


def history_entries(rows) -> list[dict]:
    """Entries for consecutive history rows of one ticket (ordered by history_id)."""
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
    fields = tracked_fields()
    entries = []
    for row in rows:
        changes = {}
        for field in fields:
            old = getattr(previous, field.attname) if previous else None
            new = getattr(row, field.attname)
            if old != new and not (previous is None and new in (None, "", False)):
                changes[field.attname.removesuffix("_id") if field.is_relation else field.name] = [old, new]
        state_changed = previous is None or previous.state != row.state
        entries.append(
            {
                "at": row.history_date,
                "user": row.history_user.get_username() if row.history_user else None,
                "action": ACTIONS[row.history_type],
                "from_state": previous.state if previous and state_changed else None,
                "to_state": row.state if state_changed else None,
                "changes": changes,
                "reason": row.history_change_reason,
            }
        )
        previous = row
    return entries
