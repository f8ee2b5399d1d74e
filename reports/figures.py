"""The process figures of the management review (DESIGN §8 `/reports/`; ISO 9001 §9.3, ISO 13485 §7.4.1).

Pure reads: every function takes the reporting period (and the moment "now" where it matters) and
returns plain data. What a ticket's history says (its path, its first decision, SIC's answers) is
kept as the history is written, in reports.models (reports.services), so the figures of a period
read only that period's rows of those tables, from their date indexes, and never the history
itself. Counts, medians and 90th percentiles are computed in the database: a query returns a few
rows whatever the size of the period. Each function runs a fixed number of queries; lists on the
page are the first few rows (`limit`), the CSV downloads have all of them.

Definitions (the report page states them in the same words):

- A ticket is *opened* in the period when the call came in then (`Ticket.created_at`).
- A ticket is *closed* in the period when it has a `close` transition then (history row, reason
  `close`); each such transition is one *close*. A reopened and closed again ticket counts once as
  a closed ticket but with each of its closes in the times to close.
- *First-call resolution*: of the tickets opened in the period that support has decided (an immediate
  fix or an escalation to SIC, at any time up to now), the share whose first decision was
  `fix_immediately` straight from triage (so without SIC) and that was never reopened.
- *Time to close*: from the call (`created_at`) to the close transition. Its *path* is read from the
  history: the state before the close (immediate_fix, rejected, realized); for an immediate fix, whether
  the ticket was in triage (support's own immediate fix) or escalated (SIC's immediate solution) when
  it was fixed.
- *SIC's first answer* to an escalation (a history row `escalate` in the period): the ticket's next
  transition out of `escalated`, i.e. SIC's immediate solution (`fix_immediately`) or its
  classification as a program request (`register_program_request`). A follow-up inquiry is not an
  answer: it is support having to ask again.
- *Follow-ups SIC let pass*: inquiries at SIC (`VendorContact` of kind inquiry, recorded by the
  `follow_up` transition or on its own) in the period: support had to ask, SIC had not reported.
- *Contacts with SIC*, per calendar month of the period: SIC's unprompted reports (`VendorContact` of
  kind vendor_report: SIC reported on its own, by phone, e-mail or its portal) apart from our
  inquiries (kind inquiry) and any other contact (kind other); the share of SIC's own reports among
  reports and inquiries says how often SIC reports without being chased. An escalation is not
  counted here (it is the escalation's figure).
- *Program requests decided* in the period: realized or rejected with the decision recorded in the
  period (`decided_at`); time to release from the request (`created_at`, local date) to `realized_on`
  in days; rejection rate = rejected / decided.
- *Calls solved with a known solution*: tickets opened in the period whose immediate fix took a known
  solution (`Ticket.known_solution`, as it is now), per known solution, most first.
- *Duplicates*: a ticket closed as a duplicate (`close_as_duplicate`, `Ticket.duplicate_of` set) is
  counted apart ("davon als Duplikat abgeschlossen") and never in the figures of the case it
  duplicates: not in the tickets by state (a row of its own), first-call resolution, time to close
  and tickets closed, SIC's first answer to escalations, the calls solved with a known solution, the
  complaints. Still counted: the risk events (each review requested took place) and the contacts with
  SIC (inquiries, SIC's own reports: they took place).
- *Complaints* (ISO 13485 §8.2.2 / §8.4): tickets whose latest complaint evaluation (R15) says they are
  a complaint about the product, by the month (Europe/Berlin) the report came in (`received_at`, else
  the call's `created_at`), in the period; by category, customer, SaniVision version (blank: unknown),
  investigation (investigated, not investigated, still open) and symptom. The *symptom* is kept
  simple: the title of the known solution the ticket was solved with, otherwise its category.
- *Median*: the middle value (the mean of the two middle ones for an even count). *90th percentile*:
  nearest rank, the smallest observed value that at least 90 % of the values do not exceed.
"""

import datetime
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import ComplaintFacts, Step, TicketFacts
from reports.periods import Period, local_midnight
from solutions.models import KnownSolution
from tickets.models import Category, RiskReview, Ticket
from vendor.models import ProgramRequest

