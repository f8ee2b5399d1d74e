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

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.chain import audited_models
from audit.models import AuditExport, SignInEvent
from customers.models import Customer
from tickets.models import Ticket
from tickets.selectors import reason_label, user_name
from vendor.models import ProgramRequest

PAGE_SIZE = 50
CHUNK_SIZE = 2000  # rows per database read of an export

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
# Reasons of writes that are no transition (transitions are labelled by tickets.selectors.reason_label).
REASONS = {
    "created": gettext_lazy("angelegt"),
    "changed": gettext_lazy("geändert"),
    "create": gettext_lazy("angelegt"),
    "call_note": gettext_lazy("Gesprächsnotiz erfasst"),
    "customer_notification": gettext_lazy("Kundeninformation erfasst"),
    "customer_email": gettext_lazy("Kunde per E-Mail informiert"),
    "sign": gettext_lazy("Risikobewertung unterschrieben"),
    "authority_report": gettext_lazy("Meldung an die Behörde erfasst"),
    "capa_create": gettext_lazy("CAPA-Vorschlag erfasst"),
    "capa_link": gettext_lazy("CAPA-Vorschlag verknüpft"),
    "solution_create": gettext_lazy("Bekannte Lösung angelegt"),
    "solution_edit": gettext_lazy("Bekannte Lösung geändert"),
    "publish": gettext_lazy("Bekannte Lösung freigegeben"),
    "retire": gettext_lazy("Bekannte Lösung zurückgezogen"),
    "reactivate": gettext_lazy("Bekannte Lösung wieder aktiviert"),
}
HISTORY_TYPES = {"+": gettext_lazy("angelegt"), "~": gettext_lazy("geändert"), "-": gettext_lazy("gelöscht")}
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


def has_fk(model, name: str, target) -> bool:
    try:
        found = model._meta.get_field(name)
    except Exception:
        return False
    return found.is_relation and found.related_model is target


# ---- the filter ------------------------------------------------------------------------------


@dataclass
class AuditFilter:
    """What part of the trail to show; the same for the page and both exports."""

    start: datetime.datetime | None = None  # inclusive
    end: datetime.datetime | None = None  # exclusive
    user: object = None
    ticket: Ticket | None = None
    customer: Customer | None = None
    kind: str = ""
    history_only: bool = False
    description: list = field(default_factory=list)  # (label, value) pairs for headers and the record

    def describe(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.description) or _("keine")


def ticket_scope(source: Source, ticket_id: int) -> Q | None:
    """The rows of one case: the ticket, its records, its program request. None: none in this table."""
    if source.live is Ticket:
        return Q(id=ticket_id)
    if has_fk(source.model, "ticket", Ticket):
        return Q(ticket_id=ticket_id)
    if source.live is ProgramRequest:
        return Q(id__in=Ticket.objects.filter(pk=ticket_id).values("program_request_id"))
    return None


def customer_scope(source: Source, customer_id: int) -> Q | None:
    """The rows of one customer: itself, its contacts, its tickets and their records and requests."""
    tickets = Ticket.objects.filter(customer_id=customer_id)
    if source.live is Customer:
        return Q(id=customer_id)
    if source.live is Ticket or has_fk(source.model, "customer", Customer):
        return Q(customer_id=customer_id)
    if has_fk(source.model, "ticket", Ticket):
        return Q(ticket_id__in=tickets.values("pk"))
    if source.live is ProgramRequest:
        return Q(id__in=tickets.exclude(program_request=None).values("program_request_id"))
    return None


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
    for scope, value in ((ticket_scope, f.ticket), (customer_scope, f.customer)):
        if value is not None:
            part = scope(source, value.pk)
            if part is None:
                return None
            q &= part
    return q


# ---- keyset pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A row's place in the stream: ordered by time, then table, then row id."""

    at: datetime.datetime
    key: str
    id: int

    def __str__(self):
        return f"{self.at.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S.%fZ}~{self.key}~{self.id}"

    @classmethod
    def parse(cls, value: str) -> "Cursor":
        try:
            at, key, row_id = value.split("~")
            cursor = cls(datetime.datetime.fromisoformat(at), key, int(row_id))
            source_index(key)
        except (ValueError, LookupError) as error:
            raise ValidationError(_("Ungültige Seitenangabe.")) from error
        if timezone.is_naive(cursor.at):
            raise ValidationError(_("Ungültige Seitenangabe."))
        return cursor


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


