"""The process figures of the management review (DESIGN §8 `/reports/`; ISO 9001 §9.3, ISO 13485 §7.4.1).

Pure reads: every function takes the reporting period (and the moment "now" where it matters) and
returns plain data. The grouping and the path of a ticket are computed in the database; only the
median and the 90th percentile are taken in Python, over the list of durations of one query. Each
function runs a fixed number of queries, however many rows there are.

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
  `follow_up` transition) in the period: the follow-up date came and SIC had not reported.
- *Program requests decided* in the period: realized or rejected with the decision recorded in the
  period (`decided_at`); time to release from the request (`created_at`, local date) to `realized_on`
  in days; rejection rate = rejected / decided.
- *Calls solved with a known solution*: tickets opened in the period whose immediate fix took a known
  solution (`Ticket.known_solution`, as it is now), per known solution, most first.
- *Median*: the middle value (the mean of the two middle ones for an even count). *90th percentile*:
  nearest rank, the smallest observed value that at least 90 % of the values do not exceed.
"""

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.periods import Period, local_midnight
from tickets.models import RiskReview, State, Ticket
from vendor.models import ProgramRequest, VendorContact

OVERDUE_SHOWN = 20  # overdue follow-ups listed on the page; the CSV has all of them
KNOWN_SOLUTIONS_SHOWN = 10  # known solutions that solved the most calls, on the page; the CSV has all
AGE_BUCKETS = (  # open program requests by age in days: (up to and including, label)
    (30, _("bis 30 Tage")),
    (90, _("31–90 Tage")),
    (180, _("91–180 Tage")),
    (None, _("über 180 Tage")),
)


def history():
    return Ticket.history.model.objects


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


# ---- tickets opened: by state and category, first-call resolution ---------------------------------


@dataclass
class Cohort:
    """The tickets opened in the period."""

    # (state, category) -> number of tickets; category "" = not yet triaged
    by_state_category: dict = field(default_factory=dict)
    # category -> {"opened", "decided", "first_call", "escalated", "reopened_after_fix"}
    by_category: dict = field(default_factory=dict)

    @property
    def opened(self) -> int:
        return sum(self.by_state_category.values())

    def total(self, key: str) -> int:
        return sum(row[key] for row in self.by_category.values())

    @property
    def first_call_rate(self):
        return rate(self.total("first_call"), self.total("decided"))


def opened_tickets(period: Period) -> Cohort:
    """One query: the tickets opened in the period, grouped by current state and category."""
    rows = history().filter(id=OuterRef("pk"))
    first_decision = (
        rows.filter(history_change_reason__in=["fix_immediately", "escalate"])
        .order_by("history_id")
        .values("history_change_reason")[:1]
    )
    groups = (
        Ticket.objects.filter(period.q("created_at"))
        .annotate(
            first_decision=Subquery(first_decision),
            reopened=Exists(rows.filter(history_change_reason="reopen")),
        )
        .values("state", "category")
        .annotate(
            opened=Count("pk"),
            decided=Count("pk", filter=Q(first_decision__isnull=False)),
            first_call=Count("pk", filter=Q(first_decision="fix_immediately", reopened=False)),
            escalated=Count("pk", filter=Q(first_decision="escalate")),
            reopened_after_fix=Count("pk", filter=Q(first_decision="fix_immediately", reopened=True)),
        )
        .order_by()
    )
    cohort = Cohort()
    keys = ("opened", "decided", "first_call", "escalated", "reopened_after_fix")
    for group in groups:
        cohort.by_state_category[(group["state"], group["category"])] = group["opened"]
        totals = cohort.by_category.setdefault(group["category"], dict.fromkeys(keys, 0))
        for key in keys:
            totals[key] += group[key]
    return cohort


# ---- closes: time to close per path ---------------------------------------------------------------


class Path:
    SUPPORT_FIX = "support_fix"
    SIC_FIX = "sic_fix"
    REJECTED = "rejected"
    REALIZED = "realized"
    LABELS = {
        SUPPORT_FIX: _("Sofortlösung durch den Support"),
        SIC_FIX: _("Sofortlösung von SIC"),
        REJECTED: _("Programmwunsch abgelehnt"),
        REALIZED: _("Programmwunsch realisiert"),
    }


@dataclass
class Closes:
    tickets: int = 0  # distinct tickets closed in the period
    by_path: dict = field(default_factory=dict)  # path -> Spread of durations (timedelta)
    overall: Spread = Spread(0, None, None)  # every close of the period


def closes(period: Period) -> Closes:
    """One query: every close transition in the period with its path and its time since the call."""
    earlier = (
        history().filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    )
    rows = (
        history()
        .filter(period.q("history_date"), history_change_reason="close")
        .annotate(
            state_before=Subquery(earlier.values("state")[:1]),
            fixed_from=Subquery(
                earlier.filter(state__in=[State.TRIAGE, State.ESCALATED]).values("state")[:1]
            ),
        )
        .annotate(
            path=Case(
                When(state_before=State.REALIZED, then=Value(Path.REALIZED)),
                When(state_before=State.REJECTED, then=Value(Path.REJECTED)),
                When(state_before=State.IMMEDIATE_FIX, fixed_from=State.ESCALATED, then=Value(Path.SIC_FIX)),
                When(state_before=State.IMMEDIATE_FIX, then=Value(Path.SUPPORT_FIX)),
                default=Value(""),
                output_field=CharField(),
            ),
            duration=ExpressionWrapper(F("history_date") - F("created_at"), output_field=DurationField()),
        )
        .values_list("id", "path", "duration")
    )
    durations = defaultdict(list)
    tickets = set()
    for ticket_id, path, duration in rows:
        tickets.add(ticket_id)
        durations[path].append(duration)
    return Closes(
        tickets=len(tickets),
        by_path={path: Spread.of(durations[path]) for path in Path.LABELS},
        overall=Spread.of([duration for values in durations.values() for duration in values]),
    )


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
    reviews: list  # RiskReview, oldest first, with ticket and customer
    by_decision: dict  # "pending" or a decision -> count

    @property
    def count(self) -> int:
        return len(self.reviews)


