"""Cron expressions (autostack_plugins.crons.schedule): what matches, the next run, clear errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from autostack_plugins.crons.schedule import ScheduleError, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("expression", "moment", "expected"), [
    ("* * * * *", "2026-12-06 19:51", True),
    ("*/15 * * * *", "2026-12-06 19:45", True),
    ("*/15 * * * *", "2026-12-06 19:46", False),
    ("0 5 * * *", "2026-12-06 05:00", True),
    ("0 5 * * *", "2026-12-06 05:01", False),
    ("30 9-17/4 * * *", "2026-12-06 13:30", True),
    ("30 9-17/4 * * *", "2026-12-06 15:30", False),
    ("0 0 1,15 * *", "2026-12-15 00:00", True),
    ("0 0 * * 0", "2026-12-06 00:00", True),   # a Sunday
    ("0 0 * * 7", "2026-12-06 00:00", True),   # 7 is Sunday too
    ("0 0 * * 1-5", "2026-12-06 00:00", False),
    ("0 12 * 6 *", "2026-12-06 12:00", False),
])
def test_matches(expression: str, moment: str, expected: bool) -> None:
    assert parse(expression).matches(at(moment)) is expected


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("* * * * *", "2026-12-06 19:51:30", "2026-12-06 19:52"),
    ("0 5 * * *", "2026-12-06 05:00", "2026-12-07 05:00"),
    ("0 5 * * *", "2026-12-06 04:59:59", "2026-12-06 05:00"),
    ("*/20 * * * *", "2026-12-31 23:41", "2027-01-01 00:00"),
    ("0 0 29 2 *", "2026-12-06 00:00", "2028-02-29 00:00"),
    ("15 10 * * 1", "2026-12-06 12:00", "2026-12-07 10:15"),  # next Monday
])
def test_next_after(expression: str, after: str, expected: str) -> None:
    assert parse(expression).next_after(at(after)) == at(expected)


@pytest.mark.parametrize(("expression", "message"), [
    ("* * * *", "4 fields"),
    ("60 * * * *", "minute: '60' is outside 0-59"),
    ("* 24 * * *", "hour: '24' is outside 0-23"),
    ("* * 0 * *", "day of month: '0' is outside 1-31"),
    ("* * * 13 *", "month: '13' is outside 1-12"),
    ("* * * * MON", "day of week: 'MON' is not a number"),
    ("*/0 * * * *", "minute: a step of 0"),
    ("5-1 * * * *", "minute: the range '5-1' runs backwards"),
    ("0 0 1 * 1", "day of month and day of week cannot both be set"),
    ("0 0 31 2 *", "day of month: '31' never happens in month '2'"),
    ("@daily", "1 fields"),
])
def test_errors_name_the_field(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match="^" + message.replace("*", r"\*")):
        parse(expression)


def test_extra_spaces_are_normalised() -> None:
    assert parse(" 0  5 * * * ").expression == "0 5 * * *"
