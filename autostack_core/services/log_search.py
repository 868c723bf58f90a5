"""Searching a deployment's runtime logs: levels, filters, error groups and downloads.

What the dashboard's Logs and Errors tabs and the project logs API show. A runtime gives
lines with a replica (``source``), a stream and a text, and no level, so the level is
read from the line as a log viewer would: a JSON line's ``level``/``severity`` field, else
a level word near its start (``ERROR``, ``warn:``, ``[info]``), else the stream (stderr
is an error, as Vercel marks ``console.error``; ``system`` lines are the runtime's own
events). Errors are grouped by their message with the numbers and ids replaced by
placeholders, so ``user 41 not found`` and ``user 97 not found`` count as one error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from autostack_core.errors import ApiError
from autostack_core.interfaces.runtime import LogLine

LEVELS = ("error", "warning", "info")
"""The levels a line can have, most severe first."""

_WORDS = {
    "fatal": "error",
    "critical": "error",
    "crit": "error",
    "error": "error",
    "err": "error",
    "panic": "error",
    "exception": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "info",
    "notice": "info",
    "debug": "info",
    "trace": "info",
}
_LEVEL_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_LEVEL_SPAN = 40
"""Only a level word in the first characters counts: ``listening, 0 errors`` is no error."""
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

_PLACEHOLDERS = [
    (
        re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I),
        "<uuid>",
    ),
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<time>",
    ),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b(?=[0-9a-z]*\d)[0-9a-z]{12,}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", re.I), "<id>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
]


def level_of(line: LogLine) -> str:
    """The line's level: ``error``, ``warning`` or ``info`` (see the module docstring)."""
    text = line.text.lstrip()
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            value = record.get("level", record.get("severity"))
            if isinstance(value, str) and value.lower() in _WORDS:
                return _WORDS[value.lower()]
    found = _LEVEL_WORD.search(text[:_LEVEL_SPAN])
    if found:
        return _WORDS[found.group(1).lower()]
    if line.text.startswith("Traceback (most recent call last)"):
        return "error"
    return "error" if line.stream == "stderr" else "info"


def normalise(message: str) -> str:
    """``message`` with its numbers, times, uuids and hex or long ids as placeholders."""
    for pattern, placeholder in _PLACEHOLDERS:
        message = pattern.sub(placeholder, message)
    return " ".join(message.split())


def parse_time(name: str, value: str | None, now: datetime) -> datetime | None:
    """A time filter: ISO 8601 (UTC when no offset is given) or a duration back from
    ``now`` (``30s``, ``15m``, ``2h``, ``7d``). Raises a 422 naming ``name`` otherwise."""
    if not value:
        return None
    relative = _RELATIVE.match(value.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ApiError(
            422,
            f"{name}: give an ISO 8601 time or a duration such as 15m, 2h, 7d (got {value!r})",
            name,
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LogFilter:
    """Which lines to keep; an empty field keeps every line."""

    replica: str = ""
    level: str = ""
    text: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def from_query(cls, query: dict[str, str], now: datetime | None = None) -> LogFilter:
        """The filter of a request's query (``replica``, ``level``, ``q``, ``since``,
        ``until``); a bad value is a 422 naming its field."""
        now = now or datetime.now(UTC)
        level = query.get("level", "").strip().lower()
        if level and level not in LEVELS:
            raise ApiError(
                422, f"level: must be one of {', '.join(LEVELS)} (got {level!r})", "level"
            )
        since = parse_time("since", query.get("since"), now)
        until = parse_time("until", query.get("until"), now)
        if since and until and since > until:
            raise ApiError(422, "until: must be after since", "until")
        return cls(
            replica=query.get("replica", "").strip(),
            level=level,
            text=query.get("q", "").strip(),
            since=since,
            until=until,
        )

    def keeps(self, line: LogLine) -> bool:
        if self.replica and line.source != self.replica:
            return False
        if self.since and line.timestamp < self.since:
            return False
        if self.until and line.timestamp > self.until:
            return False
        if self.text and self.text.lower() not in line.text.lower():
            return False
        return not self.level or level_of(line) == self.level

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for download and live links)."""
        values = {
            "replica": self.replica,
            "level": self.level,
            "q": self.text,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in values.items() if value}


def line_record(line: LogLine) -> dict[str, Any]:
    """One line as the API, the NDJSON download and the live stream give it."""
    return {
        "timestamp": line.timestamp.isoformat(),
        "source": line.source,
        "stream": line.stream,
        "level": level_of(line),
        "line": line.text,
    }


def ndjson(lines: Iterable[LogLine]) -> str:
    return "".join(json.dumps(line_record(line)) + "\n" for line in lines)


def text(lines: Iterable[LogLine]) -> str:
    return "".join(
        f"{line.timestamp.isoformat()} {line.source} {level_of(line).upper()} {line.text}\n"
        for line in lines
    )


@dataclass
class ErrorGroup:
    """Error lines whose messages are the same once numbers and ids are placeholders."""

    message: str
    """The normalised message (the group's key)."""
    example: str
    """The latest line of the group, as written."""
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    replicas: set[str] = field(default_factory=set)

    def json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "example": self.example,
            "count": self.count,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "replicas": sorted(self.replicas),
        }


class ErrorGroups:
    """Error lines grouped by normalised message, added one at a time. A traceback's
    indented frames and its ``Traceback`` header are part of the error they precede, not
    errors of their own."""

    def __init__(self) -> None:
        self._groups: dict[str, ErrorGroup] = {}

    def add(self, line: LogLine) -> None:
        if (
            level_of(line) != "error"
            or not line.text.strip()
            or line.text[:1].isspace()
            or line.text.startswith("Traceback (most recent call last)")
        ):
            return
        key = normalise(line.text)
        group = self._groups.setdefault(key, ErrorGroup(message=key, example=line.text))
        group.count += 1
        group.example = line.text
        group.first_seen = min(group.first_seen or line.timestamp, line.timestamp)
        group.last_seen = max(group.last_seen or line.timestamp, line.timestamp)
        group.replicas.add(line.source)

    def ranked(self) -> list[ErrorGroup]:
        """The groups, the most frequent first."""
        return sorted(self._groups.values(), key=lambda group: (-group.count, group.message))


def error_groups(lines: Iterable[LogLine]) -> list[ErrorGroup]:
    """The error groups of ``lines``, the most frequent first (:class:`ErrorGroups`)."""
    groups = ErrorGroups()
    for line in lines:
        groups.add(line)
    return groups.ranked()