def risk_events(period: Period) -> RiskEvents:
    """One query: the risk reviews requested in the period (each one risk-relevant event), decisions."""
    reviews = list(
        RiskReview.objects.filter(period.q("created_at"))
        .select_related("ticket__customer")
        .order_by("created_at", "pk")
    )
    by_decision = Counter(
        review.decision if review.state == RiskReview.State.SIGNED else "pending" for review in reviews
    )
    return RiskEvents(reviews, {key: by_decision[key] for key in ["pending", *RiskReview.Decision.values]})


# ---- supplier report on SIC ---------------------------------------------------------------------------


@dataclass
class FirstAnswers:
    by_answer: dict  # "fix_immediately" / "register_program_request" -> Spread of durations
    answered: Spread  # all answered escalations
    waiting: Spread  # escalations without an answer yet: how long they have been waiting

    @property
    def escalations(self) -> int:
        return self.answered.count + self.waiting.count


ANSWERS = {
    "fix_immediately": _("Sofortlösung von SIC"),
    "register_program_request": _("Programmwunsch"),
}


def first_answers(period: Period, now: datetime.datetime) -> FirstAnswers:
    """One query: the escalations to SIC in the period and SIC's first answer to each."""
    later = (
        history()
        .filter(
            id=OuterRef("id"), history_id__gt=OuterRef("history_id"), history_change_reason__in=list(ANSWERS)
        )
        .order_by("history_id")
    )
    rows = (
        history()
        .filter(period.q("history_date"), history_change_reason="escalate")
        .annotate(
            answer=Subquery(later.values("history_change_reason")[:1]),
            answered_at=Subquery(later.values("history_date")[:1]),
        )
        .values_list("answer", "history_date", "answered_at")
    )
    durations, waiting, every = defaultdict(list), [], []
    for answer, escalated_at, answered_at in rows:
        if answer:
            durations[answer].append(answered_at - escalated_at)
            every.append(answered_at - escalated_at)
        else:
            waiting.append(now - escalated_at)
    return FirstAnswers(
        by_answer={answer: Spread.of(durations[answer]) for answer in ANSWERS},
        answered=Spread.of(every),
        waiting=Spread.of(waiting),
    )


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
    """One query: the program requests SIC decided in the period (decision recorded then)."""
    rows = ProgramRequest.objects.filter(period.q("decided_at")).values_list(
        "kind", "state", "created_at", "realized_on"
    )
    counts = {kind: Counter() for kind in ProgramRequest.Kind.values}
    days = defaultdict(list)
    for kind, state, created_at, realized_on in rows:
        counts[kind]["decided"] += 1
        counts[kind][state] += 1
        if state == ProgramRequest.State.REALIZED:
            days[kind].append((realized_on - timezone.localdate(created_at)).days)
    by_kind = {
        kind: {
            "decided": counts[kind]["decided"],
            "realized": counts[kind][ProgramRequest.State.REALIZED],
            "rejected": counts[kind][ProgramRequest.State.REJECTED],
            "release": Spread.of(days[kind]),
        }
        for kind in ProgramRequest.Kind.values
    }
    return Decisions(by_kind, Spread.of([d for kind_days in days.values() for d in kind_days]))


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


def inquiries(period: Period) -> list[dict]:
    """One query: per ticket, how often support had to ask SIC again in the period (most first)."""
    return list(
        VendorContact.objects.filter(period.q("created_at"), kind=VendorContact.Kind.INQUIRY)
        .values("ticket_id", "ticket__number", "ticket__summary", "ticket__program_request__vendor_reference")
        .annotate(count=Count("pk"))
        .order_by("-count", "ticket__number")
    )


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
    """Two queries: the calls opened in the period that a known solution solved, and per known solution
    how many, most first (the first `limit`; all when None)."""
    solved = Ticket.objects.filter(period.q("created_at"), known_solution__isnull=False).order_by()
    totals = solved.aggregate(calls=Count("pk"), solutions=Count("known_solution", distinct=True))
    fields = {
        "id": "known_solution",
        "title": "known_solution__title",
        "kind": "known_solution__kind",
        "status": "known_solution__state",
    }
    groups = (
        solved.values(*fields.values())
        .annotate(calls=Count("pk"))
        .order_by("-calls", "known_solution__title", "known_solution")
    )
    rows = [
        {"calls": group["calls"], **{key: group[column] for key, column in fields.items()}}
        for group in (groups if limit is None else groups[:limit])
    ]
    return SolutionUsage(rows=rows, calls=totals["calls"], solutions=totals["solutions"])
