"""Edge requests into analytics roll-ups: per deployment, per minute, hour and day.

An edge plugin reads its own log and hands :func:`ingest` the requests as
:class:`RequestRecord` s, with the position it read up to (a :class:`Cursor`).
The roll-ups and the cursor's new position are written in one transaction
whose first statement moves the cursor only if it is still where this reader
found it: a second worker that read the same lines moves nothing and writes
nothing, so no request is counted twice.

Latencies go into a histogram of fixed, geometrically spaced buckets
(:data:`LATENCY_BOUNDS_MS`), so rows add up and any range's percentiles come
from the summed histogram (within the 25% width of a bucket). Per-path,
per-referrer and per-country counts keep the :data:`TOP_KEPT` largest per row;
a request's country comes from its address through an offline database
(:mod:`.geography`), loopback and private addresses count as ``unknown``.

Visitors: a hash of the day's salt, the project, the address and the user
agent (:func:`visitor_hash`); no cookie, and the salt is deleted once its
day is over (:func:`prune`), so hashes cannot be linked across days. A line
logged on a day whose salt is already gone counts as a request, not a visitor.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from autostack_core.infrastructure.models import (
    AnalyticsCursor,
    AnalyticsSalt,
    AnalyticsVisitor,
    Deployment,
    TrafficRollup,
    WebVital,
)
from autostack_core.services import geography

PERIODS: dict[str, int] = {"m": 60, "h": 3600, "d": 86400}
"""Roll-up periods and their length in seconds."""
LATENCY_BOUNDS_MS: tuple[float, ...] = tuple(round(0.5 * 1.25**i, 3) for i in range(56))
"""Upper bounds of the latency buckets, 0.5 ms to about 130 s; slower goes in the last."""
TOP_KEPT = 50
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MINUTE_ROWS_KEPT = timedelta(days=2)
HOUR_ROWS_KEPT = timedelta(days=31)


@dataclass(frozen=True)
class RequestRecord:
    """One request the edge answered, as an edge plugin read it from its log."""

    deployment_id: str
    timestamp: float
    path: str
    status: int
    bytes_sent: int
    duration_ms: float
    referrer_host: str = ""
    """The referring page's host when it is another site's, else empty."""
    address: str = ""
    user_agent: str = ""
    function: bool = False
    """Whether a function or server app answered it (not a static file)."""


@dataclass(frozen=True)
class Cursor:
    """Where a reader of ``source`` started (``inode``, ``offset``) and where it stopped."""

    source: str
    inode: int
    offset: int
    next_inode: int
    next_offset: int


@dataclass
class Tally:
    """One roll-up row's figures before they are added to the stored row."""

    requests: int = 0
    function_invocations: int = 0
    bytes_sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latency: Counter[str] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)
    referrers: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Tally) -> None:
        self.requests += other.requests
        self.function_invocations += other.function_invocations
        self.bytes_sent += other.bytes_sent
        for mine, theirs in (
            (self.statuses, other.statuses),
            (self.latency, other.latency),
            (self.paths, other.paths),
            (self.referrers, other.referrers),
            (self.countries, other.countries),
        ):
            mine.update(theirs)

    def add(self, record: RequestRecord) -> None:
        self.requests += 1
        self.function_invocations += record.function
        self.bytes_sent += max(0, record.bytes_sent)
        self.statuses[status_class(record.status)] += 1
        self.latency[str(latency_bucket(record.duration_ms))] += 1
        self.paths[record.path] += 1
        if record.referrer_host:
            self.referrers[record.referrer_host] += 1
        self.countries[geography.country_of(record.address)] += 1


def status_class(status: int) -> str:
    """``"2xx"`` to ``"5xx"`` (1xx counts with 2xx, anything odd with 5xx)."""
    first = status // 100
    return f"{min(max(first, 2), 5)}xx"


