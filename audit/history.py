"""History rows as a reader sees them: the one presenter of the audit trail (R9, DESIGN §6).

Every history row becomes an `Entry`: who, when, the kind of change, the reason (its code and its
label, audit.reasons), the state from → to and each field's old → new value. The ticket timeline,
the audit trail page and its exports, the API history endpoints and the CAPA and known-solution pages
all show these entries; `describe()` adds the texts (choice labels, names of related objects, ja/nein,
German dates) with one query per kind of related object, whatever the number of rows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import FSMFieldMixin

from accounts.users import display_name
from audit import reasons, registry
from audit.chain import GENESIS, row_hash


def save_audited(obj: models.Model, *, by, reason: str) -> None:
    """Save with the acting user and the reason on the history row (R9)."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save()


def record_creation_in_migration(apps, obj, reason: str) -> None:
    """A data migration's object gets its first history row and chain head, as save() would give it."""
    history_model = apps.get_model(obj._meta.app_label, f"Historical{obj._meta.object_name}")
    values = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname != "audit_head"
    }
    row = history_model(**values, history_date=timezone.now(), history_type="+", history_change_reason=reason)
    row.history_hash = row_hash(row, GENESIS)
    row.save()
    type(obj).objects.filter(pk=obj.pk).update(audit_head=row.history_hash)


KINDS = {"+": "created", "~": "changed", "-": "deleted"}
KIND_LABELS = {
    "created": gettext_lazy("angelegt"),
    "changed": gettext_lazy("geändert"),
    "deleted": gettext_lazy("gelöscht"),
}
# Bookkeeping that changes with every save and says nothing to a reader.
NOT_SHOWN = {"id", "version", "updated_at", "state_entered_at", "audit_head"}
# Labels for fields declared without a German verbose_name.
FIELD_LABELS = {
    "ticket": gettext_lazy("Vorgang"),
    "created_by": gettext_lazy("erfasst von"),
    "requested_by": gettext_lazy("angefordert von"),
    "reviewer": gettext_lazy("unterschrieben von"),
    "decided_by": gettext_lazy("entschieden von"),
    "vendor": gettext_lazy("Hersteller"),
    "customer": gettext_lazy("Kunde"),
}


@dataclass
class Change:
    field: models.Field
    old: object
    new: object
    label: str = ""
    old_text: str = ""
    new_text: str = ""

    @property
    def key(self) -> str:
        """The field's name in the API: a foreign key without `_id`."""
        return self.field.attname.removesuffix("_id") if self.field.is_relation else self.field.name


@dataclass(frozen=True)
class Cursor:
    """An entry's place in the trail: ordered by time, then table, then row id (audit.selectors)."""

    at: datetime.datetime
    key: str
    id: int

    def __str__(self):
        return f"{self.at.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S.%fZ}~{self.key}~{self.id}"


@dataclass
class Entry:
    """One row of the trail: a history row, or (audit.selectors) a sign-in or export event."""

    at: datetime.datetime
    kind: str  # created, changed, deleted; or the event's kind
    key: str = ""  # the live model's label, e.g. "tickets.Ticket"
    row_id: int | None = None
    row: object = None
    username: str | None = None
    who: str = ""
    kind_label: str = ""
    reason_code: str = ""
    reason: str = ""
    diffs: list[Change] = field(default_factory=list)  # every shown field that changed, the state too
    state_field: str | None = None
    from_state: str | None = None  # set only when the state changed (to_state also on creation)
    to_state: str | None = None
    from_state_label: str = ""
    to_state_label: str = ""
    object_label: str = ""
    ticket_id: int | None = None
    ticket_number: str = ""
    details: str = ""

    @property
    def cursor(self) -> str:
        return str(Cursor(self.at, self.key, self.row_id))

    @property
    def created(self) -> bool:
        return self.kind == "created"

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(label, old, new) as a reader sees them (after describe()), the state too."""
        return [(c.label, c.old_text, c.new_text) for c in self.diffs]

    @property
    def field_changes(self) -> list[tuple[str, str, str]]:
        """The changes but the state's, for views that show the state on a line of its own."""
        return [(c.label, c.old_text, c.new_text) for c in self.diffs if c.field.name != self.state_field]

    @property
    def raw_changes(self) -> dict:
        """{field: [old, new]} as the API shows them, without the state."""
        return {c.key: [c.old, c.new] for c in self.diffs if c.field.name != self.state_field}

    def changes_text(self, arrow: str = " → ") -> list[str]:
        return [f"{label}: {old}{arrow}{new}" for label, old, new in self.changes]


def state_field_of(model) -> str | None:
    return next((f.name for f in model._meta.fields if isinstance(f, FSMFieldMixin)), None)


def shown_fields(history_model, only=None) -> list:
    return [
        f
        for f in history_model.tracked_fields
        if f.attname not in NOT_SHOWN and not f.name.endswith("_e164") and (only is None or f.name in only)
    ]


