"""Reads for the audit trail (DESIGN §6, §8): one stream over every history table and the events.

The stream is one UNION ALL query. Each branch is one table (a history table of audited_models(),
the sign-in events, the exports) with the filters pushed into its WHERE and its own
ORDER BY … LIMIT, so a branch reads at most one page from its date index; the outer query merges
the branches newest first. Pages are keyset pages: a cursor (time, table, row id) instead of an
OFFSET, so the thousandth page costs what the first costs. The page's rows are then read per
table in one query each, plus one for their previous history rows (old → new) and one per kind
of object they name: a fixed number of queries per page, whatever the size of the history.

The page, the CSV and the PDF export all read through audit_page() / audit_entries().
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from html import escape

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import F, IntegerField, Q, Value
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.users import display_name
from audit import registry
from audit.chain import audited_models
from audit.history import Cursor, Entry, describe, entry_of, object_names, rows_with_previous, wanted_objects
from audit.models import AuditExport, SignInEvent

PAGE_SIZE = 50
CHUNK_SIZE = 2000  # rows per database read of an export

KIND_CHOICES = [
    ("", gettext_lazy("alle")),
    ("created", gettext_lazy("angelegt")),
    ("changed", gettext_lazy("geändert")),
    ("signin", gettext_lazy("An- und Abmeldungen (alle)")),
    (SignInEvent.Kind.LOGIN, SignInEvent.Kind.LOGIN.label),
    (SignInEvent.Kind.LOGOUT, SignInEvent.Kind.LOGOUT.label),
    (SignInEvent.Kind.LOGIN_FAILED, SignInEvent.Kind.LOGIN_FAILED.label),
    ("export", gettext_lazy("Exporte")),
]


# ---- the tables of the stream ---------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One branch of the stream: a history table or an event table."""

    key: str  # the model label, e.g. "tickets.Ticket"
    model: type  # the table read: a history model or an event model
    live: type | None  # the audited model of a history table
    date_field: str
    id_field: str
    user_field: str
    kind: str  # "history", "signin" or "export"


@cache
def sources() -> tuple[Source, ...]:
    found = [
        Source(m._meta.label, m.history.model, m, "history_date", "history_id", "history_user", "history")
        for m in audited_models()
    ]
    found.append(Source("audit.SignInEvent", SignInEvent, None, "at", "id", "user", "signin"))
    found.append(Source("audit.AuditExport", AuditExport, None, "at", "id", "user", "export"))
    return tuple(sorted(found, key=lambda s: s.key))


def source_index(key: str) -> int:
    for index, source in enumerate(sources()):
        if source.key == key:
            return index
    raise LookupError(key)


# ---- the filter ------------------------------------------------------------------------------


@dataclass
class AuditFilter:
    """What part of the trail to show; the same for the page and both exports."""

    start: datetime.datetime | None = None  # inclusive
    end: datetime.datetime | None = None  # exclusive
    user: object = None
    scopes: dict = field(default_factory=dict)  # a registered dimension's key → the chosen value
    kind: str = ""
    history_only: bool = False
    description: list = field(default_factory=list)  # (label, value) pairs for headers and the record

    def describe(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.description) or _("keine")


def kind_scope(source: Source, kind: str) -> Q | None:
    if not kind:
        return Q()
    if source.kind == "history":
        types = {"created": "+", "changed": "~"}
        return Q(history_type=types[kind]) if kind in types else None
    if source.kind == "signin":
        if kind == "signin":
            return Q()
        return Q(kind=kind) if kind in SignInEvent.Kind.values else None
    return Q() if kind == source.kind else None


def branch_filter(source: Source, f: AuditFilter) -> Q | None:
    """The filter as this table's WHERE; None when the filter leaves nothing of this table."""
    if f.history_only and source.kind != "history":
        return None
    q = kind_scope(source, f.kind)
    if q is None:
        return None
    if f.start:
        q &= Q(**{f"{source.date_field}__gte": f.start})
    if f.end:
        q &= Q(**{f"{source.date_field}__lt": f.end})
    if f.user is not None:
        by_user = Q(**{source.user_field: f.user})
        if source.kind == "signin":  # failed logins name the account tried
            by_user |= Q(user=None, username=f.user.get_username())
        q &= by_user
    for dimension in registry.dimensions():
        value = f.scopes.get(dimension.key)
        if value is not None:
            part = dimension.scope(source.live, source.model, value)
            if part is None:
                return None
            q &= part
    return q


# ---- keyset pages ------------------------------------------------------------------------------


