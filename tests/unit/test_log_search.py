"""Runtime log search: levels read from lines, filters, error groups with numbers and ids
as placeholders, and the downloads' formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from autostack_core.errors import ApiError
from autostack_core.interfaces.runtime import LogLine
from autostack_core.services.log_search import (
    LogFilter,
    error_groups,
    level_of,
    ndjson,
    normalise,
    text,
)

START = datetime(2026, 12, 1, 10, tzinfo=UTC)


def line(text: str, stream: str = "stdout", source: str = "server-0", at: int = 0) -> LogLine:
    return LogLine(timestamp=START + timedelta(seconds=at), source=source, text=text, stream=stream)


@pytest.mark.parametrize(
    "written, stream, level",
    [
        ("listening on 3000", "stdout", "info"),
        ("something odd", "stderr", "error"),
        ("ERROR: database is down", "stdout", "error"),
        ("[warn] slow query 3s", "stdout", "warning"),
        ("2026-12-01 10:00:00 WARNING disk at 91%", "stderr", "warning"),
        ("INFO request served", "stderr", "info"),
        ('{"level": "error", "msg": "boom"}', "stdout", "error"),
        ('{"severity": "WARNING", "msg": "slow"}', "stdout", "warning"),
        ("served 200 requests, 0 errors in the last minute since start up", "stdout", "info"),
        ("Traceback (most recent call last):", "stdout", "error"),
    ],
)
def test_the_level_is_read_from_the_line_then_its_stream(
    written: str, stream: str, level: str
) -> None:
    assert level_of(line(written, stream)) == level


def test_numbers_ids_and_times_become_placeholders() -> None:
    assert normalise("user 41 not found") == normalise("user 97 not found") == "user <n> not found"
    assert (
        normalise("order 3fa85f64-5717-4562-b3fc-2c963f66afa6 failed after 1.5s")
        == "order <uuid> failed after <n>s"
    )
    assert (
        normalise("at 2026-12-01T10:00:00.123Z id a1b2c3d4e5f6a7b8 ptr 0xdeadbeef")
        == "at <time> id <id> ptr <hex>"
    )
    assert normalise("KeyError: 'price'") == "KeyError: 'price'"


def test_errors_group_by_message_most_frequent_first() -> None:
    lines = [
        line("ERROR user 41 not found", at=1, source="server-0"),
        line("ERROR user 97 not found", at=2, source="server-1"),
        line("Traceback (most recent call last):", "stderr", at=3),
        line('  File "app.py", line 9, in handler', "stderr", at=3),
        line("ZeroDivisionError: division by zero", "stderr", at=3),
        line("ERROR user 5 not found", at=4),
        line("all good", at=5),
    ]
    groups = error_groups(lines)
    assert [(group.message, group.count) for group in groups] == [
        ("ERROR user <n> not found", 3),
        ("ZeroDivisionError: division by zero", 1),
    ]
    assert groups[0].example == "ERROR user 5 not found"
    assert groups[0].replicas == {"server-0", "server-1"}
    assert (groups[0].first_seen, groups[0].last_seen) == (
        START + timedelta(seconds=1),
        START + timedelta(seconds=4),
    )


def test_filters_keep_by_replica_level_text_and_time() -> None:
    lines = [
        line("GET /a", source="server-0", at=0),
        line("GET /b", source="server-1", at=60),
        line("ERROR boom", source="server-1", at=120),
    ]
    now = START + timedelta(seconds=150)

    def kept(**query: str) -> list[str]:
        wanted = LogFilter.from_query(query, now=now)
        return [item.text for item in lines if wanted.keeps(item)]

    assert kept(replica="server-1") == ["GET /b", "ERROR boom"]
    assert kept(level="error") == ["ERROR boom"]
    assert kept(q="get /") == ["GET /a", "GET /b"]
    assert kept(since="2m") == ["GET /b", "ERROR boom"]
    assert kept(since="2026-12-01T10:00:30", until="2026-12-01T10:01:30Z") == ["GET /b"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"level": "loud"}, "level"),
        ({"since": "yesterday"}, "since"),
        ({"until": "5 minutes"}, "until"),
        ({"since": "1h", "until": "2h"}, "until"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(query: dict[str, str], field: str) -> None:
    with pytest.raises(ApiError) as refused:
        LogFilter.from_query(query)
    assert (refused.value.status, refused.value.field) == (422, field)


def test_downloads_are_ndjson_and_text_with_levels() -> None:
    lines = [line("hello"), line("oops", "stderr", source="server-1", at=1)]
    records = [json.loads(row) for row in ndjson(lines).splitlines()]
    assert records[1] == {
        "timestamp": "2026-12-01T10:00:01+00:00",
        "source": "server-1",
        "stream": "stderr",
        "level": "error",
        "line": "oops",
    }
    assert text(lines).splitlines() == [
        "2026-12-01T10:00:00+00:00 server-0 INFO hello",
        "2026-12-01T10:00:01+00:00 server-1 ERROR oops",
    ]
