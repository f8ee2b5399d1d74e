"""Hash chains: one per object over its history rows, its head kept on the live row (R11); one per
event log (sign-in events, exports), its head in EventChainHead (R19)."""

import datetime
import hashlib
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from django.apps import apps
from django.db import connection, models, transaction

from audit.models import AppendOnlyEvent, AuditedModel, EventChainHead

GENESIS = ""
CHUNK = 2000  # rows fetched per round trip while streaming a table
HASH_FIELDS = ("history_hash", "chain_hash")

# Called once per history row or event checked, with the table's label and the rows checked so far.
Progress = Callable[[str, int], None]


def audited_models() -> list[type[AuditedModel]]:
    return [m for m in apps.get_models() if issubclass(m, AuditedModel)]


def event_models() -> list[type[AppendOnlyEvent]]:
    return [m for m in apps.get_models() if issubclass(m, AppendOnlyEvent)]


def _canonical(field: models.Field, value):
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bool, int, str)):
        return value
    return str(value)


def row_hash(row: models.Model, previous: str) -> str:
    """SHA-256 over every field of a history row or event (but its own id and hash) and the previous hash.

    Empty values (None, "", False) are left out, so a field added later with an empty
    default keeps old rows verifiable; emptying a filled field still changes the hash. A field
    renamed later is hashed under its first name (the model's `hashed_field_names`), so the rows
    written before the rename stay verifiable too.
    """
    first_names = getattr(getattr(row, "instance_type", None), "hashed_field_names", {})
    values = {}
    for field in row._meta.concrete_fields:
        if field.primary_key or field.attname in HASH_FIELDS:
            continue
        value = _canonical(field, getattr(row, field.attname))
        if value not in (None, "", False):
            values[first_names.get(field.attname, field.attname)] = value
    payload = json.dumps(
        [row._meta.label, previous, values], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Break:
    model: str
    object_id: object
    history_id: object
    problem: str

    def __str__(self):
        where = self.model if self.object_id is None else f"{self.model} object {self.object_id}"
        if self.history_id is not None:
            where += f", history row {self.history_id}"
        return f"{where}: {self.problem}"


def append_event(event: AppendOnlyEvent) -> AppendOnlyEvent:
    """Save a new event as the next link of its log's chain (R19).

    The head row stays locked until commit (on SQLite the transaction is BEGIN IMMEDIATE), so
    concurrent events chain one after the other, in the order of their ids.
    """
    with transaction.atomic():
        heads = EventChainHead.objects.select_for_update()
        head, _created = heads.get_or_create(log=event._meta.label)
        event.chain_hash = head.head = row_hash(event, head.head)
        event.save()
        head.save(update_fields=["head"])
    return event


def _ignore(label: str, rows: int) -> None:
    pass


def verify_model(model: type[AuditedModel], object_ids=None, progress: Progress = _ignore) -> Break | None:
    """Walk every chain of one model (or of the objects named) and compare each live row with its
    newest history row (R19); return the first break, or None.

    The live rows and the history rows are read as two streams ordered by object id and merged, so
    memory does not grow with the table and there is no query per object.
    """
    history = model.history.model
    label = history._meta.label
    live, rows = model._base_manager.order_by("pk"), history.objects.order_by("id", "history_id")
    if object_ids is not None:
        live, rows = live.filter(pk__in=object_ids), rows.filter(id__in=object_ids)
    live_fields = {f.attname for f in model._meta.concrete_fields}
    compared = [f for f in history._meta.concrete_fields if f.attname in live_fields]
    live_rows = live.iterator(chunk_size=CHUNK)
    current = next(live_rows, None)
    checked = 0
    for object_id, chain in groupby(rows.iterator(chunk_size=CHUNK), key=attrgetter("id")):
        previous = GENESIS
        for row in chain:
            expected = row_hash(row, previous)
            if row.history_hash != expected:
                return Break(label, object_id, row.history_id, "hash does not match the row's content")
            previous, newest = expected, row
            checked += 1
            progress(label, checked)
        # Both streams are ordered by id: a live row before this object has no history at all.
        if current is not None and current.pk < object_id:
            return Break(label, current.pk, None, "no history rows at all")
        if current is None or current.pk != object_id:
            return Break(label, object_id, newest.history_id, "history of an object that no longer exists")
        if current.audit_head != previous:
            return Break(
                label,
                object_id,
                newest.history_id,
                "chain head does not match: its last row was removed or changed",
            )
        if changed := [f.name for f in compared if getattr(current, f.attname) != getattr(newest, f.attname)]:
            return Break(
                label,
                object_id,
                newest.history_id,
                f"the live row ({model._meta.label}) differs from its newest history row in: "
                + ", ".join(changed),
            )
        current = next(live_rows, None)
    if current is not None:
        return Break(label, current.pk, None, "no history rows at all")
    return None


def verify_events(model: type[AppendOnlyEvent], progress: Progress = _ignore) -> Break | None:
    """Walk the chain of one event log in the order it was written; return the first break, or None.

    The head kept apart finds events removed from the end, or the whole log emptied.
    """
    label = model._meta.label
    head = EventChainHead.objects.filter(log=label).values_list("head", flat=True).first() or GENESIS
    previous, newest = GENESIS, None
    for checked, event in enumerate(model.objects.order_by("pk").iterator(chunk_size=CHUNK), start=1):
        expected = row_hash(event, previous)
        if event.chain_hash != expected:
            return Break(
                label, event.pk, None, "hash does not match the event's content or the event before it"
            )
        previous, newest = expected, event.pk
        progress(label, checked)
    if previous != head:
        return Break(label, newest, None, "chain head does not match: the newest events were removed")
    return None


@contextmanager
def _snapshot():
    """On PostgreSQL one REPEATABLE READ transaction: what the app writes meanwhile cannot look like a
    break (live rows and history are read by separate queries), and the cursors stream."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def touched_since(model: type[AuditedModel], since: datetime.datetime):
    """The ids of the objects with a history row at or after `since` (a subquery, from the date index)."""
    return model.history.model.objects.filter(history_date__gte=since).values("id")


def verify_all(
    progress: Progress = _ignore, since: datetime.datetime | None = None
) -> tuple[int, Break | None]:
    """Verify every audited model and every event log; return how many history tables were checked
    and the first break. `since`: only the chains of the objects changed since then, each walked
    from its first row (a daily run); the event logs are one chain each and always walked whole."""
    models_checked = audited_models()
    with _snapshot():
        for model in models_checked:
            object_ids = None if since is None else touched_since(model, since)
            if problem := verify_model(model, object_ids, progress=progress):
                return len(models_checked), problem
        for model in event_models():
            if problem := verify_events(model, progress=progress):
                return len(models_checked), problem
    return len(models_checked), None
