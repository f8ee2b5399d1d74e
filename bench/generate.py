r"""Benchmark data (not a test): customers, tickets and their whole audit trail, loaded by COPY.

A realistic mix over the last three years: ≈95 % of the tickets closed, the rest in every open state
(the young ones waiting at intake or triage, older ones at SIC or waiting for a program request);
about 2,000 customers with contacts, weighted so a few large customers call often; calls on weekdays
8–17 h Europe/Berlin, numbered per year as the app numbers them (TicketNumberCounter); some came by
e-mail, fax, letter or web form and were typed in later (channel, received_at), many name their
SaniVision release. Each ticket gets the records and history rows the app's services write for its
path: intake with its call note under the work instruction's revision in force (R21: three revisions
over the years, each drafted, signed by its author and approved by the QMB), triage with its complaint
evaluation (R15: a complaint about the product for about a fifth of the software tickets, and a risk
review when risk-relevant, signed by management before the close), the immediate fix with its call
note and notification, escalation to SIC with its vendor contact and callback promise, follow-ups,
program requests shared by several tickets and SIC's decision on them, a complaint's investigation
(findings, SIC's analysis by its contact, or a justified decision not to investigate) before the
close, notifications, the close, now and then a reopen, a correction (a hand-over to a colleague, a
new callback number), another call, or a close as the duplicate of a recent ticket of the customer;
about 10.5 history rows per ticket.

Every history row is a link of its object's hash chain, hashed by the app's own audit.chain.row_hash,
and every live row equals its newest history row with its `audit_head`: `manage.py
verify_audit_trail` passes. No sign-in or export events are written.

It writes only to the database of DATABASE_URL (PostgreSQL, migrated), and refuses one that already
holds tickets unless --force (then it adds to them). It needs a superuser: the foreign-key triggers
are skipped while copying (session_replication_role; the ids it writes are consistent), and the
secondary indexes of the filled tables are dropped and rebuilt, all in one transaction.

    createdb -h 127.0.0.1 -U postgres bench_100k
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100k
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/generate.py --tickets 100000      # --tickets 1000000 for the 1M run

The same --seed gives the same data relative to the moment it runs. The bench users (bench-support,
bench-support-2 …, bench-management, bench-qmb) get the password of BENCH_PASSWORD, or the default
printed at the end.
"""

import argparse
import bisect
import collections
import datetime
import io
import os
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model, password_validation  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import roles  # noqa: E402
from audit import reasons  # noqa: E402
from audit.chain import GENESIS, row_hash  # noqa: E402
from audit.models import VersionedModel  # noqa: E402
from bench.suggestion_search import NAMES, Writer  # noqa: E402
from customers.models import Contact, Customer  # noqa: E402
from customers.phone import normalize  # noqa: E402
from instructions.demo import FIRST_EDITION, SEED  # noqa: E402
from instructions.models import WorkInstructionRevision  # noqa: E402
from solutions.models import KnownSolution  # noqa: E402
from supportdesk import workdays  # noqa: E402
from tickets.forms import ESCALATION_FOLLOW_UP_WORKING_DAYS  # noqa: E402
from tickets.models import (  # noqa: E402
    CallNote,
    ComplaintEvaluation,
    CustomerNotification,
    RiskReview,
    Ticket,
)
from vendor.models import SIC_NAME, ProgramRequest, Vendor, VendorContact  # noqa: E402

PASSWORD = os.environ.get("BENCH_PASSWORD") or "Bench-SaniVision-2026"
BERLIN = ZoneInfo("Europe/Berlin")
YEARS = 3
MINUTE, HOUR, DAY = 60, 3600, 86400
HISTORY_ONLY = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
    "history_hash",
}
COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# P(a ticket is still open in this state | its age in days): (state, probability, min age, max age).
# Tuned so that ≈5 % of all tickets are open, most of them waiting on SIC.
OPEN_SHARES = [
    ("intake", 0.25, 0, 2),
    ("triage", 0.15, 0, 10),
    ("immediate_fix", 0.08, 0, 21),
    ("escalated", 0.12, 0, 90),
    ("program_request", 0.05, 14, 730),
    ("realized", 0.005, 30, 365),
    ("rejected", 0.005, 30, 365),
]
OPEN_STATES = [state for state, *_ in OPEN_SHARES]
# The paths of a closed ticket: solved on the call or at a callback, by SIC, by a program request, or
# closed as a duplicate of the customer's ticket of the last weeks (else it is solved on the call).
CLOSED_PATHS = (["fixed", "vendor_solution", "realized", "rejected", "duplicate"], [64, 22, 9, 5, 3])
DUPLICATE_WITHIN = 30 * 86400  # seconds: how recent the ticket a duplicate names must be
RISK_SHARE = 0.02
REOPEN_SHARE = 0.02
KNOWN_SOLUTION_SHARE = 0.15
CUSTOMER_INFORMED_AT_ESCALATION = 0.9  # the other escalations happen after the call ended
PROGRAM_REQUEST_SIZES = ([1, 2, 3, 4, 5, 6], [45, 25, 14, 8, 5, 3])
# How the report came in (DESIGN §9): mostly calls; the others are typed in after they arrived, so
# received_at lies before created_at by (low, high) seconds.
CHANNELS = (["phone", "email", "fax", "letter", "web", "in_person"], [86, 8, 2, 1.5, 1.5, 1])
RECEIVED_BEFORE = {
    "phone": (0, 0),
    "in_person": (0, 0),
    "email": (5 * 60, 16 * 3600),
    "web": (5 * 60, 16 * 3600),
    "fax": (10 * 60, 8 * 3600),
    "letter": (86400, 3 * 86400),
}
VERSION_KNOWN = 0.65  # the caller names the SaniVision release (sanivision_version)
VERSION_LAG = ([0, 61, 122, 183], [50, 30, 14, 6])  # days the caller's release is behind the newest
REFERENCE_KNOWN = 0.2  # a Vorgang number in SaniVision (sanivision_reference)
# R15: P(the triage says "complaint about the product") by category, (solved by support, went to SIC).
COMPLAINT_SHARES = {"software": (0.12, 0.35), "technical": (0.04, 0.12), "question": (0.01, 0.02)}
INVESTIGATED_SHARE = 0.85  # of the complaints: investigated with findings; the others justified not
SIC_FINDINGS_CONTACT = 0.8  # SIC's analysis as the findings: referenced by its vendor contact
# A complaint solved as a user error or an answered question is evaluated anew: no complaint.
NOT_A_COMPLAINT_AFTER_ALL = 0.6
# The work instruction's revisions (R21): approved this many days before the run (None: before the
# first ticket), with what each added to the seed text and its change summary.
REVISIONS = [
    (None, "", FIRST_EDITION),
    (
        540,
        "\n\n### 10. Bewertung als Beanstandung\n\nWer: MA Telefon-Support\n\nVor dem Abschluss "
        "wird jeder Vorgang bewertet: Ist es eine Beanstandung des Produkts SaniVision? Bei einer "
        "Beanstandung wird das Ergebnis der Untersuchung (Ursache) oder die begründete Entscheidung, "
        "nicht zu untersuchen, in der EDV dokumentiert.",
        "Schritt 10 ergänzt: Bewertung als Beanstandung vor dem Abschluss (ISO 13485 §8.2.2).",
    ),
    (
        150,
        "\n\n### 11. Meldungen per E-Mail, Brief oder Fax\n\nWer: MA Telefon-Support\n\nDie Form der "
        "Meldung spielt keine Rolle: Meldungen per E-Mail, Brief, Fax oder Webformular werden wie Anrufe "
        "erfasst, mit dem Eingang und dem Zeitpunkt, zu dem sie eingingen.",
        "Schritt 11 ergänzt: Meldungen, die nicht telefonisch eingehen.",
    ),
]