@dataclass
class Entry:
    """One row of the trail as a reader sees it."""

    at: datetime.datetime
    key: str
    row_id: int
    kind: str
    kind_label: str
    who: str
    object_label: str
    ticket_id: int | None = None
    ticket_number: str = ""
    reason: str = ""
    reason_code: str = ""  # the reason as stored, e.g. "triage"
    changes: list = field(default_factory=list)  # (field label, old, new)
    details: str = ""

    @property
    def cursor(self) -> str:
        return str(Cursor(self.at, self.key, self.row_id))

    def changes_text(self, arrow: str = " → ") -> list[str]:
        return [f"{label}: {old}{arrow}{new}" for label, old, new in self.changes]


def shown_fields(history_model) -> list:
    return [
        f for f in history_model.tracked_fields if f.attname not in NOT_SHOWN and not f.name.endswith("_e164")
    ]


def field_label(f) -> str:
    if f.name in FIELD_LABELS and str(f.verbose_name) == f.name.replace("_", " "):
        return str(FIELD_LABELS[f.name])
    return str(f.verbose_name)


def raw_changes(history_model, row, previous) -> list[tuple]:
    """(field, old, new) of the fields this row changed; a created row's filled fields."""
    changes = []
    for f in shown_fields(history_model):
        new = getattr(row, f.attname)
        old = getattr(previous, f.attname) if previous is not None else None
        if previous is None and new in (None, "", False):
            continue
        if old != new:
            changes.append((f, old, new))
    return changes


def object_text(source: Source, row) -> str:
    name = source.live._meta.verbose_name
    for attribute in ("number", "name", "vendor_reference"):
        value = getattr(row, attribute, "")
        if value:
            return f"{name} {value}"
    return f"{name} #{row.id}"


def load_history(source: Source, ids) -> list:
    """The rows, each with .previous_row (the object's history row before it, or None): two queries."""
    history = source.model
    before = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    rows = list(
        history.objects.filter(history_id__in=ids)
        .select_related("history_user")
        .annotate(previous_id=Subquery(before.order_by("-history_id").values("history_id")[:1]))
    )
    previous_ids = [row.previous_id for row in rows if row.previous_id]
    previous = history.objects.in_bulk(previous_ids, field_name="history_id") if previous_ids else {}
    for row in rows:
        row.previous_row = previous.get(row.previous_id)
    return rows


def named_objects(wanted: dict) -> dict:
    """Names of the objects referred to by id: one query per kind of object."""
    names = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if not ids:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            if model is get_user_model():
                names[(model, obj.pk)] = user_name(obj)
            elif model is Ticket:
                names[(model, obj.pk)] = obj.number
            else:
                names[(model, obj.pk)] = str(obj)
    return names


class Display:
    """Values as a reader sees them (choice labels, names, ja/nein, German dates), like
    tickets.selectors.display_value, with labels and choices looked up once per batch of rows."""

    def __init__(self, names: dict):
        self.names = names
        self.labels, self.choices, self.reasons = {}, {}, {}
        self.yes, self.no = str(_("ja")), str(_("nein"))
        self.history_types = {key: str(label) for key, label in HISTORY_TYPES.items()}

    def reason(self, reason) -> str:
        if reason not in self.reasons:
            self.reasons[reason] = str(REASONS[reason]) if reason in REASONS else reason_label(reason)
        return self.reasons[reason]

    def get(self, key, default=""):
        return self.names.get(key, default)

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