def keyset(source: Source, index: int, cursor: Cursor, newer: bool) -> Q:
    """Rows after the cursor in the stream's order (newer: before it)."""
    at, row_id = source.date_field, source.id_field
    mine = source_index(cursor.key)
    beyond = "gt" if newer else "lt"
    if index == mine:  # the bound on the time alone lets the database range-scan its date index
        return Q(**{f"{at}__{beyond}e": cursor.at}) & (
            Q(**{f"{at}__{beyond}": cursor.at}) | Q(**{f"{row_id}__{beyond}": cursor.id})
        )
    same_time_counts = (index > mine) if newer else (index < mine)
    return Q(**{f"{at}__{beyond}{'e' if same_time_counts else ''}": cursor.at})


def stream_keys(f: AuditFilter, *, limit: int, cursor: Cursor | None = None, newer: bool = False):
    """(table index, row id) of the next `limit` rows: newest first, or oldest first when newer."""
    direction = "" if newer else "-"
    branches, params = [], []
    database = "default"
    for index, source in enumerate(sources()):
        where = branch_filter(source, f)
        if where is None:
            continue
        if cursor is not None:
            where &= keyset(source, index, cursor, newer)
        queryset = (
            source.model._default_manager.using(database)
            .filter(where)
            .order_by(f"{direction}{source.date_field}", f"{direction}{source.id_field}")
            .annotate(a_src=Value(index, IntegerField()), a_id=F(source.id_field), a_at=F(source.date_field))
            .values("a_src", "a_id", "a_at")[:limit]
        )
        sql, branch_params = queryset.query.get_compiler(using=database).as_sql()
        branches.append(f"SELECT a_src, a_id, a_at FROM ({sql}) AS branch{index}")
        params.extend(branch_params)
    if not branches:
        return []
    order = "ASC" if newer else "DESC"
    sql = " UNION ALL ".join(branches) + f" ORDER BY a_at {order}, a_src {order}, a_id {order} LIMIT %s"
    with connections[database].cursor() as db:
        db.execute(sql, [*params, limit])
        return [(src, row_id) for src, row_id, _at in db.fetchall()]


# ---- the rows -------------------------------------------------------------------------------


def object_text(source: Source, row) -> str:
    name = source.live._meta.verbose_name
    for attribute in ("number", "name", "vendor_reference"):
        value = getattr(row, attribute, "")
        if value:
            return f"{name} {value}"
    return f"{name} #{row.id}"


def case_of(source: Source, row) -> int | None:
    """The id of the case (ticket) a history row belongs to, if any."""
    return row.id if source.live is registry.case().model else getattr(row, "ticket_id", None)


def history_entry(source, row) -> Entry:
    entry = entry_of(source.live, row, row.previous_row)
    entry.object_label = object_text(source, row)
    entry.ticket_id = case_of(source, row)
    return entry


def signin_entry(source, event, names) -> Entry:
    details = [_("Benutzername: %(name)s") % {"name": event.username}]
    if event.ip_address:
        details.append(_("IP-Adresse: %(ip)s") % {"ip": event.ip_address})
    if event.path:
        details.append(_("Adresse: %(path)s") % {"path": event.path})
    if event.user_agent:
        details.append(_("Browser: %(agent)s") % {"agent": event.user_agent})
    return Entry(
        at=event.at,
        key=source.key,
        row_id=event.pk,
        kind=event.kind,
        kind_label=event.get_kind_display(),
        who=display_name(event.user) if event.user else event.username,
        object_label=str(SignInEvent._meta.verbose_name),
        details=" · ".join(details),
    )


def export_entry(source, event, names) -> Entry:
    return Entry(
        at=event.at,
        key=source.key,
        row_id=event.pk,
        kind="export",
        kind_label=str(_("Export")),
        who=display_name(event.user),
        object_label=event.get_format_display(),
        ticket_id=event.ticket_id,
        ticket_number=names.get((registry.case().model, event.ticket_id), ""),
        details=_("Filter: %(filters)s") % {"filters": event.filters or _("keine")},
    )


def load_entries(keys) -> list[Entry]:
    """The entries for (table index, row id) keys, in the keys' order; a fixed number of queries."""
    case = registry.case().model
    cases = set()  # the tickets the rows belong to, named by their numbers
    history, events = {}, {}
    by_source = defaultdict(list)
    for src, row_id in keys:
        by_source[src].append(row_id)
    for src, ids in by_source.items():
        source = sources()[src]
        if source.kind == "history":
            for row in rows_with_previous(source.model, ids):
                entry = history[(src, row.history_id)] = history_entry(source, row)
                cases.add(entry.ticket_id)
        else:
            related = ["user", "ticket"] if source.kind == "export" else ["user"]
            for event in source.model.objects.filter(pk__in=ids).select_related(*related):
                events[(src, event.pk)] = event
                cases.add(getattr(event, "ticket_id", None))
    wanted = wanted_objects(history.values())
    wanted[case] |= cases
    names = object_names(wanted)
    for entry in describe(list(history.values()), names):
        entry.ticket_number = names.get((case, entry.ticket_id), "")
    makers = {"signin": signin_entry, "export": export_entry}
    return [
        history[key]
        if key in history
        else makers[sources()[key[0]].kind](sources()[key[0]], events[key], names)
        for key in keys
    ]