CUSTOMER_KINDS = [
    "Sanitätshaus", "Sanitätshaus", "Sanitätshaus", "Orthopädie-Technik", "Reha-Technik",
    "Orthopädie-Schuhtechnik", "Medizintechnik", "Homecare", "Sanitäts- und Gesundheitshaus",
]  # fmt: skip
LEGAL_FORMS = ["GmbH", "GmbH", "e.K.", "GmbH & Co. KG", "OHG", "KG", ""]
# (city, first digits of its postal codes, area code)
PLACES = [
    ("Düsseldorf", "40", "0211"), ("Köln", "50", "0221"), ("Essen", "45", "0201"), ("Dortmund", "44", "0231"),
    ("Duisburg", "47", "0203"), ("Bochum", "44", "0234"), ("Wuppertal", "42", "0202"), ("Bonn", "53", "0228"),
    ("Münster", "48", "0251"), ("Aachen", "52", "0241"), ("Krefeld", "47", "02151"), ("Neuss", "41", "02131"),
    ("Hamburg", "20", "040"), ("Berlin", "10", "030"), ("München", "80", "089"), ("Hannover", "30", "0511"),
    ("Frankfurt am Main", "60", "069"), ("Stuttgart", "70", "0711"), ("Leipzig", "04", "0341"),
    ("Bremen", "28", "0421"), ("Nürnberg", "90", "0911"), ("Dresden", "01", "0351"), ("Kassel", "34", "0561"),
    ("Bielefeld", "33", "0521"), ("Mainz", "55", "06131"), ("Kiel", "24", "0431"), ("Erfurt", "99", "0361"),
]  # fmt: skip
STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Marktplatz",
    "Kirchstraße",
    "Schulstraße",
    "Gartenweg",
    "Lindenallee",
]
FIRST_NAMES = [
    "Anna", "Thomas", "Sabine", "Michael", "Petra", "Andreas", "Claudia", "Stefan", "Monika", "Jürgen",
    "Katrin", "Frank", "Julia", "Markus", "Sandra", "Tobias", "Birgit", "Jens", "Nicole", "Uwe",
]  # fmt: skip
CONTACT_ROLES = [
    "Inhaber",
    "Inhaberin",
    "Filialleitung",
    "Kasse",
    "Buchhaltung",
    "Werkstatt",
    "Abrechnung",
    "",
]
MOBILE_PREFIXES = ["0151", "0160", "0170", "0171", "0172", "0175", "0152", "0162"]
SIC_PEOPLE = ["Herr Albers", "Frau Brandt", "Herr Yilmaz", "Frau Kowalski", "Herr Petersen", "Frau Vogt"]
NOTIFICATION_CHANNELS = (["phone", "email", "letter"], [70, 25, 5])
AGENTS = [
    ("bench-support", "Anna", "Bauer"),
    ("bench-support-2", "Jonas", "Keller"),
    ("bench-support-3", "Lea", "Hoffmann"),
    ("bench-support-4", "Felix", "Wagner"),
    ("bench-support-5", "Marie", "Schulz"),
    ("bench-support-6", "Paul", "Richter"),
]
MANAGERS = [("bench-management", "Ute", "Lange"), ("bench-management-2", "Rolf", "Brandt")]
AUDITORS = [("bench-qmb", "Karin", "Vogel")]
PROCESS_MANAGERS = [("bench-process", "Sven", "Krüger")]  # drafts the work instruction (R21)

# The audited models the generator fills.
MODELS = [
    Customer,
    Contact,
    KnownSolution,
    WorkInstructionRevision,
    Ticket,
    CallNote,
    CustomerNotification,
    RiskReview,
    ComplaintEvaluation,
    ProgramRequest,
    VendorContact,
]
ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", " ": ""})


def cell(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPE)
    return str(value)


class Table:
    """One audited model being filled: its rows for COPY, its next ids, a history row to hash."""

    def __init__(self, model, cursor):
        self.model, self.history = model, model.history.model
        live, history = model._meta.concrete_fields, self.history._meta.concrete_fields
        self.live_fields, self.live_columns = [f.attname for f in live], [f.column for f in live]
        self.history_fields, self.history_columns = [f.attname for f in history], [f.column for f in history]
        unknown = set(self.history_fields) - set(self.live_fields) - HISTORY_ONLY
        if unknown:
            raise RuntimeError(f"{self.history.__name__} has fields the generator does not know: {unknown}")
        self.tracked = [name for name in self.history_fields if name in self.live_fields]
        self.defaults, self.required = {}, set()
        for f in live:
            if f.primary_key or f.attname == "audit_head":
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue  # set to the moment of the write
            if f.has_default() and callable(f.default):
                self.required.add(f.attname)  # e.g. timezone.now: the generator says when
                continue
            default = f.get_default()
            self.defaults[f.attname] = default.value if isinstance(default, models.Choices) else default
        self.auto_now = [f.attname for f in live if getattr(f, "auto_now", False)]
        self.auto_now_add = [f.attname for f in live if getattr(f, "auto_now_add", False)]
        self.versioned = issubclass(model, VersionedModel)
        self.live_table, self.history_table = model._meta.db_table, self.history._meta.db_table
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.live_table}")
        self.next_id = cursor.fetchone()[0] + 1
        cursor.execute(f"SELECT COALESCE(MAX(history_id), 0) FROM {self.history_table}")
        self.next_history_id = cursor.fetchone()[0] + 1
        self.probe = self.history()  # reused: row_hash reads its attributes
        self.live_rows, self.history_rows = io.StringIO(), io.StringIO()
        self.live_count = self.history_count = 0

    def copy(self, cursor) -> None:
        for table, columns, rows in (
            (self.live_table, self.live_columns, self.live_rows),
            (self.history_table, self.history_columns, self.history_rows),
        ):
            rows.seek(0)
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", rows, 1 << 18)
        self.live_rows, self.history_rows = io.StringIO(), io.StringIO()


class Record:
    """A live row while it is being written: its values and the head of its hash chain."""

    __slots__ = ("head", "table", "values")

    def __init__(self, table: Table, values: dict):
        self.table, self.values, self.head = table, values, GENESIS

    @property
    def id(self):
        return self.values["id"]


def create(table: Table, at, by: int | None, reason: str, **values) -> Record:
    """As save_audited() creating the object: its values and its first history row ("+")."""
    missing = table.required - values.keys()
    if missing:
        raise RuntimeError(f"{table.model.__name__}: no value for {sorted(missing)}")
    record = Record(table, {**table.defaults, **values, "id": table.next_id})
    table.next_id += 1
    for name in table.auto_now + table.auto_now_add:
        record.values[name] = at
    if table.versioned:
        record.values["version"] = 1
    _history_row(record, at, by, reason, "+")
    return record


def change(record: Record, at, by: int | None, reason: str, **values) -> None:
    """As save_audited() saving a change: the new values and a history row ("~")."""
    record.values.update(values)
    for name in record.table.auto_now:
        record.values[name] = at
    if record.table.versioned:
        record.values["version"] += 1
    _history_row(record, at, by, reason, "~")


