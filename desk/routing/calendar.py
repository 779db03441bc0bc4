"""Working days in Belgium: no weekends, no Belgian public holidays (the `holidays` package)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=[year]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start`, at the same Brussels clock time.

    An offer made on a Friday evening with two working days is due on Tuesday evening; one made
    on Christmas Eve (a Thursday) is due on the Tuesday after, Christmas and the weekend skipped.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(BRUSSELS)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    due = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=BRUSSELS)
    return due.astimezone(start.tzinfo) if start.tzinfo else due