def history_entry(source, row, names: Display) -> Entry:
    changes = [(names.label(f), names.value(f, old), names.value(f, new)) for f, old, new in row.changes]
    ticket_id = row.id if source.live is Ticket else getattr(row, "ticket_id", None)
    return Entry(
        at=row.history_date,
        key=source.key,
        row_id=row.history_id,
        kind={"+": "created", "~": "changed"}.get(row.history_type, "deleted"),
        kind_label=names.history_types.get(row.history_type, row.history_type),
        who=user_name(row.history_user),
        object_label=object_text(source, row),
        ticket_id=ticket_id,
        ticket_number=names.get((Ticket, ticket_id), ""),
        reason=names.reason(row.history_change_reason),
        reason_code=row.history_change_reason or "",
        changes=changes,
    )


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
        who=user_name(event.user) if event.user else event.username,
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
        who=user_name(event.user),
        object_label=event.get_format_display(),
        ticket_id=event.ticket_id,
        ticket_number=names.get((Ticket, event.ticket_id), ""),
        details=_("Filter: %(filters)s") % {"filters": event.filters or _("keine")},
    )


def load_entries(keys) -> list[Entry]:
    """The entries for (table index, row id) keys, in the keys' order; a fixed number of queries."""
    wanted = defaultdict(set)
    loaded = {}
    by_source = defaultdict(list)
    for src, row_id in keys:
        by_source[src].append(row_id)
    for src, ids in by_source.items():
        source = sources()[src]
        if source.kind == "history":
            for row in load_history(source, ids):
                row.changes = raw_changes(source.model, row, row.previous_row)
                for f, old, new in row.changes:
                    if f.is_relation:
                        wanted[f.related_model].update((old, new))
                wanted[Ticket].add(row.id if source.live is Ticket else getattr(row, "ticket_id", None))
                loaded[(src, row.history_id)] = row
        else:
            related = ["user", "ticket"] if source.kind == "export" else ["user"]
            for event in source.model.objects.filter(pk__in=ids).select_related(*related):
                loaded[(src, event.pk)] = event
                wanted[Ticket].add(getattr(event, "ticket_id", None))
    names = Display(named_objects(wanted))
    makers = {"history": history_entry, "signin": signin_entry, "export": export_entry}
    entries = []
    for src, row_id in keys:
        source = sources()[src]
        entries.append(makers[source.kind](source, loaded[(src, row_id)], names))
    return entries


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


class BaseAuditFilterForm(forms.Form):
    """The filter of /audit/ and its exports. The GET names are DESIGN §7's: from, to, user, ticket, …"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["customer"].queryset = Customer.objects.order_by("name")

    def clean_ticket(self):
        number = self.cleaned_data["ticket"].strip()
        if not number:
            return None
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise ValidationError(
                _("Es gibt keinen Vorgang mit der Nummer „%(number)s“."), params={"number": number}
            )
        return ticket

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("Das Ende des Zeitraums liegt vor seinem Anfang."))
        return data

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        f = AuditFilter(
            user=data["user"], ticket=data["ticket"], customer=data["customer"], kind=data["kind"]
        )
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
        if f.ticket is not None:
            f.description.append((self.fields["ticket"].label, f.ticket.number))
        if f.customer is not None:
            f.description.append((self.fields["customer"].label, str(f.customer)))
        if f.kind:
            f.description.append((self.fields["kind"].label, dict(KIND_CHOICES)[f.kind]))
        return f


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


AuditFilterForm = type(
    "AuditFilterForm",
    (BaseAuditFilterForm,),
    {
        "from": forms.DateField(label=gettext_lazy("von"), required=False, widget=date_input()),
        "to": forms.DateField(label=gettext_lazy("bis"), required=False, widget=date_input()),
        "user": UserChoiceField(
            queryset=get_user_model().objects.none(),
            label=gettext_lazy("Benutzer"),
            required=False,
            empty_label=gettext_lazy("alle"),
        ),
        "ticket": forms.CharField(
            label=gettext_lazy("Vorgang"),
            required=False,
            max_length=20,
            widget=forms.TextInput(attrs={"placeholder": "2026-000123", "type": "search"}),
        ),
        "customer": forms.ModelChoiceField(
            queryset=Customer.objects.none(),
            label=gettext_lazy("Kunde"),
            required=False,
            empty_label=gettext_lazy("alle"),
        ),
        "kind": forms.ChoiceField(label=gettext_lazy("Art"), required=False, choices=KIND_CHOICES),
    },
)


def cursor_from(value: str | None) -> Cursor | None:
    return Cursor.parse(value) if value else None