def _history_row(record: Record, at, by, reason: str, kind: str) -> None:
    table, values = record.table, record.values
    row = {name: values[name] for name in table.tracked}
    row.update(
        history_id=table.next_history_id,
        history_date=at,
        history_change_reason=reason,
        history_type=kind,
        history_user_id=by,
    )
    table.next_history_id += 1
    table.probe.__dict__.update(row)
    row["history_hash"] = record.head = row_hash(table.probe, record.head)
    table.history_rows.write("\t".join([cell(row[name]) for name in table.history_fields]) + "\n")
    table.history_count += 1


def finish(record: Record) -> None:
    """Write the live row as it stands after its last change, with the head of its chain."""
    values = {**record.values, "audit_head": record.head}
    record.table.live_rows.write("\t".join([cell(values[name]) for name in record.table.live_fields]) + "\n")
    record.table.live_count += 1


def berlin_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(BERLIN).date()


def call_times(count: int, now: datetime.datetime, rng: random.Random):
    """`count` moments in ascending order, spread evenly over the working hours (Mon–Fri 8–17 h,
    Europe/Berlin) of the last YEARS years up to `now`."""
    local_now = now.astimezone(BERLIN)
    start = local_now.date() - datetime.timedelta(days=365 * YEARS)
    start -= datetime.timedelta(days=start.weekday())  # a Monday
    span = 9 * HOUR
    weeks, rest = divmod((local_now.date() - start).days, 7)
    full_days = weeks * 5 + min(rest, 5)
    today = 0.0
    if local_now.weekday() < 5:
        today = min(max((local_now - local_now.replace(hour=8, minute=0, second=0)).total_seconds(), 0), span)
    total = full_days * span + today
    for i in range(count):
        working = (i + rng.random()) / count * total
        day, second = divmod(working, span)
        weeks, weekday = divmod(int(day), 5)
        date = start + datetime.timedelta(days=weeks * 7 + weekday)
        local = datetime.datetime(date.year, date.month, date.day, 8, tzinfo=BERLIN)
        yield min((local + datetime.timedelta(seconds=second)).astimezone(datetime.UTC), now)


class Case:
    """A ticket while its story is written."""

    __slots__ = (
        "agent",
        "category",
        "complaint",
        "contact",
        "original",
        "outcome",
        "review",
        "risk",
        "t",
        "ticket",
        "topic",
    )

    def __init__(self, ticket: Record, topic, agent: int, t, risk: bool, outcome: str):
        self.ticket, self.topic, self.agent, self.t, self.risk = ticket, topic, agent, t, risk
        self.review = None
        self.outcome = outcome  # the ticket's final state and path: which program requests it may share
        self.category, self.complaint = "", False  # as the triage will say (R15: is it a complaint?)
        self.contact = None  # the latest contact with SIC: its analysis is the complaint's findings
        self.original = None  # a duplicate: (id, number) of the ticket that carries the case