OVERDUE_SHOWN = 20  # overdue follow-ups listed on the page; the CSV has all of them
KNOWN_SOLUTIONS_SHOWN = 10  # known solutions that solved the most calls, on the page; the CSV has all
RISK_EVENTS_SHOWN = 20  # risk events of the period on the page, oldest first; the CSV has all
INQUIRIES_SHOWN = 20  # tickets SIC let the most follow-ups pass, on the page; the CSV has all
COMPLAINT_CUSTOMERS_SHOWN = 10  # customers with the most complaints, on the page; then "the others"
SYMPTOMS_SHOWN = 15  # symptoms of the Pareto on the page; the CSV has all
AGE_BUCKETS = (  # open program requests by age in days: (up to and including, label)
    (30, _("bis 30 Tage")),
    (90, _("31–90 Tage")),
    (180, _("91–180 Tage")),
    (None, _("über 180 Tage")),
)
Path = Step.Path
DAY = datetime.timedelta(days=1)
ANSWERS = dict(Step.Answer.choices)


def steps(kind: str, period: Period):
    return Step.objects.filter(period.q("at"), kind=kind)


def case_steps(kind: str, period: Period):
    """Closes or escalations of the period, without those of tickets closed as duplicates."""
    return steps(kind, period).filter(duplicate=False)


# ---- statistics ----------------------------------------------------------------------------------


def median(values):
    return statistics.median(sorted(values)) if values else None