def entry_of(live_model, row, previous, *, only=None) -> Entry:
    """The entry of a history row, its changes against the object's row before it (None: the first)."""
    diffs = []
    for f in shown_fields(type(row), only):
        new = getattr(row, f.attname)
        old = getattr(previous, f.attname) if previous is not None else None
        if previous is None and new in (None, "", False):
            continue
        if old != new:
            diffs.append(Change(f, old, new))
    state_field = state_field_of(live_model)
    entry = Entry(
        at=row.history_date,
        kind=KINDS.get(row.history_type, "deleted"),
        key=live_model._meta.label,
        row_id=row.history_id,
        row=row,
        username=row.history_user.get_username() if row.history_user else None,
        who=display_name(row.history_user),
        reason_code=row.history_change_reason or "",
        reason=reasons.label(row.history_change_reason, model=live_model),
        diffs=diffs,
        state_field=state_field,
    )
    if state_field:
        before, after = getattr(previous, state_field, None), getattr(row, state_field)
        if previous is None or before != after:
            entry.from_state, entry.to_state = before, after
    return entry


def entries(live_model, rows, *, only=None, from_start=False) -> list[Entry]:
    """Consecutive history rows of one object (ordered by history_id) as entries. The row before
    the first is read (one query) unless `from_start`: the rows begin with the object's creation."""
    rows = list(rows)
    if not rows:
        return []
    previous = None
    if not from_start:
        first = rows[0]
        previous = (
            type(first)
            .objects.filter(id=first.id, history_id__lt=first.history_id)
            .order_by("-history_id")
            .first()
        )
    found = []
    for row in rows:
        found.append(entry_of(live_model, row, previous, only=only))
        previous = row
    return found


def rows_with_previous(history_model, ids) -> list:
    """History rows by id, each with .previous_row (its object's row before it, or None): two queries."""
    before = history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    rows = list(
        history_model.objects.filter(history_id__in=ids)
        .select_related("history_user")
        .annotate(previous_id=Subquery(before.order_by("-history_id").values("history_id")[:1]))
    )
    previous_ids = [row.previous_id for row in rows if row.previous_id]
    previous = history_model.objects.in_bulk(previous_ids, field_name="history_id") if previous_ids else {}
    for row in rows:
        row.previous_row = previous.get(row.previous_id)
    return rows


def history_rows(obj):
    """The history rows of one object, oldest first, with their users."""
    return type(obj).history.filter(id=obj.pk).select_related("history_user").order_by("history_id")


def object_history(obj, *, only=None) -> list[Entry]:
    """Every history row of one object, oldest first, described."""
    return describe(entries(type(obj), history_rows(obj), only=only, from_start=True))


# ---- the texts --------------------------------------------------------------------------------


def field_label(f) -> str:
    if f.name in FIELD_LABELS and str(f.verbose_name) == f.name.replace("_", " "):
        return str(FIELD_LABELS[f.name])
    return str(f.verbose_name)


def object_names(wanted: dict) -> dict:
    """Names of the objects referred to by id: one query per kind of object; a case by its number."""
    case = registry.case()
    names = {}
    for model, ids in wanted.items():
        ids = {i for i in ids if i is not None}
        if not ids:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            if model is get_user_model():
                names[(model, obj.pk)] = display_name(obj)
            elif model is case.model:
                names[(model, obj.pk)] = getattr(obj, case.number_field)
            else:
                names[(model, obj.pk)] = str(obj)
    return names


class Texts:
    """Values as a reader sees them, with labels and choices looked up once per batch of rows."""

    def __init__(self, names: dict):
        self.names = names
        self.labels, self.choices = {}, {}
        self.yes, self.no = str(_("ja")), str(_("nein"))

    def label(self, f) -> str:
        if f not in self.labels:
            self.labels[f] = field_label(f)
        return self.labels[f]

    def value(self, f, value) -> str:
        if value in (None, ""):
            return "—"
        if f.is_relation:
            return str(self.names.get((f.related_model, value), value))
        if f.choices:
            if f not in self.choices:
                self.choices[f] = {key: str(label) for key, label in f.flatchoices}
            return self.choices[f].get(value, str(value))
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
        if isinstance(value, datetime.date):
            return value.strftime("%d.%m.%Y")
        return str(value)


def wanted_objects(entries_, wanted=None) -> dict:
    wanted = defaultdict(set) if wanted is None else wanted
    for entry in entries_:
        for change in entry.diffs:
            if change.field.is_relation:
                wanted[change.field.related_model].update((change.old, change.new))
    return wanted


def describe(entries_: list[Entry], names: dict | None = None) -> list[Entry]:
    """Fill in the texts of the entries: labels, values, states, the kind."""
    texts = Texts(object_names(wanted_objects(entries_)) if names is None else names)
    kind_labels = {key: str(label) for key, label in KIND_LABELS.items()}
    for entry in entries_:
        entry.kind_label = entry.kind_label or kind_labels.get(entry.kind, entry.kind)
        for change in entry.diffs:
            change.label = texts.label(change.field)
            change.old_text, change.new_text = (
                texts.value(change.field, change.old),
                texts.value(change.field, change.new),
            )
        if entry.state_field:
            state = type(entry.row)._meta.get_field(entry.state_field)
            if entry.from_state is not None:
                entry.from_state_label = texts.value(state, entry.from_state)
            if entry.to_state is not None:
                entry.to_state_label = texts.value(state, entry.to_state)
    return entries_