class Generator:
    def __init__(self, cursor, *, seed: int, now, users, sic_id: int, out):
        self.cursor, self.now, self.users, self.sic_id, self.out = cursor, now, users, sic_id, out
        self.rng = random.Random(seed)
        self.writer = Writer(seed)
        self.tables = {model: Table(model, cursor) for model in MODELS}
        self.counters = dict(cursor_fetch(cursor, "SELECT year, last FROM tickets_ticketnumbercounter"))
        self.customers, self.customer_weights = [], []  # (id, phone, [(contact id, name, phone)])
        self.solutions = []
        self.groups = {}  # program-request outcome → (its record, target size, [cases])
        self.pr_number = 0
        self.states = dict.fromkeys([*OPEN_STATES, "closed"], 0)
        self.revisions, self.revision_starts = [], []  # (approved_at, superseded_at, id), by approval
        # The newest tickets that are no duplicates: (id, number, created, customer, topic).
        self.recent = collections.deque(maxlen=64)
        self.complained = {}  # topic → number of the newest complaint about it that was investigated

    # ---- helpers ---------------------------------------------------------------------------------

    def after(self, t, seconds: float):
        """`seconds` after t, but never reaching now: a young ticket's story is compressed."""
        return t + datetime.timedelta(seconds=min(seconds, (self.now - t).total_seconds() / 2))

    def agent(self) -> int:
        return self.rng.choices(self.users["agents"], cum_weights=self.agent_weights)[0]

    def text_note(self, options) -> str:
        return self.writer.fill(self.rng.choice(options))

    # ---- customers and known solutions ---------------------------------------------------------

    def phone(self, prefix: str) -> str:
        while True:
            number = f"{prefix} {self.rng.randint(100000, 9999999)}"
            if normalize(number):
                return number

    def make_customers(self, count: int, start) -> None:
        rng, customers, contacts = self.rng, self.tables[Customer], self.tables[Contact]
        by = self.users["agents"][0]
        for i in range(count):
            city, postal, area = rng.choice(PLACES)
            owner = rng.choice(NAMES)
            name = " ".join(
                part for part in (rng.choice(CUSTOMER_KINDS), owner, rng.choice(LEGAL_FORMS)) if part
            )
            if rng.random() < 0.3:
                name += f" {city}"
            domain = f"{owner.translate(ASCII).lower()}-{city.translate(ASCII).lower()}{i}.de"
            phone, alt_phone = self.phone(area), self.phone(area) if rng.random() < 0.3 else ""
            at = start - datetime.timedelta(days=rng.uniform(0, 730))
            customer = create(
                customers,
                at,
                by,
                "create",
                customer_number=f"K{10000 + customers.next_id}",
                name=name[:200],
                street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}",
                postal_code=f"{postal}{rng.randint(100, 999)}",
                city=city,
                phone=phone,
                phone_e164=normalize(phone),
                alt_phone=alt_phone,
                alt_phone_e164=normalize(alt_phone),
                email=f"info@{domain}",
                active=rng.random() > 0.02,
            )
            finish(customer)
            people = []
            for _ in range(rng.choices([1, 2, 3, 4], [35, 35, 20, 10])[0]):
                first, last = rng.choice(FIRST_NAMES), rng.choice(NAMES)
                phone = self.phone(rng.choice(MOBILE_PREFIXES) if rng.random() < 0.5 else area)
                contact = create(
                    contacts,
                    at + datetime.timedelta(minutes=rng.uniform(1, 30)),
                    by,
                    "create",
                    customer_id=customer.id,
                    name=f"{first} {last}",
                    role=rng.choice(CONTACT_ROLES),
                    phone=phone,
                    phone_e164=normalize(phone),
                    email=f"{first[0].lower()}.{last.translate(ASCII).lower()}@{domain}"
                    if rng.random() < 0.6
                    else "",
                    active=rng.random() > 0.05,
                )
                finish(contact)
                if contact.values["active"]:
                    people.append((contact.id, contact.values["name"], phone))
            if customer.values["active"]:
                self.customers.append((customer.id, customer.values["phone"], people))
        # A few large customers call often (Zipf-like), in a random order of ids.
        rng.shuffle(self.customers)
        total = 0.0
        for rank in range(len(self.customers)):
            total += 1 / (rank + 1) ** 0.8
            self.customer_weights.append(total)

    def make_solutions(self, count: int, start) -> None:
        table, writer, rng = self.tables[KnownSolution], self.writer, self.rng
        kinds = ["user_error", "configuration", "workaround", "answer"]
        for _ in range(count):
            topic = writer.topic()
            at = start - datetime.timedelta(days=rng.uniform(0, 365))
            state = "active" if rng.random() < 0.9 else "draft"
            solution = create(
                table,
                at,
                self.users["agents"][0],
                "solution_create",
                title=writer.summary(topic)[:200],
                symptoms=writer.description(topic),
                cause=f"{writer.pick(topic.causes)}.",
                solution=writer.solution_steps(topic),
                kind=rng.choice(kinds),
                category=topic.category,
                affected_versions=f"24.{rng.randint(1, 6)}" if rng.random() < 0.5 else "",
                state=state,
                created_by_id=self.users["agents"][0],
                created_at=at,
            )
            finish(solution)
            if state == "active":
                self.solutions.append((solution.id, solution.values["solution"], topic.category))

    # ---- the work instruction (R21) ---------------------------------------------------------------

    def make_revisions(self, start) -> None:
        """The revisions in force over the years, as the instructions services write them: drafted
        by the process manager, signed by them as author, approved by the QMB (which supersedes the
        revision before). A database that has revisions keeps them: its tickets get the one in force."""
        table = WorkInstructionRevision._meta.db_table
        if not cursor_fetch(self.cursor, f"SELECT EXISTS (SELECT 1 FROM {table})")[0][0]:
            self.write_revisions(start)
        self.revisions = cursor_fetch(
            self.cursor,
            f"SELECT approved_at, superseded_at, id FROM {table} WHERE approved_at IS NOT NULL "
            "ORDER BY approved_at, id",
        )
        self.revision_starts = [approved for approved, _end, _id in self.revisions]

    def write_revisions(self, start) -> None:
        rng, table = self.rng, self.tables[WorkInstructionRevision]
        (author, author_name), (qmb, qmb_name) = self.users["process_manager"], self.users["qmb"]
        text, previous, made = SEED.read_text(encoding="utf-8").strip(), None, []  # as the form cleans it

        def office(moment, days_before: int):
            """A moment in the office hours of a working day `days_before` working days before."""
            day, left = berlin_date(moment), days_before
            while left or day.weekday() >= 5:
                left -= day.weekday() < 5
                day -= datetime.timedelta(days=1)
            local = datetime.datetime(day.year, day.month, day.day, 8, tzinfo=BERLIN)
            return (local + datetime.timedelta(seconds=rng.uniform(HOUR, 8 * HOUR))).astimezone(datetime.UTC)

        for number, (days, addition, summary) in enumerate(REVISIONS, start=1):
            # The first one a month before the first ticket; the others `days` before now.
            when = start if days is None else self.now - datetime.timedelta(days=days)
            approved = office(when, 20 if days is None else 0)
            authored = min(office(approved, rng.randint(1, 4)), approved - datetime.timedelta(minutes=1))
            drafted = min(office(authored, rng.randint(3, 15)), authored - datetime.timedelta(minutes=1))
            text += addition
            revision = create(
                table,
                drafted,
                author,
                "revision_create",
                number=number,
                text=text,
                change_summary=summary,
                effective_date=None,
                created_by_id=author,
                created_at=drafted,
            )
            change(
                revision,
                authored,
                author,
                "author_sign",
                state="authored",
                author_id=author,
                author_name=author_name,
                authored_at=authored,
                author_meaning="authored",
            )
            if previous is not None:  # exactly one in force: the one before goes in the same step
                change(previous, approved, qmb, "supersede", state="superseded", superseded_at=approved)
            change(
                revision,
                approved,
                qmb,
                "approve",
                state="in_force",
                approver_id=qmb,
                approver_name=qmb_name,
                approved_at=approved,
                approver_meaning="approved",
                effective_date=berlin_date(approved),  # left open: from the approval on
            )
            previous = revision
            made.append(revision)
        for revision in made:
            finish(revision)
        table.copy(self.cursor)  # make_revisions reads them back

    def revision_at(self, moment) -> int | None:
        """The revision in force at `moment` (R21), as ticket_create records it; None: none was."""
        i = bisect.bisect_right(self.revision_starts, moment) - 1
        if i < 0:
            return None
        _approved, superseded, revision = self.revisions[i]
        return revision if superseded is None or moment < superseded else None

    # ---- tickets ---------------------------------------------------------------------------------

    def fate(self, age_days: float, remaining: int) -> tuple[str, str]:
        """(final state, path): open with the probability of its age, else closed by one of the paths.
        The last tickets take the open states not seen yet, so a small run has each of them too."""
        missing = [state for state in OPEN_STATES if not self.states[state]]
        if missing and len(missing) >= remaining:
            state = missing[-1]  # the newest ticket waits at intake
            return state, state
        draw = self.rng.random()
        for state, share, low, high in OPEN_SHARES:
            if low <= age_days < high:
                if draw < share:
                    return state, state
                draw -= share
        path = self.rng.choices(*CLOSED_PATHS)[0]
        if age_days < 45 and path in ("realized", "rejected"):
            path = "fixed"  # a program request is not realized within weeks
        return "closed", path

    def ticket(self, created, fate: str, path: str) -> None:
        rng, writer = self.rng, self.writer
        customer = rng.choices(range(len(self.customers)), cum_weights=self.customer_weights)[0]
        topic, original = writer.topic(), None
        if path == "duplicate":  # the customer calls again about a ticket of the last weeks
            earlier = [r for r in self.recent if (created - r[2]).total_seconds() <= DUPLICATE_WITHIN]
            if earlier:
                original_id, original_number, _created, customer, topic = rng.choice(earlier)
                original = (original_id, original_number)
            else:
                path = "fixed"
        customer_id, customer_phone, people = self.customers[customer]
        contact_id, caller, phone = (
            rng.choice(people) if people and rng.random() < 0.85 else (None, None, None)
        )
        if caller is None:
            caller = f"{rng.choice(['Frau', 'Herr'])} {rng.choice(NAMES)}"
            phone = customer_phone if rng.random() < 0.7 else ""
        year = created.astimezone(BERLIN).year
        self.counters[year] = self.counters.get(year, 0) + 1
        agent = self.agent()
        description = writer.description(topic)
        channel = rng.choices(*CHANNELS)[0]
        low, high = RECEIVED_BEFORE[channel]
        received = created - datetime.timedelta(seconds=rng.uniform(low, high))
        number = f"{year}-{self.counters[year]:06d}"
        ticket = create(
            self.tables[Ticket],
            created,
            agent,
            "intake",
            number=number,
            state="intake",
            state_entered_at=created,
            customer_id=customer_id,
            contact_id=contact_id,
            caller_name=caller,
            caller_phone=phone,
            summary=writer.summary(topic)[:200],
            description=description,
            taken_by_id=agent,
            assignee_id=agent,
            created_at=created,
            channel=channel,
            received_at=received,  # a call: logged while it lasts; a letter or an e-mail: when it came
            sanivision_version=self.sanivision_version(created) if rng.random() < VERSION_KNOWN else "",
            sanivision_reference=self.sanivision_reference(),
            work_instruction_revision_id=self.revision_at(created),  # R21: the revision in force
        )
        risk = rng.random() < RISK_SHARE and original is None  # a duplicate's risk is the original's
        case = Case(ticket, topic, agent, created, risk, f"{fate}/{path}")
        case.original = original
        if original is None:
            self.recent.append((ticket.id, number, created, customer, topic))
        # The intake page saves the call's note with the ticket: the description, or a note of its own.
        phoned = channel == "phone"
        note = description if not phoned or rng.random() < 0.7 else writer.fill(rng.choice(FIRST_NOTES))
        self.call_note(case, created + datetime.timedelta(milliseconds=5), "inbound", note, "call_note")
        self.states[fate] += 1
        steps = self.plan(case, fate, path)
        for step, seconds in steps:
            case.t = self.after(case.t, seconds)
            step(case)
        if path in ("program_request", "realized", "rejected"):
            self.join_program_request(case)
        else:
            self.close_case(case)

    def sanivision_reference(self) -> str:
        """The Vorgang number in SaniVision, when the caller names one."""
        return f"VG{self.rng.randint(10**6, 10**7 - 1)}" if self.rng.random() < REFERENCE_KNOWN else ""

    def sanivision_version(self, created) -> str:
        """The release the caller runs: SIC ships six a year (24.1 … 24.6); callers lag behind a bit."""
        day = berlin_date(created) - datetime.timedelta(days=self.rng.choices(*VERSION_LAG)[0])
        return f"{day.year % 100}.{(day.month - 1) // 2 + 1}"

    def plan(self, case, fate: str, path: str) -> list:
        """The steps of the ticket's story after the intake, each with the seconds after the one before."""
        rng = self.rng
        at_call = rng.random() < 0.7
        triage = (self.triage, rng.uniform(20, 120) if at_call else rng.uniform(10 * MINUTE, DAY))
        steps = [] if fate == "intake" else [triage]
        by_support = path in ("intake", "triage", "duplicate") or (
            path in ("fixed", "immediate_fix") and not (fate == "immediate_fix" and rng.random() < 0.3)
        )
        if fate != "intake":  # what the triage will say: the category, and whether it is a complaint
            case.category = case.topic.category if rng.random() < 0.9 else rng.choice(CATEGORIES)
            case.complaint = rng.random() < COMPLAINT_SHARES[case.category][not by_support]
        # R15: a complaint's investigation is recorded before the close; an open one may still wait.
        investigate = case.complaint and (fate == "closed" or rng.random() < 0.5)
        if path == "duplicate":  # noticed at once, or at the triage: nothing else is done on it
            if rng.random() < 0.5:
                steps = []
            return [*steps, (self.close_as_duplicate, rng.uniform(MINUTE, DAY))]
        if path in ("intake", "triage"):
            pass  # waiting there
        elif by_support:
            steps.append((self.fix, rng.uniform(5, 60) if at_call else rng.uniform(10 * MINUTE, 2 * DAY)))
            if investigate:
                steps.append((self.investigate, rng.uniform(10 * MINUTE, 2 * DAY)))
            if rng.random() < REOPEN_SHARE and fate == "closed":
                steps += [
                    (self.close, rng.uniform(MINUTE, 3 * DAY)),
                    (self.reopen, rng.uniform(DAY, 30 * DAY)),
                    (self.fix, rng.uniform(HOUR, 2 * DAY)),
                ]
        else:  # at SIC
            steps.append((self.escalate, rng.uniform(10 * MINUTE, DAY)))
            if path in ("vendor_solution", "immediate_fix"):
                steps += [(self.follow_up, rng.uniform(2 * DAY, 10 * DAY)) for _ in range(rng.randint(0, 2))]
                steps.append((self.vendor_fix, rng.uniform(DAY, 14 * DAY)))
                if investigate:  # SIC's analysis came with its solution
                    steps.append((self.investigate, rng.uniform(HOUR, 3 * DAY)))
                if fate == "closed":
                    steps.append((self.notify_solution, rng.uniform(5 * MINUTE, DAY)))
            elif path == "escalated":
                steps += [(self.follow_up, rng.uniform(2 * DAY, 10 * DAY)) for _ in range(rng.randint(0, 2))]
                if case.complaint and rng.random() < 0.3:  # SIC has analysed it already
                    steps.append((self.investigate, rng.uniform(DAY, 10 * DAY)))
            else:
                steps.append((self.register, rng.uniform(DAY, 10 * DAY)))
                steps.append((self.notify_forwarded, rng.uniform(5 * MINUTE, DAY)))
                if investigate:  # SIC's analysis: the cause, to be corrected by the program request
                    steps.append((self.investigate, rng.uniform(HOUR, 5 * DAY)))
                steps += [(self.follow_up, rng.uniform(14 * DAY, 42 * DAY)) for _ in range(rng.randint(0, 2))]
        if fate != "intake":
            if rng.random() < 0.4:  # the customer calls again, or support calls back
                steps.insert(rng.randint(1, len(steps)), (self.extra_call, rng.uniform(HOUR, 5 * DAY)))
            if rng.random() < 0.04:  # a correction of the call's facts, or another assignee
                steps.insert(rng.randint(1, len(steps)), (self.edit, rng.uniform(MINUTE, 2 * DAY)))
        if case.risk and fate not in ("intake", "closed") and rng.random() < 0.5:
            steps.append((self.sign, rng.uniform(HOUR, 3 * DAY)))
        if fate == "closed" and path in ("fixed", "vendor_solution"):
            steps.append((self.close, rng.uniform(MINUTE, 3 * DAY)))
        if fate in ("escalated", "program_request") and rng.random() < 0.8:
            steps.append((self.recent_follow_up, 0))
        return steps

    def close_case(self, case) -> None:
        if case.review is not None:
            finish(case.review)
        finish(case.ticket)

    # ---- the steps (each as the service writes it; case.t is the moment) ---------------------------

    def call_note(self, case, at, direction: str, text: str, reason: str) -> None:
        finish(
            create(
                self.tables[CallNote],
                at,
                case.agent,
                reason,
                ticket_id=case.ticket.id,
                direction=direction,
                text=text,
                created_by_id=case.agent,
                created_at=at,
            )
        )

    def notification(self, case, at, kind: str, reason: str, *, channel="phone", note="") -> None:
        finish(
            create(
                self.tables[CustomerNotification],
                at,
                case.agent,
                reason,
                ticket_id=case.ticket.id,
                kind=kind,
                channel=channel,
                note=note,
                created_by_id=case.agent,
                created_at=at,
            )
        )

    def vendor_contact(self, case, at, reason: str, kind: str, summary: str, **details) -> None:
        contact = create(
            self.tables[VendorContact],
            at,
            case.agent,
            reason,
            ticket_id=case.ticket.id,
            vendor_id=self.sic_id,
            kind=kind,
            summary=summary,
            created_by_id=case.agent,
            created_at=at,
            **details,
        )
        finish(contact)
        case.contact = contact.id

    def evaluation(self, case, reason: str, **fields) -> int:
        """_record_complaint_evaluation: a new evaluation (R15), never changed; the ticket's row
        that points at it is the caller's."""
        evaluation = create(
            self.tables[ComplaintEvaluation],
            case.t,
            case.agent,
            reason,
            ticket_id=case.ticket.id,
            evaluated_by_id=case.agent,
            evaluated_at=case.t,
            **fields,
        )
        finish(evaluation)
        if fields.get("investigation") == "investigated":  # a later one may say "identical to …"
            self.complained[case.topic] = case.ticket.values["number"]
        return evaluation.id

    def move(self, case, name: str, state: str | None = None, **values) -> None:
        """A transition of the ticket (TICKETS.apply): its fields, the state and when it was entered."""
        if state is not None:
            values.update(state=state, state_entered_at=case.t)
        change(case.ticket, case.t, case.agent, name, **values)

    def triage(self, case) -> None:
        """The triage page asks whether it is a complaint (R15): the evaluation is recorded first,
        so the ticket's one row says both."""
        said = {"risk_relevant": True, "risk_description": self.text_note(RISKS)} if case.risk else {}
        said["complaint_evaluation_id"] = self.evaluation(case, "triage", is_complaint=case.complaint)
        self.move(case, "triage", "triage", category=case.category, **said)
        if case.risk:
            case.review = create(
                self.tables[RiskReview],
                case.t + datetime.timedelta(milliseconds=3),
                case.agent,
                "flag_risk",
                ticket_id=case.ticket.id,
                risk_description=said["risk_description"],
                requested_by_id=case.agent,
                created_at=case.t,
            )

    def fix(self, case) -> None:
        """Solved on the call (or at a callback) from triage: the call note and the notification too."""
        rng, known = self.rng, None
        category = case.ticket.values["category"]
        if self.solutions and rng.random() < KNOWN_SOLUTION_SHARE:
            known, solution, _category = rng.choice(self.solutions)
            kind = "known_workaround"
        else:
            solution = self.writer.solution(case.topic)
            kind = "question_answered" if category == "question" else rng.choice(FIX_KINDS)
        self.move(
            case,
            "fix_immediately",
            "immediate_fix",
            resolution_kind=kind,
            solution=solution,
            known_solution_id=known,
            follow_up_date=None,
        )
        at = case.t
        self.call_note(case, at, "inbound", solution, "fix_immediately")
        self.notification(case, at, "solution", "fix_immediately", note=solution)

    def investigate(self, case) -> None:
        """POST …/complaint-evaluation/ (R15, DESIGN §10.1): the complaint's investigation, or the
        justified decision not to investigate; a complaint that was a user error after all is none."""
        rng, writer, topic = self.rng, self.writer, case.topic
        if case.ticket.values["resolution_kind"] in ("user_error", "question_answered") and (
            rng.random() < NOT_A_COMPLAINT_AFTER_ALL
        ):
            fields = {"is_complaint": False}
        elif rng.random() < INVESTIGATED_SHARE:
            cause = writer.pick(topic.causes)
            fields = {"is_complaint": True, "investigation": "investigated"}
            if case.contact is not None:  # SIC's analysis counts, referenced by its contact
                fields["findings"] = writer.fill(rng.choice(SIC_FINDINGS), cause=cause)
                if rng.random() < SIC_FINDINGS_CONTACT:
                    fields["vendor_contact_id"] = case.contact
            else:
                fields["findings"] = writer.fill(rng.choice(FINDINGS), cause=cause)
        else:
            earlier = self.complained.get(topic)
            if earlier and earlier != case.ticket.values["number"] and rng.random() < 0.5:
                options = NOT_INVESTIGATED_AS
            else:
                options = NOT_INVESTIGATED if case.contact is None else NOT_INVESTIGATED_BY_SIC
            fields = {
                "is_complaint": True,
                "investigation": "not_investigated",
                "justification": writer.fill(rng.choice(options), number=earlier),
            }
        evaluation = self.evaluation(case, "complaint_evaluation", **fields)
        change(case.ticket, case.t, case.agent, "complaint_evaluation", complaint_evaluation_id=evaluation)

    def close_as_duplicate(self, case) -> None:
        """The customer's other ticket carries the case: R2 and R15 apply there, not here."""
        original, number = case.original
        reason = self.writer.fill(self.rng.choice(DUPLICATES), number=number)
        self.move(
            case,
            "close_as_duplicate",
            "closed",
            duplicate_of_id=original,
            duplicate_reason=reason,
            follow_up_date=None,
        )

    def escalate(self, case) -> None:
        rng, writer = self.rng, self.writer
        text = f"{case.ticket.values['description']} {writer.sentence(case.topic)} {writer.fill(FILLER)}"
        follow_up = workdays.working_days_after(berlin_date(case.t), ESCALATION_FOLLOW_UP_WORKING_DAYS)
        self.move(case, "escalate", "escalated", problem_description=text, follow_up_date=follow_up)
        self.vendor_contact(
            case,
            case.t + datetime.timedelta(milliseconds=3),
            "escalate",
            "escalation",
            self.text_note(ESCALATIONS),
            vendor_person=rng.choice(SIC_PEOPLE) if rng.random() < 0.8 else "",
            vendor_reference=f"SIC-T{rng.randint(100000, 999999)}" if rng.random() < 0.6 else "",
        )
        if rng.random() < CUSTOMER_INFORMED_AT_ESCALATION:
            self.notification(case, case.t, "callback_promised", "escalate")

    def follow_up(self, case) -> None:
        next_date = berlin_date(case.t) + datetime.timedelta(days=self.rng.randint(3, 28))
        self.move(case, "follow_up", follow_up_date=next_date)
        self.vendor_contact(
            case,
            case.t + datetime.timedelta(milliseconds=3),
            "follow_up",
            "inquiry",
            self.text_note(INQUIRIES),
        )

    def recent_follow_up(self, case) -> None:
        """An open ticket at SIC was asked about lately: its follow-up date is near, due or overdue."""
        recent = self.now - datetime.timedelta(seconds=self.rng.uniform(MINUTE, 25 * DAY))
        case.t = max(recent, self.after(case.t, MINUTE))
        self.follow_up(case)

    def vendor_fix(self, case) -> None:
        """SIC had an immediate solution (from escalated: no call note, the customer is told later)."""
        self.move(
            case,
            "fix_immediately",
            "immediate_fix",
            resolution_kind="vendor_solution",
            solution=self.writer.solution(case.topic),
            known_solution_id=None,
            follow_up_date=None,
        )

    def notify_solution(self, case) -> None:
        self.customer_notification(case, "solution", case.ticket.values["solution"])

    def notify_forwarded(self, case) -> None:
        self.customer_notification(case, "forwarded", self.text_note(FORWARDED))

    def customer_notification(self, case, kind: str, note: str) -> None:
        channel = self.rng.choices(*NOTIFICATION_CHANNELS)[0]
        self.notification(case, case.t, kind, "customer_notification", channel=channel, note=note)

    def extra_call(self, case) -> None:
        direction = self.rng.choice(["inbound", "outbound"])
        self.call_note(case, case.t, direction, self.text_note(CALLS), "call_note")

    def edit(self, case) -> None:
        if self.rng.random() < 0.5:
            assignee, stated = case.ticket.values["assignee_id"], "Kollegin übernimmt den Vorgang"
            while assignee == case.ticket.values["assignee_id"]:
                assignee = self.agent()
            # Handed to a colleague: who did it and when (TicketEditForm), for their dashboard.
            handed = assignee != case.agent
            values = {
                "assignee_id": assignee,
                "assigned_by_id": case.agent if handed else None,
                "assigned_at": case.t if handed else None,
            }
        else:
            values = {"caller_phone": self.phone(self.rng.choice(MOBILE_PREFIXES))}
            stated = "Kunde nannte eine neue Rückrufnummer"
        change(case.ticket, case.t, case.agent, reasons.correction(stated), **values)  # R20

    def sign(self, case, at=None) -> None:
        """Management signs the risk review (R12): at `at`, or now in the ticket's story."""
        at = at or case.t
        manager, name = self.rng.choice(self.users["managers"])
        change(
            case.review,
            at,
            manager,
            "sign",
            state="signed",
            reviewer_id=manager,
            signer_name=name,
            signed_at=at,
            meaning=str(RiskReview.MEANING),
            decision="no_action",
            comment=self.text_note(REVIEWS),
        )

    def close(self, case) -> None:
        """R3: a risk review still pending is signed between its request and the close."""
        review = case.review
        if review is not None and review.values["state"] == "pending":
            requested = review.values["created_at"]
            self.sign(case, requested + (case.t - requested) * self.rng.uniform(0.2, 0.9))
        self.move(case, "close", "closed", follow_up_date=None)

    def reopen(self, case) -> None:
        self.move(case, "reopen", "triage", reopen_reason=self.text_note(REOPENS))

    # ---- program requests: several tickets, one decision by SIC (R5) -----------------------------

    def register(self, case) -> None:
        """register_program_request: the request is created by the first ticket of its group."""
        rng = self.rng
        group = self.groups.get(case.outcome)
        if group is None:
            self.pr_number += 1
            year, planned = berlin_date(case.t).year, rng.random() < 0.5
            request = create(
                self.tables[ProgramRequest],
                case.t,
                case.agent,
                "register_program_request",
                vendor_id=self.sic_id,
                vendor_reference=f"SV-{year}-{self.pr_number:05d}",
                kind="complaint" if rng.random() < 0.4 else "wish",
                title=case.ticket.values["summary"],
                planned_release=f"{year % 100 + 1}.{rng.randint(1, 6)}" if planned else "",
                planned_date=berlin_date(case.t) + datetime.timedelta(days=rng.randint(30, 180))
                if planned
                else None,
                created_by_id=case.agent,
            )
            group = self.groups[case.outcome] = (request, rng.choices(*PROGRAM_REQUEST_SIZES)[0], [])
        request = group[0]
        case.t = max(case.t, request.values["created_at"] + datetime.timedelta(seconds=1))
        self.move(
            case,
            "register_program_request",
            "program_request",
            program_request_id=request.id,
            priority="high" if request.values["kind"] == "complaint" else "normal",
            follow_up_date=berlin_date(case.t) + datetime.timedelta(days=rng.randint(14, 42)),
        )

    def join_program_request(self, case) -> None:
        _request, size, cases = self.groups[case.outcome]
        cases.append(case)
        if len(cases) >= size:
            self.decide(case.outcome)

    def decide(self, outcome: str) -> None:
        """SIC's decision on the group's request moves every linked ticket (each its own history row);
        then each customer is informed and the ticket closed, as far as the outcome goes."""
        request, _size, cases = self.groups.pop(outcome)
        fate, path = outcome.split("/")
        if fate != "program_request":
            rng, by = self.rng, cases[0].agent
            moment = self.after(max(case.t for case in cases), rng.uniform(DAY, 90 * DAY))
            decided = {"decided_by_id": by, "decided_at": moment}
            if path == "realized":
                decided.update(
                    realized_release=f"{moment.year % 100}.{rng.randint(1, 9)}",
                    realized_on=berlin_date(moment),
                )
            else:
                decided.update(justification=self.text_note(JUSTIFICATIONS))
            name = {"realized": "realize", "rejected": "reject"}[path]  # the transition, and its reason
            change(request, moment, by, name, state=path, **decided)
            kind = "realized" if path == "realized" else "rejection_explained"
            for case in sorted(cases, key=lambda case: case.ticket.id):
                case.t = moment
                change(
                    case.ticket, moment, by, name, state=path, state_entered_at=moment, follow_up_date=None
                )
            for case in cases:
                if fate == "closed" or rng.random() < 0.5:
                    case.t = self.after(case.t, rng.uniform(5 * MINUTE, 2 * DAY))
                    self.customer_notification(case, kind, self.text_note(DECISIONS[kind]))
                if fate == "closed":
                    case.t = self.after(case.t, rng.uniform(MINUTE, DAY))
                    self.close(case)
        finish(request)
        for case in cases:
            self.close_case(case)

    def decide_all(self) -> None:
        for outcome in list(self.groups):
            self.decide(outcome)

    # ---- writing ---------------------------------------------------------------------------------

    def tickets(self, count: int, batch: int) -> None:
        started = time.perf_counter()
        self.agent_weights = list(accumulate([6, 5, 5, 4, 4, 3][: len(self.users["agents"])]))
        times = call_times(count, self.now, self.rng)
        for done in range(0, count, batch):
            for i in range(done, min(done + batch, count)):
                created = next(times)
                age = (self.now - created).total_seconds() / DAY
                self.ticket(created, *self.fate(age, count - i))
            self.decide_all()
            self.copy()
            history = sum(table.history_count for table in self.tables.values())
            self.out(
                f"  {min(done + batch, count):,} tickets, {history:,} history rows "
                f"({time.perf_counter() - started:.0f} s)"
            )

    def copy(self) -> None:
        for table in self.tables.values():
            table.copy(self.cursor)