def latency_bucket(duration_ms: float) -> int:
    """The index of the first bound of :data:`LATENCY_BOUNDS_MS` not below ``duration_ms``."""
    if duration_ms <= LATENCY_BOUNDS_MS[0]:
        return 0
    index = math.ceil(math.log(duration_ms / LATENCY_BOUNDS_MS[0], 1.25) - 1e-9)
    return min(index, len(LATENCY_BOUNDS_MS) - 1)


def visitor_hash(salt: str, project_id: int, address: str, user_agent: str) -> str:
    """A visitor's hash for one day and project: nothing to link it to another."""
    text = f"{salt}\n{project_id}\n{address}\n{user_agent}".encode()
    return hashlib.sha256(text).hexdigest()[:32]


def top(counts: dict[str, int], kept: int = TOP_KEPT) -> dict[str, int]:
    """The ``kept`` largest counts (ties by name, so every worker keeps the same)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return dict(ordered[:kept])


def merged(stored: dict[str, Any], added: Counter[str]) -> dict[str, int]:
    total = Counter({str(key): int(value) for key, value in stored.items()})
    total.update(added)
    return dict(total)


async def salt_of(day: date) -> str:
    """The salt of ``day`` (UTC), made by whichever worker asks first."""
    row = await AnalyticsSalt.get_or_none(day=day)
    if row is None:
        try:
            row = await AnalyticsSalt.create(day=day, salt=secrets.token_hex(32))
        except IntegrityError:
            row = await AnalyticsSalt.get(day=day)
    return row.salt


async def cursor_of(source: str) -> tuple[int, int]:
    """Where the last reader of ``source`` stopped: ``(inode, offset)``, ``(0, 0)`` at first."""
    row = await AnalyticsCursor.get_or_none(source=source)
    return (row.inode, row.offset) if row else (0, 0)


async def _claim(cursor: Cursor) -> bool:
    """Move ``cursor`` if nobody moved it since it was read (in the caller's transaction)."""
    moved = await AnalyticsCursor.filter(
        source=cursor.source,
        inode=cursor.inode,
        offset=cursor.offset,
    ).update(inode=cursor.next_inode, offset=cursor.next_offset, updated_at=datetime.now(UTC))
    if moved:
        return True
    if (
        cursor.inode == 0
        and cursor.offset == 0
        and not await AnalyticsCursor.exists(source=cursor.source)
    ):
        await AnalyticsCursor.create(
            source=cursor.source, inode=cursor.next_inode, offset=cursor.next_offset
        )
        return True
    return False


async def ingest(records: list[RequestRecord], cursor: Cursor) -> bool:
    """Add ``records`` to the roll-ups and move ``cursor``; False if another reader did.

    Records of deployments that no longer exist are dropped.
    """
    ids = {record.deployment_id for record in records}
    if records:
        await asyncio.to_thread(geography.load)  # once per process, off the event loop
    projects = (
        dict(await Deployment.filter(id__in=ids).values_list("id", "project_id")) if ids else {}
    )
    minutes: dict[tuple[str, int], Tally] = {}
    hourly: dict[tuple[str, int], set[str]] = {}
    salts: dict[int, str | None] = {}
    hashes: dict[tuple[str, str, str], str] = {}
    today = int(time.time()) // 86400
    for record in records:
        project_id = projects.get(record.deployment_id)
        if project_id is None:
            continue
        second = int(record.timestamp)
        minute = (record.deployment_id, second - second % 60)
        tally = minutes.get(minute)
        if tally is None:
            tally = minutes[minute] = Tally()
        tally.add(record)
        day = second // 86400
        if day not in salts:
            salts[day] = (
                await salt_of(date.fromordinal(EPOCH_ORDINAL + day)) if day == today else None
            )
        salt = salts[day]
        if salt is None or not (record.address or record.user_agent):
            continue
        who = (record.deployment_id, record.address, record.user_agent)
        visitor = hashes.get(who)
        if visitor is None:
            visitor = hashes[who] = visitor_hash(
                salt, project_id, record.address, record.user_agent
            )
        hourly.setdefault((record.deployment_id, second - second % 3600), set()).add(visitor)
    # Hours and days are the sums of their minutes (one pass over the records, not three).
    tallies: dict[tuple[str, str, datetime], Tally] = {}
    for (deployment_id, start), tally in minutes.items():
        for period, seconds in PERIODS.items():
            key = (deployment_id, period, datetime.fromtimestamp(start - start % seconds, UTC))
            tallies.setdefault(key, Tally()).merge(tally)
    visitors: set[tuple[str, str, datetime, str]] = set()
    for (deployment_id, start), seen in hourly.items():
        hour = datetime.fromtimestamp(start, UTC)
        midnight = datetime.fromtimestamp(start - start % 86400, UTC)
        for visitor in seen:
            visitors.add((deployment_id, "h", hour, visitor))
            visitors.add((deployment_id, "d", midnight, visitor))
    try:
        async with in_transaction():
            if not await _claim(cursor):
                return False
            for (deployment_id, period, bucket), tally in sorted(tallies.items()):
                await _add(projects[deployment_id], deployment_id, period, bucket, tally)
            await AnalyticsVisitor.bulk_create(
                [
                    AnalyticsVisitor(
                        project_id=projects[deployment_id],
                        deployment_id=deployment_id,
                        period=period,
                        bucket=bucket,
                        visitor=visitor,
                    )
                    for deployment_id, period, bucket, visitor in sorted(visitors)
                ],
                ignore_conflicts=True,
                batch_size=500,
            )
    except IntegrityError:
        return False  # another reader created the cursor or a row first: it counts these
    return True


async def _add(
    project_id: int, deployment_id: str, period: str, bucket: datetime, tally: Tally
) -> None:
    row = await TrafficRollup.get_or_none(deployment_id=deployment_id, period=period, bucket=bucket)
    if row is None:
        row = TrafficRollup(
            project_id=project_id,
            deployment_id=deployment_id,
            period=period,
            bucket=bucket,
            latency={},
            paths={},
            referrers={},
            countries={},
        )
    row.requests += tally.requests
    row.function_invocations += tally.function_invocations
    row.bytes_sent += tally.bytes_sent
    row.status_2xx += tally.statuses["2xx"]
    row.status_3xx += tally.statuses["3xx"]
    row.status_4xx += tally.statuses["4xx"]
    row.status_5xx += tally.statuses["5xx"]
    row.latency = merged(row.latency or {}, tally.latency)
    row.paths = top(merged(row.paths or {}, tally.paths))
    row.referrers = top(merged(row.referrers or {}, tally.referrers))
    row.countries = top(merged(row.countries or {}, tally.countries))
    await row.save()


async def prune(retention_days: int, now: datetime | None = None) -> int:
    """Forget roll-ups, visitors and vitals past their keeping, and past days' salts.

    Minute rows are kept :data:`MINUTE_ROWS_KEPT`, hour rows the shorter of
    :data:`HOUR_ROWS_KEPT` and ``retention_days``, day rows, visitors of a day and
    web vitals ``retention_days``. Returns how many rows went.
    """
    now = now or datetime.now(UTC)
    keep = timedelta(days=max(1, retention_days))
    cutoffs = {"m": MINUTE_ROWS_KEPT, "h": min(HOUR_ROWS_KEPT, keep), "d": keep}
    removed = 0
    for period, kept in cutoffs.items():
        removed += await TrafficRollup.filter(period=period, bucket__lt=now - kept).delete()
        removed += await AnalyticsVisitor.filter(period=period, bucket__lt=now - kept).delete()
    removed += await WebVital.filter(created_at__lt=now - keep).delete()
    removed += await AnalyticsSalt.filter(day__lt=now.date()).delete()
    return removed
