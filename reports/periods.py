"""Reporting periods: calendar days in Europe/Berlin, and the ones the report page offers."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 3660  # the longest period a report covers (ten years): keeps every list bounded


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of a calendar day in Europe/Berlin (TIME_ZONE), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Period:
    """Calendar days `first` to `last`, both included, in Europe/Berlin."""

    first: datetime.date
    last: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """Exclusive: midnight after the last day."""
        return local_midnight(self.last + datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def q(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})


def default_period(today: datetime.date) -> Period:
    """The last 90 days up to and including today."""
    return Period(today - datetime.timedelta(days=89), today)


def quarter_of(day: datetime.date) -> Period:
    first = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    next_first = datetime.date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    return Period(first, next_first - datetime.timedelta(days=1))


def presets(today: datetime.date) -> list[tuple[str, Period]]:
    """Periods offered as links on the page."""
    this_quarter = quarter_of(today)
    return [
        (_("letzte 90 Tage"), default_period(today)),
        (_("laufendes Quartal"), Period(this_quarter.first, today)),
        (_("Vorquartal"), quarter_of(this_quarter.first - datetime.timedelta(days=1))),
        (_("laufendes Jahr"), Period(datetime.date(today.year, 1, 1), today)),
        (_("Vorjahr"), Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31))),
    ]