def accumulate(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


def cursor_fetch(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


CATEGORIES = ["software", "technical", "question"]
FIX_KINDS = ["user_error", "configuration_error", "known_workaround"]
FILLER = "Version SaniVision 24.{minor}.{patch}, Arbeitsplatz PC-{place}-{n}."
FIRST_NOTES = [
    "Kunde ruft an, Problem wie beschrieben.",
    "{name} aus der Filiale {city} ruft an.",
    "Anruf entgegengenommen, Kunde wartet auf Rückruf.",
    "Problem am Telefon nachvollzogen.",
]
RISKS = [
    "Falsche Zuzahlung auf der Verordnung: Versorgung des Patienten verzögert sich.",
    "Hilfsmittel wurde mit falscher Größe ausgegeben, Verletzungsgefahr beim Anwender.",
    "Rezeptdaten eines anderen Patienten auf dem Ausdruck (Verwechslungsgefahr).",
    "Versorgung mit Kompressionsstrümpfen nach falscher Maßangabe aus SaniVision.",
]
ESCALATIONS = [
    "Fall mit SIC besprochen, SIC prüft das Verhalten in Version 24.{minor}.",
    "Problem an den SIC-Support gemeldet, Logdateien übermittelt.",
    "SIC kann den Fehler nachstellen und meldet sich.",
    "Mit SIC telefoniert, Ticket bei SIC eröffnet.",
]
INQUIRIES = [
    "Bei SIC nachgefragt: noch in Prüfung.",
    "SIC: Fehler ist bekannt, Korrektur in Arbeit.",
    "Nachgefragt, SIC meldet sich bis {weekday}.",
    "SIC-Entwicklung hat den Fall eingeplant.",
]
FORWARDED = [
    "Kunde informiert: an die SIC-Entwicklung weitergeleitet.",
    "Kunde informiert, dass SIC den Wunsch prüft; eine Version ist noch nicht geplant.",
    "Rückmeldung an {name}: Programmwunsch bei SIC erfasst.",
]
DECISIONS = {
    "realized": [
        "Kunde informiert: behoben mit dem nächsten Update.",
        "Update-Hinweis an den Kunden gegeben.",
    ],
    "rejection_explained": [
        "Kunde informiert: SIC setzt den Wunsch nicht um, Begründung erläutert.",
        "Ablehnung und Begründung von SIC an {name} weitergegeben.",
    ],
}
JUSTIFICATIONS = [
    "SIC setzt den Wunsch nicht um: betrifft nur wenige Kunden und widerspricht dem Standardprozess.",
    "Abgelehnt, weil die gesetzliche Vorgabe das Verhalten vorschreibt.",
    "Kein Fehler der Software: Verhalten ist so spezifiziert, Workaround dokumentiert.",
]
CALLS = [
    "Kunde fragt nach dem Stand.",
    "Rückruf beim Kunden, weitere Angaben zum Fehler aufgenommen.",
    "{name} ruft erneut an, Problem tritt weiter auf.",
    "Kunde nicht erreicht, Nachricht hinterlassen.",
]
REVIEWS = [
    "Kein Schaden eingetreten; Kunde sensibilisiert.",
    "Einzelfall, durch die Lösung behoben; keine Meldung erforderlich.",
]
FINDINGS = [
    "Beim Kunden nachgestellt. Ursache: {cause}. Mit der Lösung behoben, kein weiterer Kunde betroffen.",
    "Per Fernwartung geprüft: {cause}. Fehlerbild damit erklärt.",
    "Ursache: {cause}. Verhalten auf einem Testarbeitsplatz nachvollzogen.",
]
SIC_FINDINGS = [
    "SIC-Analyse: {cause}. SIC hat die Ursache bestätigt.",
    "Laut SIC: {cause}; die Korrektur ist eingeplant.",
    "SIC hat den Fehler nachgestellt. Ursache: {cause}.",
]
NOT_INVESTIGATED_AS = [
    "Identisch mit {number}, dort untersucht.",
    "Gleiches Fehlerbild wie {number}; die Untersuchung dort gilt auch hier.",
]
NOT_INVESTIGATED = [
    "Einzelfall, nach der Lösung nicht mehr nachvollziehbar; Kunde arbeitet wieder normal.",
    "Fehlerbild nur einmal aufgetreten und mit der Lösung behoben; keine Untersuchung erforderlich.",
]
NOT_INVESTIGATED_BY_SIC = [
    "Bekannter Fehler, von SIC bereits untersucht; keine eigene Untersuchung nötig.",
    "SIC kennt den Fehler aus anderen Meldungen; die Ursache ist dort bereits untersucht.",
]
DUPLICATES = [
    "Kunde hat wegen desselben Problems erneut angerufen; der Fall läuft unter {number}.",
    "Gleiche Meldung wie {number}, von einer Kollegin der Filiale.",
    "Doppelt erfasst: derselbe Fehler ist in {number} dokumentiert.",
]
REOPENS = [
    "Kunde meldet, dass der Fehler wieder auftritt.",
    "Lösung hat nicht dauerhaft geholfen.",
]


def bench_users() -> dict:
    """The bench users with the known password (created once; one hash for all of them)."""
    User = get_user_model()
    password_validation.validate_password(PASSWORD)
    hashed = make_password(PASSWORD)
    made = {}
    for role, people in (
        (roles.SUPPORT, AGENTS),
        (roles.MANAGEMENT, MANAGERS),
        (roles.QMB, AUDITORS),
        (roles.PROCESS_MANAGER, PROCESS_MANAGERS),
    ):
        group = Group.objects.get(name=role)
        for username, first, last in people:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.test",
                    "password": hashed,
                },
            )
            if created:
                user.groups.add(group)
            made.setdefault(role, []).append(user)
    return {
        "agents": [user.pk for user in made[roles.SUPPORT]],
        "managers": [(user.pk, user.get_full_name()) for user in made[roles.MANAGEMENT]],
        **{
            key: (made[role][0].pk, made[role][0].get_full_name())
            for key, role in (("qmb", roles.QMB), ("process_manager", roles.PROCESS_MANAGER))
        },
    }


def secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """The table's indexes that back no constraint: (name, definition)."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [table],
    )
    return cursor.fetchall()


def generate(
    *,
    tickets: int,
    customers: int = 2000,
    solutions: int = 300,
    seed: int = 14,
    force: bool = False,
    batch: int = 5000,
    out=print,
) -> dict:
    """Fill the database of the default connection; returns what was written (rows per table) and the
    seconds it took."""
    if connection.vendor != "postgresql":
        raise SystemExit("bench/generate.py fills a PostgreSQL database (DATABASE_URL=postgres://…).")
    if Ticket.objects.exists() and not force:
        raise SystemExit(
            f"The database {connection.settings_dict['NAME']} already holds tickets: refused "
            "(--force adds to them)."
        )
    started = time.perf_counter()
    now = timezone.now()
    users = bench_users()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        if cursor.fetchone()[0] != "on":
            raise SystemExit("bench/generate.py needs a superuser (it copies without foreign-key triggers).")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        tables = [m._meta.db_table for model in MODELS for m in (model, model.history.model)]
        cursor.execute(f"LOCK TABLE {', '.join(tables)}, tickets_ticketnumbercounter IN EXCLUSIVE MODE")
        sic_id = Vendor.objects.get(name=SIC_NAME).pk
        generator = Generator(cursor, seed=seed, now=now, users=users, sic_id=sic_id, out=out)
        dropped = [index for table in tables for index in secondary_indexes(cursor, table)]
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        start = now - datetime.timedelta(days=365 * YEARS)
        generator.make_customers(customers, start)
        generator.make_solutions(solutions, start)
        generator.make_revisions(start)
        generator.copy()
        out(f"  {customers:,} customers with their contacts, {solutions:,} known solutions")
        generator.tickets(tickets, batch)
        cursor.executemany(
            "INSERT INTO tickets_ticketnumbercounter (year, last) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
            sorted(generator.counters.items()),
        )
        for table in generator.tables.values():
            for name, column in ((table.live_table, "id"), (table.history_table, "history_id")):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(MAX({column}), 1)) FROM {name}",
                    [name, column],
                )
        lap = time.perf_counter()
        for _name, definition in dropped:
            cursor.execute(definition)
        out(f"  {len(dropped)} indexes rebuilt in {time.perf_counter() - lap:.0f} s")
    lap = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    out(f"  VACUUM ANALYZE in {time.perf_counter() - lap:.0f} s")
    written = {}
    for table in generator.tables.values():
        written[table.live_table] = table.live_count
        written[table.history_table] = table.history_count
    return {"rows": written, "states": generator.states, "seconds": time.perf_counter() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--solutions", type=int, default=300, help="known solutions")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--force", action="store_true", help="add to a database that already has tickets")
    parser.add_argument("--if-empty", action="store_true", help="do nothing when there are tickets already")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to fill (see the docstring).")
    if args.if_empty and Ticket.objects.exists():
        print(f"{connection.settings_dict['NAME']} holds {Ticket.objects.count():,} tickets already: kept.")
        return
    print(f"Filling {connection.settings_dict['NAME']} on {connection.settings_dict['HOST']}:")
    result = generate(
        tickets=args.tickets,
        customers=args.customers,
        solutions=args.solutions,
        seed=args.seed,
        force=args.force,
    )
    history = sum(count for table, count in result["rows"].items() if "historical" in table)
    print(f"Done in {result['seconds']:.0f} s: {args.tickets:,} tickets, {history:,} history rows.")
    print("States: " + ", ".join(f"{state} {count:,}" for state, count in result["states"].items()))
    print(f"Bench users: bench-support, bench-management, bench-qmb, … with the password {PASSWORD!r}")


if __name__ == "__main__":
    main()