def percentile_90(values):
    """Nearest rank: the smallest value that at least 90 % of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def rate(part: int, whole: int):
    return part / whole if whole else None


@dataclass(frozen=True)
class Spread:
    """Count, median and 90th percentile of a list of durations (timedelta) or day counts."""

    count: int
    median: object
    p90: object

    @classmethod
    def of(cls, values) -> "Spread":
        return cls(len(values), median(values), percentile_90(values))


NO_SPREAD = Spread(0, None, None)


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregates: percentile_cont(0.5) is the median (the mean of the two
    middle values for an even count), percentile_disc(0.9) the 90th percentile by nearest rank."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, median: bool, **extra):
        function, fraction = ("percentile_cont", "0.5") if median else ("percentile_disc", "0.9")
        super().__init__(expression, function=function, fraction=fraction, **extra)


class Seconds(Func):
    """A duration as seconds in double precision: PostgreSQL sorts those for the percentiles in
    two thirds of the time it takes for intervals (a quarter's 80,000 closes: 38 -> 24 ms)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


def as_duration(seconds):
    return None if seconds is None else datetime.timedelta(seconds=seconds)


@dataclass
class Spreads:
    by_key: dict  # key -> Spread
    overall: Spread  # all rows
    distinct: int | None  # how many different values the field `distinct` has


def spreads(queryset, value, *, by: str = "", keys=(), distinct: str = "") -> Spreads:
    """The Spread of `value` (an expression) over all rows and for each of `keys` of the field `by`,
    in one query. On PostgreSQL the database computes them and returns one row; elsewhere (the
    embedded SQLite) the values are read and computed here."""
    rows = queryset.annotate(value=value).order_by()
    if connection.vendor != "postgresql":
        found = list(rows.values_list("value", by or "value", distinct or "value"))
        return Spreads(
            by_key={key: Spread.of([v for v, k, _d in found if k == key]) for key in keys},
            overall=Spread.of([v for v, _k, _d in found]),
            distinct=len({d for _v, _k, d in found}) if distinct else None,
        )
    durations = isinstance(rows.query.annotations["value"].output_field, DurationField)
    sorted_by, read = (Seconds("value"), as_duration) if durations else (F("value"), lambda value: value)
    parts = {"all": Q(), **{f"key{index}": Q(**{by: key}) for index, key in enumerate(keys)}}
    aggregates = {"distinct": Count(distinct, distinct=True)} if distinct else {}
    for name, part in parts.items():
        aggregates[f"{name}_count"] = Count("pk", filter=part)
        aggregates[f"{name}_median"] = Percentile(sorted_by, median=True, filter=part)
        aggregates[f"{name}_p90"] = Percentile(sorted_by, median=False, filter=part)
    found = rows.aggregate(**aggregates)
    spread = {
        name: Spread(found[f"{name}_count"], read(found[f"{name}_median"]), read(found[f"{name}_p90"]))
        for name in parts
    }
    return Spreads(
        by_key={key: spread[f"key{index}"] for index, key in enumerate(keys)},
        overall=spread["all"],
        distinct=found.get("distinct"),
    )


# ---- tickets opened: by state and category, first-call resolution ---------------------------------


@dataclass
class Cohort:
    """The tickets opened in the period."""

    # (state, category) -> number of tickets; category "" = not yet triaged
    by_state_category: dict = field(default_factory=dict)
    # category -> {"opened", "decided", "first_call", "escalated", "reopened_after_fix"}
    by_category: dict = field(default_factory=dict)
    # category -> tickets closed as duplicates: counted apart, in neither of the above
    duplicates_by_category: dict = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return sum(self.duplicates_by_category.values())

    @property
    def opened(self) -> int:
        """Every call of the period, the duplicates among them."""
        return sum(self.by_state_category.values()) + self.duplicates

    def total(self, key: str) -> int:
        return sum(row[key] for row in self.by_category.values())

    @property
    def first_call_rate(self):
        return rate(self.total("first_call"), self.total("decided"))


def opened_tickets(period: Period) -> Cohort:
    """One query: the tickets opened in the period, grouped by current state and category; those
    closed as duplicates apart."""
    fixed = Q(first_decision="fix_immediately")
    groups = (
        TicketFacts.objects.filter(period.q("opened_at"))
        .values("state", "category", "duplicate")
        .annotate(
            opened=Count("pk"),
            decided=Count("pk", filter=~Q(first_decision="")),
            first_call=Count("pk", filter=fixed & Q(reopened=False)),
            escalated=Count("pk", filter=Q(first_decision="escalate")),
            reopened_after_fix=Count("pk", filter=fixed & Q(reopened=True)),
        )
        .order_by()
    )
    cohort = Cohort()
    keys = ("opened", "decided", "first_call", "escalated", "reopened_after_fix")
    for group in groups:
        if group["duplicate"]:
            duplicates = cohort.duplicates_by_category
            duplicates[group["category"]] = duplicates.get(group["category"], 0) + group["opened"]
            continue
        cohort.by_state_category[(group["state"], group["category"])] = group["opened"]
        totals = cohort.by_category.setdefault(group["category"], dict.fromkeys(keys, 0))
        for key in keys:
            totals[key] += group[key]
    return cohort


# ---- closes: time to close per path ---------------------------------------------------------------


@dataclass
class Closes:
    tickets: int = 0  # distinct tickets closed in the period
    by_path: dict = field(default_factory=dict)  # path -> Spread of durations (timedelta)
    overall: Spread = NO_SPREAD  # every close of the period


def closes(period: Period) -> Closes:
    """One query: the spread of the times to close per path and overall, and the tickets closed."""
    found = spreads(
        case_steps(Step.Kind.CLOSE, period), F("duration"), by="outcome", keys=Path.values, distinct="ticket"
    )
    return Closes(tickets=found.distinct, by_path=found.by_key, overall=found.overall)


# ---- now: overdue follow-ups ------------------------------------------------------------------------


def overdue_follow_ups(today: datetime.date, limit: int | None = OVERDUE_SHOWN) -> tuple[int, list[Ticket]]:
    """Tickets at SIC whose follow-up date is before today (due today is not yet overdue); oldest first.
    Two queries: the count and the first `limit` (all when None)."""
    queryset = (
        Ticket.objects.follow_up_overdue(today)
        .select_related("customer", "program_request")
        .order_by("follow_up_date", "created_at", "pk")
    )
    if limit is None:
        tickets = list(queryset)
        return len(tickets), tickets
    return queryset.count(), list(queryset[:limit])


# ---- risk events ------------------------------------------------------------------------------------


@dataclass
class RiskEvents:
    reviews: list  # RiskReview, oldest first, with ticket and customer: the first `limit`
    by_decision: dict  # "pending" or a decision -> count

    @property
    def count(self) -> int:
        return sum(self.by_decision.values())


def risk_events(period: Period, limit: int | None = RISK_EVENTS_SHOWN) -> RiskEvents:
    """Two queries: the risk reviews requested in the period (each one risk-relevant event) by
    decision, and the first `limit` of them (all when None)."""
    requested = RiskReview.objects.filter(period.q("created_at"))
    groups = requested.values("state", "decision").annotate(count=Count("pk")).order_by()
    by_decision = Counter()
    for group in groups:
        signed = group["state"] == RiskReview.State.SIGNED
        by_decision[group["decision"] if signed else "pending"] += group["count"]
    reviews = requested.select_related("ticket__customer").order_by("created_at", "pk")
    return RiskEvents(
        list(reviews if limit is None else reviews[:limit]),
        {key: by_decision[key] for key in ["pending", *RiskReview.Decision.values]},
    )


# ---- supplier report on SIC ---------------------------------------------------------------------------


@dataclass
class FirstAnswers:
    by_answer: dict  # "fix_immediately" / "register_program_request" -> Spread of durations
    answered: Spread  # all answered escalations
    waiting: Spread  # escalations without an answer yet: how long they have been waiting

    @property
    def escalations(self) -> int:
        return self.answered.count + self.waiting.count


def first_answers(period: Period, now: datetime.datetime) -> FirstAnswers:
    """Two queries: the escalations to SIC in the period with SIC's first answer (the spread of the
    time until it), and those still waiting (the spread of how long since they were escalated)."""
    escalations = case_steps(Step.Kind.ESCALATE, period)
    answered = spreads(escalations.exclude(outcome=""), F("duration"), by="outcome", keys=list(ANSWERS))
    since = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - F("at"), output_field=DurationField()
    )
    waiting = spreads(escalations.filter(outcome=""), since).overall
    return FirstAnswers(by_answer=answered.by_key, answered=answered.overall, waiting=waiting)


