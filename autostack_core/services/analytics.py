"""A project's (or one deployment's) analytics over a time range, from the roll-ups.

What the API and the dashboard's Analytics tab show: totals (requests,
bandwidth, status classes, p50/p95/p99 latency, visitors), a series per
minute, hour or day, the top paths, referrers and countries, and web vitals per page
(:mod:`.web_vitals`). Each range reads the coarsest roll-ups that still give
a useful chart (:data:`RANGES`), so 30 days read 30 rows per deployment.

Visitors are unique per day (the hash changes daily): a range's visitors is
the sum of its days' unique visitors, as in other privacy-friendly analytics.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.functions import Count

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    AnalyticsVisitor,
    Deployment,
    Project,
    TrafficRollup,
)
from autostack_core.services.analytics_ingest import LATENCY_BOUNDS_MS, PERIODS, top
from autostack_core.services.geography import UNKNOWN, country_name
from autostack_core.services.web_vitals import vitals_json

TOP_SHOWN = 10


@dataclass(frozen=True)
class Range:
    """A time range the API accepts, and the roll-up period its series uses."""

    name: str
    length: timedelta
    period: str


RANGES: dict[str, Range] = {
    r.name: r
    for r in (
        Range("1h", timedelta(hours=1), "m"),
        Range("24h", timedelta(days=1), "h"),
        Range("7d", timedelta(days=7), "h"),
        Range("30d", timedelta(days=30), "d"),
        Range("90d", timedelta(days=90), "d"),
    )
}
DEFAULT_RANGE = "24h"


def range_of(name: str | None) -> Range:
    """The :class:`Range` called ``name``; a 422 naming the field ``range`` if none."""
    chosen = RANGES.get(name or DEFAULT_RANGE)
    if chosen is None:
        raise ApiError(422, f"range must be one of {', '.join(RANGES)}, not {name!r}", "range")
    return chosen


def percentile_ms(histogram: Counter[str], percent: int) -> float | None:
    """The upper bound of the bucket holding the ``percent`` percentile (None: no request)."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, -(-total * percent // 100))
    seen = 0
    for index in sorted(histogram, key=int):
        seen += histogram[index]
        if seen >= rank:
            return LATENCY_BOUNDS_MS[int(index)]
    return LATENCY_BOUNDS_MS[-1]


async def analytics_json(
    project: Project,
    range_name: str | None,
    deployment_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The analytics of ``project`` (or of its deployment ``deployment_id``) over a range."""
    chosen = range_of(range_name)
    now = now or datetime.now(UTC)
    seconds = PERIODS[chosen.period]
    end = datetime.fromtimestamp(now.timestamp() - now.timestamp() % seconds, UTC)
    start = end - chosen.length + timedelta(seconds=seconds)
    scope: dict[str, Any] = {"project_id": project.id}
    if deployment_id is not None:
        scope["deployment_id"] = deployment_id
    rows = await TrafficRollup.filter(**scope, period=chosen.period, bucket__gte=start).values(
        "bucket",
        "requests",
        "bytes_sent",
        "status_2xx",
        "status_3xx",
        "status_4xx",
        "status_5xx",
        "latency",
        "paths",
        "referrers",
        "countries",
    )
    points: dict[datetime, dict[str, int]] = {}
    latency: Counter[str] = Counter()
    paths: Counter[str] = Counter()
    referrers: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for row in rows:
        point = points.setdefault(row["bucket"], {"requests": 0, "bytes": 0, "errors": 0})
        point["requests"] += row["requests"]
        point["bytes"] += row["bytes_sent"]
        point["errors"] += row["status_5xx"]
        for name in ("2xx", "3xx", "4xx", "5xx"):
            statuses[name] += row[f"status_{name}"]
        latency.update({str(k): int(v) for k, v in (row["latency"] or {}).items()})
        paths.update({str(k): int(v) for k, v in (row["paths"] or {}).items()})
        referrers.update({str(k): int(v) for k, v in (row["referrers"] or {}).items()})
        countries.update({str(k): int(v) for k, v in (row["countries"] or {}).items()})
    visitors = await _visitors(scope, chosen, start)
    series = []
    for index in range(int(chosen.length.total_seconds()) // seconds):
        bucket = start + timedelta(seconds=index * seconds)
        point = points.get(bucket, {"requests": 0, "bytes": 0, "errors": 0})
        series.append({"time": bucket.isoformat(), **point, "visitors": visitors.get(bucket)})
    requests = sum(point["requests"] for point in points.values())
    return {
        "range": chosen.name,
        "period": {"m": "minute", "h": "hour", "d": "day"}[chosen.period],
        "start": start.isoformat(),
        "end": (end + timedelta(seconds=seconds)).isoformat(),
        "deployment": deployment_id,
        "totals": {
            "requests": requests,
            "bytes": sum(point["bytes"] for point in points.values()),
            "visitors": await _daily_visitors(scope, start),
            "status": dict(statuses) if requests else {},
            "p50_ms": percentile_ms(latency, 50),
            "p95_ms": percentile_ms(latency, 95),
            "p99_ms": percentile_ms(latency, 99),
        },
        "series": series,
        "top_paths": [{"path": k, "requests": v} for k, v in top(dict(paths), TOP_SHOWN).items()],
        "top_referrers": [
            {"referrer": k, "requests": v} for k, v in top(dict(referrers), TOP_SHOWN).items()
        ],
        "top_countries": [
            {"country": None if code == UNKNOWN else code, "name": country_name(code),
             "requests": count}
            for code, count in top(dict(countries), TOP_SHOWN).items()
        ],
        "web_vitals": await vitals_json(project, start, deployment_id),
    }


async def _visitors(scope: dict[str, Any], chosen: Range, start: datetime) -> dict[datetime, int]:
    """Unique visitors per point of the series (hours and days only)."""
    if chosen.period == "m":
        return {}
    rows = (
        await AnalyticsVisitor.filter(**scope, period=chosen.period, bucket__gte=start)
        .annotate(n=Count("visitor", distinct=True))
        .group_by("bucket")
        .values("bucket", "n")
    )
    return {row["bucket"]: int(row["n"]) for row in rows}


async def _daily_visitors(scope: dict[str, Any], start: datetime) -> int:
    """The sum of each day's unique visitors since ``start`` (days begun before it count)."""
    day = datetime.fromtimestamp(start.timestamp() - start.timestamp() % 86400, UTC)
    rows = (
        await AnalyticsVisitor.filter(**scope, period="d", bucket__gte=day)
        .annotate(n=Count("visitor", distinct=True))
        .group_by("bucket")
        .values("bucket", "n")
    )
    return sum(int(row["n"]) for row in rows)


async def deployment_of_project(project: Project, deployment_id: str) -> bool:
    """Whether ``deployment_id`` names a deployment of ``project`` (deleted ones included)."""
    if len(deployment_id) > 16:
        return False
    return await Deployment.exists(id=deployment_id, project_id=project.id)
