"""Cron expressions as Vercel takes them: five fields, UTC, checked before anything runs.

``minute hour day-of-month month day-of-week``; each field is ``*``, a number,
a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a list of those (``1,15,30``).
Day of week runs 0-7 (0 and 7 are Sunday). As on Vercel, names (``MON``,
``JAN``) are not taken, and day of month and day of week cannot both be set:
one of them must be ``*``. Written here rather than taken from Huey's
``crontab``, which returns only a yes/no test per datetime and cannot say
which field is wrong or when the next run is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
          ("day of week", 0, 7))
_PIECE = re.compile(r"(?:(\*)|(\d+)(?:-(\d+))?)(?:/(\d+))?")
SEARCH_DAYS = 366 * 5
"""How far ahead :meth:`Schedule.next_after` looks (``0 0 29 2 *`` runs every 4 years)."""


class ScheduleError(ValueError):
    """An expression that is not a valid schedule; the message names the field."""


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for piece in text.split(","):
        match = _PIECE.fullmatch(piece)
        if match is None:
            raise ScheduleError(f"{name}: {piece!r} is not a number, range, step or *")
        star, first, last, step = match.groups()
        start, end = (low, high) if star else (int(first), int(last or first))
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{name}: {piece!r} is outside {low}-{high}")
        if start > end:
            raise ScheduleError(f"{name}: the range {piece!r} runs backwards")
        if step is not None and int(step) == 0:
            raise ScheduleError(f"{name}: a step of 0 in {piece!r}")
        if step is not None and not star and last is None:
            end = high  # "5/15" is "5-59/15", as in Vixie cron
        values.update(range(start, end + 1, int(step or 1)))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    """A parsed five-field expression: the values each field allows."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 is Sunday (7 is folded into it)."""

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule fires in the minute of ``moment`` (UTC)."""
        return (moment.minute in self.minutes and moment.hour in self.hours
                and self._day_matches(moment))

    def _day_matches(self, moment: datetime) -> bool:
        return (moment.month in self.months and moment.day in self.days
                and moment.isoweekday() % 7 in self.weekdays)

    def next_after(self, moment: datetime) -> datetime | None:
        """The first minute strictly after ``moment`` that the schedule fires in, if any
        within :data:`SEARCH_DAYS` (``0 0 31 2 *`` never fires)."""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(SEARCH_DAYS):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None


def parse(expression: str) -> Schedule:
    """Parse a five-field cron expression; :class:`ScheduleError` names the bad field."""
    parts = expression.split()
    if len(parts) != len(FIELDS):
        raise ScheduleError(f"{len(parts)} fields in {expression!r}; a schedule has 5 "
                            "(minute hour day-of-month month day-of-week)")
    minutes, hours, days, months, weekdays = (
        _field(part, name, low, high)
        for part, (name, low, high) in zip(parts, FIELDS, strict=True))
    if parts[2] != "*" and parts[4] != "*":
        raise ScheduleError("day of month and day of week cannot both be set: make one *")
    if days and all(day > _longest_month(months) for day in days):
        raise ScheduleError(f"day of month: {parts[2]!r} never happens in month {parts[3]!r}")
    return Schedule(" ".join(parts), minutes, hours, days, months,
                    frozenset(day % 7 for day in weekdays))


def _longest_month(months: frozenset[int]) -> int:
    return max(29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31 for month in months)
