"""What a team used, per project, per UTC day and month: the figures plans limit and bill.

Nothing here is a new meter; each figure comes from where it is measured:

* build minutes: each deployment's build time as the pipeline measured it
  (``Deployment.build_time_seconds``, counted on the day its build started);
* bandwidth, requests and function invocations: the edge's access log as
  the analytics roll-ups hold it (``TrafficRollup``, day rows: every byte
  the edge sent; an invocation is a request a function or server app
  answered, not a static file);
* CPU seconds: what the runtime measured of the running deployments
  (``UsageDay``, :mod:`.usage`);
* storage: the team's distinct stored files (``TeamBlob``, :mod:`.team_files`),
  a team-wide figure: now, and each day's peak as sampled (:mod:`.storage_usage`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Deployment,
    Project,
    TrafficRollup,
    UsageDay,
)
from autostack_core.services import storage_usage, team_files

FIGURES = ("build_minutes", "bandwidth_bytes", "requests", "function_invocations",
           "cpu_seconds")
"""The figures per project and day (storage is the team's, now)."""
SHOWN_MONTHS = 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def moment(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def parse_month(text: str | None, today: date | None = None) -> date:
    """``YYYY-MM`` as its first day (422 naming ``month`` otherwise); None: this month."""
    if not text:
        return month_start(today or datetime.now(UTC).date())
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise ApiError(422, f"month: give a month as YYYY-MM, not {text!r}", "month") from error


async def build_seconds(team_id: int, since: datetime, until: datetime | None = None) -> float:
    """The build time of the team's deployments whose build started in [since, until)."""
    query = Deployment.filter(project__team_id=team_id, building_at__gte=since,
                              build_time_seconds__isnull=False)
    if until is not None:
        query = query.filter(building_at__lt=until)
    times: list[Any] = await query.values_list("build_time_seconds", flat=True)
    return float(sum(float(value) for value in times))


async def bandwidth_bytes(team_id: int, since: datetime) -> int:
    """Bytes the edge sent for the team's projects since ``since`` (a day's start)."""
    sent: list[Any] = await TrafficRollup.filter(
        project__team_id=team_id, period="d", bucket__gte=since).values_list("bytes_sent",
                                                                             flat=True)
    return int(sum(int(value) for value in sent))


async def per_project_day(team_id: int, first: date, end: date
                          ) -> dict[tuple[str, date], dict[str, float]]:
    """``{(project, day): {figure: value}}`` for the days in [first, end)."""
    names = dict(await Project.filter(team_id=team_id).values_list("id", "name"))
    table: dict[tuple[str, date], dict[str, float]] = {}

    def cell(project_id: int, day: date) -> dict[str, float]:
        key = (str(names.get(project_id, project_id)), day)
        return table.setdefault(key, dict.fromkeys(FIGURES, 0.0))

    builds = await Deployment.filter(project__team_id=team_id, building_at__gte=moment(first),
                                     building_at__lt=moment(end),
                                     build_time_seconds__isnull=False) \
        .values_list("project_id", "building_at", "build_time_seconds")
    for project_id, started, seconds in builds:
        cell(project_id, started.astimezone(UTC).date())["build_minutes"] += float(seconds) / 60
    traffic = await TrafficRollup.filter(project__team_id=team_id, period="d",
                                         bucket__gte=moment(first), bucket__lt=moment(end)) \
        .values_list("project_id", "bucket", "bytes_sent", "requests", "function_invocations")
    for project_id, bucket, sent, requests, invocations in traffic:
        figures = cell(project_id, bucket.astimezone(UTC).date())
        figures["bandwidth_bytes"] += int(sent)
        figures["requests"] += int(requests)
        figures["function_invocations"] += int(invocations)
    measured = await UsageDay.filter(project__team_id=team_id, day__gte=first, day__lt=end) \
        .values_list("project_id", "day", "cpu_seconds")
    for project_id, day, cpu in measured:
        cell(project_id, day)["cpu_seconds"] += float(cpu)
    return table


def _rounded(figures: dict[str, float]) -> dict[str, Any]:
    return {"build_minutes": round(figures["build_minutes"], 2),
            "bandwidth_bytes": int(figures["bandwidth_bytes"]),
            "requests": int(figures["requests"]),
            "cpu_seconds": round(figures["cpu_seconds"], 3),
            "function_invocations": int(figures["function_invocations"])}


def _sum(rows: list[dict[str, float]]) -> dict[str, float]:
    total = dict.fromkeys(FIGURES, 0.0)
    for row in rows:
        for figure in FIGURES:
            total[figure] += row[figure]
    return total


async def month_usage(team_id: int, month: date) -> dict[str, Any]:
    """The team's usage in ``month``: its total, per project, per day (with the day's
    storage), the month's storage peak, and the storage now."""
    table = await per_project_day(team_id, month, next_month(month))
    stored = await storage_usage.peaks(team_id, month, next_month(month))
    projects: dict[str, list[dict[str, float]]] = {}
    days: dict[date, list[dict[str, float]]] = {day: [] for day in stored}
    for (project, day), figures in table.items():
        projects.setdefault(project, []).append(figures)
        days.setdefault(day, []).append(figures)
    return {
        "month": month.strftime("%Y-%m"),
        "total": _rounded(_sum(list(table.values()))),
        "storage_bytes": await team_files.stored_bytes(team_id),
        "storage_peak_bytes": max(stored.values(), default=0),
        "projects": [{"project": name, **_rounded(_sum(rows))}
                     for name, rows in sorted(projects.items())],
        "days": [{"day": day.isoformat(), **_rounded(_sum(rows)),
                  "storage_bytes": stored.get(day)}
                 for day, rows in sorted(days.items(), reverse=True)],
    }


async def months_usage(team_id: int, last: date, count: int = SHOWN_MONTHS
                       ) -> list[dict[str, Any]]:
    """The team's totals of the ``count`` months up to ``last``'s, newest first."""
    first = month_start(last)
    for _ in range(count - 1):
        first = month_start(first - timedelta(days=1))
    table = await per_project_day(team_id, first, next_month(last))
    stored = await storage_usage.peaks(team_id, first, next_month(last))
    months: dict[str, list[dict[str, float]]] = {day.strftime("%Y-%m"): [] for day in stored}
    peaks: dict[str, int] = {}
    for day, peak in stored.items():
        key = day.strftime("%Y-%m")
        peaks[key] = max(peaks.get(key, 0), peak)
    for (_, day), figures in table.items():
        months.setdefault(day.strftime("%Y-%m"), []).append(figures)
    return [{"month": key, **_rounded(_sum(rows)), "storage_peak_bytes": peaks.get(key, 0)}
            for key, rows in sorted(months.items(), reverse=True)]
