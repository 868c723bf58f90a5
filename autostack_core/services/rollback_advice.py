"""Smart rollback: the earlier production deployments, ranked by what they measured.

For a project, the candidates are its ready production deployments that are not
deleted and do not serve production now (what ``POST .../rollback`` may move
production back to). Each is judged on the edge's roll-ups of its own requests
(``traffic_rollups``, day rows, kept ``AUTOSTACK_ANALYTICS_RETENTION_DAYS``):
the share of 5xx answers first (in steps of :data:`ERROR_STEP`, so 0.01% against
0.04% does not outweigh a p95 of 2 s against 50 ms), then the p95 latency. A deployment
with fewer
than :data:`MIN_REQUESTS` requests recorded is listed after the judged ones,
newest first, as "not enough traffic to judge".

"While it served" is read from the audit log: every production move (deploy,
promote, rollback, rolling release) goes through ``deployments.promote``, which
records ``deployment.promoted`` or ``deployment.rolled_back`` with the deployment
now in production; a deployment served from such an event to the next. Within those
windows its hour roll-ups are summed (day roll-ups for windows older than the hour
rows' 30 days). A deployment with no recorded window (the audit log pruned) is
judged on all its day roll-ups, and its reason says "recorded" instead.
Crashes and restarts are not recorded per deployment, so they are not weighed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from autostack_core.infrastructure.models import (
    AuditEvent,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    TrafficRollup,
)
from autostack_core.services.analytics import percentile_ms
from autostack_core.services.analytics_ingest import PERIODS

MIN_REQUESTS = 100
"""Below this many requests recorded, a deployment's error rate and p95 say too little."""
ERROR_STEP = 0.001
"""5xx shares closer than this (0.1 percentage point) rank as equal; p95 decides."""
HOURS_KEPT = timedelta(days=30)
"""Hour roll-ups are kept at most 31 days: older windows are read from day roll-ups."""
MOVES = ("deployment.promoted", "deployment.rolled_back")

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Suggestion:
    """One candidate deployment, what it measured and why it ranks where it does."""

    deployment: Deployment
    requests: int
    errors: int
    p95_ms: float | None
    judged: bool
    reason: str

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    def as_json(self) -> dict[str, object]:
        return {
            "deployment": self.deployment.id,
            "url": self.deployment.deployment_url,
            "created_at": self.deployment.created_at.isoformat(),
            "commit_sha": self.deployment.commit_sha,
            "requests": self.requests,
            "status_5xx": self.errors,
            "error_rate": self.error_rate,
            "p95_ms": self.p95_ms,
            "judged": self.judged,
            "reason": self.reason,
        }


def ago(when: datetime, now: datetime) -> str:
    """``when`` in words relative to ``now``: "just now", "5 minutes ago", "3 days ago"."""
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def percent(rate: float) -> str:
    """A 5xx share as people read it: "0%", "0.1%", "12.5%"."""
    shown = f"{rate * 100:.2f}".rstrip("0").rstrip(".")
    return f"{shown}%"


def reason_of(requests: int, errors: int, p95_ms: float | None, scope: str, when: str) -> str:
    """Why a deployment ranks where it does: what it measured over ``scope`` ("while it
    served", "recorded"), then ``when`` ("until 3 days ago")."""
    if requests < MIN_REQUESTS:
        counted = f"{requests:,} request{'s' if requests != 1 else ''}"
        return f"not enough traffic to judge ({counted} {scope}), {when}"
    latency = f"p95 {p95_ms:g} ms" if p95_ms is not None else "no latency recorded"
    return (
        f"{percent(errors / requests)} 5xx and {latency} over {requests:,} requests {scope}, {when}"
    )