@dataclass
class AuditPage:
    entries: list
    newer: str | None  # cursor for the page before (newer rows), None on the newest page
    older: str | None  # cursor for the next page (older rows), None on the last page


def audit_page(f: AuditFilter, *, before=None, after=None, size: int | None = None) -> AuditPage:
    """One page of the trail, newest first: the first page, or the one before/after a cursor."""
    size = size or PAGE_SIZE
    if after is not None:
        keys = stream_keys(f, limit=size + 1, cursor=after, newer=True)
        has_newer, has_older = len(keys) > size, True
        keys = list(reversed(keys[:size]))
    else:
        keys = stream_keys(f, limit=size + 1, cursor=before)
        has_newer, has_older = before is not None, len(keys) > size
        keys = keys[:size]
    entries = load_entries(keys)
    return AuditPage(
        entries=entries,
        newer=entries[0].cursor if has_newer and entries else None,
        older=entries[-1].cursor if has_older and entries else None,
    )


def audit_entries(f: AuditFilter, *, oldest_first: bool = False, chunk: int = CHUNK_SIZE):
    """Every entry of the filtered trail, read from the database `chunk` rows at a time."""
    cursor = None
    while True:
        keys = stream_keys(f, limit=chunk, cursor=cursor, newer=oldest_first)
        entries = load_entries(keys)
        yield from entries
        if len(keys) < chunk:
            return
        last = entries[-1]
        cursor = Cursor(last.at, last.key, last.row_id)


# ---- the filter form -------------------------------------------------------------------------


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OnePassSelect(forms.Select):
    """A select written in one pass, not through one template per option: the customer filter
    offers every customer (thousands, most of the page's time) until it becomes a picker."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = []
        for key, label in self.choices:
            selected = " selected" if str(key) in chosen else ""
            options.append(f'<option value="{escape(str(key))}"{selected}>{escape(str(label))}</option>')
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>{"".join(options)}</select>')  # escaped


def one_pass(field: forms.Field) -> forms.Field:
    if isinstance(field, forms.ModelChoiceField):
        widget = OnePassSelect()
        widget.choices, widget.is_required = field.choices, field.required
        field.widget = widget
    return field


class AuditFilterForm(forms.Form):
    """The filter of /audit/ and its exports. The GET names are DESIGN §7's: from, to, user, the
    registered dimensions (ticket, customer) and kind."""

    start = forms.DateField(label=gettext_lazy("von"), required=False, widget=date_input())
    end = forms.DateField(label=gettext_lazy("bis"), required=False, widget=date_input())
    user = UserChoiceField(
        queryset=get_user_model().objects.none(),
        label=gettext_lazy("Benutzer"),
        required=False,
        empty_label=gettext_lazy("alle"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Art"), required=False, choices=KIND_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["user"].queryset = get_user_model().objects.order_by("username")
        # `from` is a Python keyword, so the dates are declared under other names.
        ordered = {"from": fields.pop("start"), "to": fields.pop("end"), "user": fields.pop("user")}
        ordered |= {dimension.key: one_pass(dimension.form_field()) for dimension in registry.dimensions()}
        ordered["kind"] = fields.pop("kind")
        self.fields = ordered

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("Das Ende des Zeitraums liegt vor seinem Anfang."))
        return data

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        f = AuditFilter(user=data["user"], kind=data["kind"])
        if data["from"]:
            f.start = datetime.datetime.combine(data["from"], datetime.time.min, tzinfo=zone)
        if data["to"]:
            f.end = datetime.datetime.combine(
                data["to"] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
            )
        for name in ("from", "to"):
            if data[name]:
                f.description.append((self.fields[name].label, date_format(data[name], "d.m.Y")))
        if f.user is not None:
            f.description.append((self.fields["user"].label, self.fields["user"].label_from_instance(f.user)))
        for dimension in registry.dimensions():
            value = data.get(dimension.key)
            if value is not None:
                f.scopes[dimension.key] = value
                f.description.append((self.fields[dimension.key].label, dimension.describe(value)))
        if f.kind:
            f.description.append((self.fields["kind"].label, dict(KIND_CHOICES)[f.kind]))
        return f


def cursor_from(value: str | None) -> Cursor | None:
    """?before= / ?after=: a place in the trail, as an entry's `cursor` gives it."""
    if not value:
        return None
    try:
        at, key, row_id = value.split("~")
        cursor = Cursor(datetime.datetime.fromisoformat(at), key, int(row_id))
        source_index(key)
    except (ValueError, LookupError) as error:
        raise ValidationError(_("Ungültige Seitenangabe.")) from error
    if timezone.is_naive(cursor.at):
        raise ValidationError(_("Ungültige Seitenangabe."))
    return cursor
