"""Hash chain over history rows: one chain per object, its head kept on the live row (R11)."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from audit.models import AuditedModel

GENESIS = ""


def audited_models() -> list[type[AuditedModel]]:
    return [m for m in apps.get_models() if issubclass(m, AuditedModel)]


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
    """SHA-256 over every field of a history row (but its own id and hash) and the previous hash.

    Empty values (None, "", False) are left out, so a field added later with an empty
    default keeps old rows verifiable; emptying a filled field still changes the hash. A field
    renamed later is hashed under its first name (the model's `hashed_field_names`), so the rows
    written before the rename stay verifiable too.
    """
    first_names = getattr(getattr(row, "instance_type", None), "hashed_field_names", {})
    values = {}
    for field in row._meta.concrete_fields:
        if field.attname in ("history_id", "history_hash"):
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
        where = f"{self.model} object {self.object_id}"
        if self.history_id is not None:
            where += f", history row {self.history_id}"
        return f"{where}: {self.problem}"


def verify_model(model: type[AuditedModel], object_ids=None) -> Break | None:
    """Walk every chain of one model (or of the objects named); return the first break, or None."""
    history = model.history.model
    label = history._meta.label
    live, rows = model._base_manager.all(), history.objects.all()
    if object_ids is not None:
        live, rows = live.filter(pk__in=object_ids), rows.filter(id__in=object_ids)
    heads = dict(live.values_list("pk", "audit_head").iterator())
    seen = set()
    object_id, previous, last_row = None, GENESIS, None

    def check_head(oid, head, row_id):
        if oid not in heads:
            return Break(label, oid, row_id, "history of an object that no longer exists")
        if heads[oid] != head:
            return Break(label, oid, row_id, "chain head does not match: its last row was removed or changed")
        return None

    for row in rows.order_by("id", "history_id").iterator(chunk_size=2000):
        if row.id != object_id:
            if object_id is not None and (problem := check_head(object_id, previous, last_row)):
                return problem
            object_id, previous = row.id, GENESIS
            seen.add(row.id)
        expected = row_hash(row, previous)
        if row.history_hash != expected:
            return Break(label, row.id, row.history_id, "hash does not match the row's content")
        previous, last_row = expected, row.history_id
    if object_id is not None and (problem := check_head(object_id, previous, last_row)):
        return problem
    for oid in heads.keys() - seen:
        return Break(label, oid, None, "no history rows at all")
    return None


def verify_all() -> tuple[int, Break | None]:
    """Verify every audited model; return how many models were checked and the first break."""
    models_checked = audited_models()
    for model in models_checked:
        if problem := verify_model(model):
            return len(models_checked), problem
    return len(models_checked), None