async def served_windows(project: Project, now: datetime) -> dict[str, list[Window]]:
    """When each deployment served the project's production, from the audit log's moves."""
    events = (
        await AuditEvent.filter(
            team_id=project.team_id,  # type: ignore[attr-defined]
            project=project.name,
            action__in=MOVES,
        )
        .order_by("created_at", "id")
        .values("created_at", "after")
    )
    windows: dict[str, list[Window]] = defaultdict(list)
    for number, event in enumerate(events):
        served = (event["after"] or {}).get("production")
        if served:
            end = events[number + 1]["created_at"] if number + 1 < len(events) else now
            windows[str(served)].append((event["created_at"], end))
    return windows


def within(bucket: datetime, period: str, windows: list[Window]) -> bool:
    """Whether the roll-up row of ``bucket`` falls in one of ``windows``."""
    seconds = PERIODS[period]
    at = bucket.timestamp()
    return any(
        start.timestamp() - start.timestamp() % seconds <= at < end.timestamp()
        for start, end in windows
    )


async def measured(
    candidates: list[Deployment], windows: dict[str, list[Window]], now: datetime
) -> dict[str, list[dict[str, Any]]]:
    """The roll-up rows that judge each candidate: hour rows within its windows when they
    are all younger than :data:`HOURS_KEPT`, else day rows (within its windows if any)."""
    by_hour = {
        c.id for c in candidates if windows.get(c.id) and min(windows[c.id])[0] > now - HOURS_KEPT
    }
    fields = ("deployment_id", "period", "bucket", "requests", "status_5xx", "latency")
    rows = await TrafficRollup.filter(
        deployment_id__in=[c.id for c in candidates if c.id not in by_hour], period="d"
    ).values(*fields)
    if by_hour:
        oldest = min(min(windows[id_])[0] for id_ in by_hour) - timedelta(hours=1)
        rows += await TrafficRollup.filter(
            deployment_id__in=list(by_hour), period="h", bucket__gte=oldest
        ).values(*fields)
    kept: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        served = windows.get(row["deployment_id"])
        if not served or within(row["bucket"], row["period"], served):
            kept[row["deployment_id"]].append(row)
    return kept


async def suggestions(
    project: Project, current: Deployment | None, now: datetime | None = None
) -> list[Suggestion]:
    """The earlier production deployments of ``project`` (all but ``current``), best first."""
    now = now or datetime.now(UTC)
    query = Deployment.filter(
        project=project,
        target=Environment.PRODUCTION,
        state=DeploymentState.READY,
        deleted_at__isnull=True,
    )
    if current is not None:
        query = query.exclude(id=current.id)
    candidates = await query.order_by("-created_at").only(
        "id", "deployment_url", "created_at", "commit_sha"
    )
    if not candidates:
        return []
    windows = await served_windows(project, now)
    rows = await measured(candidates, windows, now)
    found = []
    for candidate in candidates:
        mine = rows.get(candidate.id, [])
        count, failed = sum(r["requests"] for r in mine), sum(r["status_5xx"] for r in mine)
        latency: Counter[str] = Counter()
        for row in mine:
            latency.update({str(k): int(v) for k, v in (row["latency"] or {}).items()})
        p95 = percentile_ms(latency, 95)
        served = windows.get(candidate.id)
        scope, when = (
            ("while it served", f"until {ago(max(end for _, end in served), now)}")
            if served
            else ("recorded", f"deployed {ago(candidate.created_at, now)}")
        )
        found.append(
            Suggestion(
                deployment=candidate,
                requests=count,
                errors=failed,
                p95_ms=p95,
                judged=count >= MIN_REQUESTS,
                reason=reason_of(count, failed, p95, scope, when),
            )
        )
    # Judged ones first, by 5xx share then p95; the rest keep newest-first order (stable sort).
    return sorted(found, key=rank)


def rank(suggestion: Suggestion) -> tuple[int, int, float]:
    """Sort key: judged first, then the 5xx share in :data:`ERROR_STEP` steps, then p95."""
    if not suggestion.judged:
        return (1, 0, 0.0)
    step = int(suggestion.errors / suggestion.requests / ERROR_STEP)
    return (0, step, suggestion.p95_ms or 0.0)
