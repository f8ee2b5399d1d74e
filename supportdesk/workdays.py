"""Working days, Monday to Friday (DESIGN §4: follow-up defaults, reminders). Public holidays are
not taken into account."""

import datetime


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def working_days_after(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `day` (Friday + 3 → Wednesday)."""
    for _ in range(count):
        day = next_working_day(day)
    return day