@dataclass
class Decisions:
    by_kind: dict  # kind -> {"decided", "realized", "rejected", "release": Spread of days}
    release: Spread  # days from request to release, all kinds

    def total(self, key: str) -> int:
        return sum(row[key] for row in self.by_kind.values())

    @property
    def rejection_rate(self):
        return rate(self.total("rejected"), self.total("decided"))


def program_request_decisions(period: Period) -> Decisions:
    """Two queries: the program requests SIC decided in the period (decision recorded then) by kind
    and decision, and the spread of the days from request to release of the realized ones."""
    decided = ProgramRequest.objects.filter(period.q("decided_at"))
    counts = {kind: Counter() for kind in ProgramRequest.Kind.values}
    for group in decided.values("kind", "state").annotate(count=Count("pk")).order_by():
        counts[group["kind"]][group["state"]] += group["count"]
    days = ExpressionWrapper(F("realized_on") - TruncDate("created_at"), output_field=DurationField())
    release = spreads(
        decided.filter(state=ProgramRequest.State.REALIZED), days, by="kind", keys=ProgramRequest.Kind.values
    )
    by_kind = {
        kind: {
            "decided": counts[kind].total(),
            "realized": counts[kind][ProgramRequest.State.REALIZED],
            "rejected": counts[kind][ProgramRequest.State.REJECTED],
            "release": in_days(release.by_key[kind]),
        }
        for kind in ProgramRequest.Kind.values
    }
    return Decisions(by_kind, in_days(release.overall))


def in_days(spread: Spread) -> Spread:
    def days(value):
        return None if value is None else value / DAY

    return Spread(spread.count, days(spread.median), days(spread.p90))


def open_program_requests(today: datetime.date) -> dict:
    """One query: program requests open now, by kind and age bucket: {kind: [count per AGE_BUCKETS]}."""
    whens = [
        When(created_at__gte=local_midnight(today - datetime.timedelta(days=limit)), then=Value(index))
        for index, (limit, _label) in enumerate(AGE_BUCKETS)
        if limit is not None
    ]
    groups = (
        ProgramRequest.objects.filter(state=ProgramRequest.State.OPEN)
        .annotate(bucket=Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField()))
        .values("kind", "bucket")
        .annotate(count=Count("pk"))
        .order_by()
    )
    table = {kind: [0] * len(AGE_BUCKETS) for kind in ProgramRequest.Kind.values}
    for group in groups:
        table[group["kind"]][group["bucket"]] += group["count"]
    return table


@dataclass
class Inquiries:
    rows: list  # {"ticket_id", "number", "summary", "vendor_reference", "count"}: most first
    count: int  # inquiries in the period
    tickets: int  # the tickets they were about

    def __iter__(self):
        return iter(self.rows)


def inquiries(period: Period, limit: int | None = INQUIRIES_SHOWN) -> Inquiries:
    """Three queries: how often support had to ask SIC again in the period and about how many
    tickets; the tickets asked about most (the first `limit`, all when None), most first, then the
    older ticket; their numbers and subjects."""
    asked = steps(Step.Kind.INQUIRY, period)
    totals = asked.aggregate(count=Count("pk"), tickets=Count("ticket", distinct=True))
    most = asked.values("ticket").annotate(count=Count("pk")).order_by("-count", "ticket")
    counts = list(most if limit is None else most[:limit])
    # The page's few: by the ids read, not by the grouping again as a subquery (its costliest query).
    shown = asked.values("ticket") if limit is None else [count["ticket"] for count in counts]
    named = Ticket.objects.filter(pk__in=shown)
    tickets = {
        ticket["pk"]: ticket
        for ticket in named.values("pk", "number", "summary", "program_request__vendor_reference")
    }
    rows = [
        {
            "ticket_id": count["ticket"],
            "number": tickets[count["ticket"]]["number"],
            "summary": tickets[count["ticket"]]["summary"],
            "vendor_reference": tickets[count["ticket"]]["program_request__vendor_reference"] or "",
            "count": count["count"],
        }
        for count in counts
    ]
    return Inquiries(rows, totals["count"], totals["tickets"])


@dataclass
class SicContacts:
    """The contacts with SIC of the period by calendar month (Europe/Berlin), every month of the
    period listed, and by kind: {"vendor_report", "inquiry", "other"} -> count."""

    by_month: dict  # first day of the month -> {kind: count}

    def total(self, kind: str) -> int:
        return sum(row[kind] for row in self.by_month.values())

    @staticmethod
    def share(row: dict):
        """SIC's own reports among its reports and our inquiries (None when there were neither)."""
        return rate(row[Step.Kind.VENDOR_REPORT], row[Step.Kind.VENDOR_REPORT] + row[Step.Kind.INQUIRY])

    @property
    def totals(self) -> dict:
        return {kind: self.total(kind) for kind in CONTACT_KINDS}


CONTACT_KINDS = (Step.Kind.VENDOR_REPORT, Step.Kind.INQUIRY, Step.Kind.OTHER)


def months(period: Period) -> list[datetime.date]:
    """The first day of every calendar month the period touches."""
    found, month = [], period.first.replace(day=1)
    while month <= period.last:
        found.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return found


def sic_contacts(period: Period) -> SicContacts:
    """One query: the contacts with SIC in the period by month (local time) and kind. Each month is
    counted between its local midnights: truncating every row's time to its month in the time zone
    took 30 of the query's 32 ms at 1,000,000 tickets, the comparisons 9 ms in all."""
    first_days = months(period)
    per_month = []  # the period's own bounds are the query's
    for index, month in enumerate(first_days):
        within = Q(at__gte=local_midnight(month)) if index else Q()
        if index + 1 < len(first_days):
            within &= Q(at__lt=local_midnight(first_days[index + 1]))
        per_month.append(within)
    groups = (
        Step.objects.filter(period.q("at"), kind__in=CONTACT_KINDS)
        .values("kind")
        .annotate(**{f"month{index}": Count("pk", filter=q) for index, q in enumerate(per_month)})
        .order_by()
    )
    by_month = {month: dict.fromkeys(CONTACT_KINDS, 0) for month in first_days}
    for group in groups:
        for index, month in enumerate(first_days):
            by_month[month][group["kind"]] += group[f"month{index}"]
    return SicContacts(by_month)


# ---- known solutions: which solve the most calls --------------------------------------------------------


@dataclass
class SolutionUsage:
    rows: list  # {"id", "title", "kind", "status", "calls"}: the known solutions used, most calls first
    calls: int  # calls opened in the period and solved with a known solution
    solutions: int  # the known solutions used for them

    @property
    def shown_all(self) -> bool:
        return len(self.rows) == self.solutions


def known_solution_usage(period: Period, limit: int | None = KNOWN_SOLUTIONS_SHOWN) -> SolutionUsage:
    """Two queries: the calls opened in the period that a known solution solved, counted per known
    solution (grouped without the join, which made PostgreSQL walk every fact with a known solution
    in id order: 120 ms at 1,000,000 tickets, 23 ms so), then the titles; most calls first (the
    first `limit`; all when None)."""
    solved = TicketFacts.objects.filter(period.q("opened_at"), known_solution__isnull=False, duplicate=False)
    calls = dict(solved.values_list("known_solution").annotate(calls=Count("pk")).order_by())
    solutions = KnownSolution.objects.filter(pk__in=calls).values("id", "title", "kind", status=F("state"))
    rows = sorted(
        ({**solution, "calls": calls[solution["id"]]} for solution in solutions),
        key=lambda row: (-row["calls"], row["title"], row["id"]),
    )
    return SolutionUsage(
        rows=rows if limit is None else rows[:limit], calls=sum(calls.values()), solutions=len(calls)
    )


# ---- complaints: the trend for the management review (ISO 13485 §8.2.2 / §8.4) ---------------------

INVESTIGATIONS = tuple(ComplaintFacts.Investigation.values)  # investigated, not investigated, open ("")


@dataclass
class Complaints:
    """The complaints that came in in the period (without duplicates, which are counted apart)."""

    by_month: dict  # first day of every month of the period -> {category: count}
    by_investigation: dict  # INVESTIGATIONS -> count
    duplicates: int  # complaints closed as duplicates: counted at the ticket they duplicate
    customers: list  # {"id", "name", "count"}: most first, the first `limit`
    versions: list  # (SaniVision version, "" = unknown; count): by version, newest first
    symptoms: list  # {"solution_id", "title", "category", "count"}: most first, the first `limit`
    symptom_kinds: int = 0  # how many different symptoms there are

    @property
    def total(self) -> int:
        return sum(self.by_investigation.values())

    @property
    def by_category(self) -> dict:
        counts = Counter()
        for row in self.by_month.values():
            counts.update(row)
        return dict(counts)

    @property
    def other_customers(self) -> int:
        return self.total - sum(row["count"] for row in self.customers)


def category_label(value: str) -> str:
    return str(Category(value).label) if value in Category.values else str(_("noch nicht geprüft"))


def symptom_label(row: dict) -> str:
    """The known solution's title, else the category (a deliberately simple symptom key)."""
    return row["title"] if row["solution_id"] else category_label(row["category"])


def version_key(version: str):
    """Versions by their numbers (12.10 after 12.9, 12.4.1 after 12.4); names without a number first
    after those with one. Sorted in reverse: the newest first."""
    natural = [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-\s]+", version)
    ]
    return (version[:1].isdigit(), natural)


def by_version(pairs) -> list:
    """(version, count) newest first, the unknown version ("") last."""
    known = sorted((pair for pair in pairs if pair[0]), key=lambda pair: version_key(pair[0]), reverse=True)
    return known + [pair for pair in pairs if not pair[0]]


def complaints(period: Period, limit: int | None = COMPLAINT_CUSTOMERS_SHOWN, symptoms_shown=SYMPTOMS_SHOWN):
    """Four queries: the complaints of the period by month, category, investigation and duplicate;
    by customer (most first: the first `limit`, all when None); by SaniVision version; by symptom
    (the known solution the ticket was solved with, else its category; the first `symptoms_shown`
    when `limit` is set)."""
    received = ComplaintFacts.objects.filter(period.q("received_at")).order_by()
    berlin = timezone.get_default_timezone()
    groups = (
        received.annotate(month=TruncMonth("received_at", output_field=DateField(), tzinfo=berlin))
        .values("month", "category", "investigation", "duplicate")
        .annotate(count=Count("pk"))
    )
    by_month = {month: {} for month in months(period)}
    by_investigation = dict.fromkeys(INVESTIGATIONS, 0)
    duplicates = 0
    for group in groups:
        if group["duplicate"]:
            duplicates += group["count"]
            continue
        row = by_month[group["month"]]
        row[group["category"]] = row.get(group["category"], 0) + group["count"]
        by_investigation[group["investigation"]] += group["count"]
    counted = received.filter(duplicate=False)
    by_customer = (
        counted.values("customer", "customer__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "customer__name", "customer")
    )
    customers = [
        {"id": group["customer"], "name": group["customer__name"], "count": group["count"]}
        for group in (by_customer if limit is None else by_customer[:limit])
    ]
    versions = by_version(
        [
            (group["sanivision_version"], group["count"])
            for group in counted.values("sanivision_version").annotate(count=Count("pk"))
        ]
    )
    symptom = Case(
        When(known_solution__isnull=True, then=F("category")), default=Value(""), output_field=CharField()
    )
    by_symptom = [
        {
            "solution_id": group["known_solution"],
            "title": group["known_solution__title"] or "",
            "category": group["symptom"],
            "count": group["count"],
        }
        for group in counted.annotate(symptom=symptom)
        .values("known_solution", "known_solution__title", "symptom")
        .annotate(count=Count("pk"))
    ]
    by_symptom.sort(key=lambda row: (-row["count"], symptom_label(row), row["solution_id"] or 0))
    return Complaints(
        by_month=by_month,
        by_investigation=by_investigation,
        duplicates=duplicates,
        customers=customers,
        versions=versions,
        symptoms=by_symptom if limit is None else by_symptom[:symptoms_shown],
        symptom_kinds=len(by_symptom),
    )
