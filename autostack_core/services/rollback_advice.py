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

The roll-ups count a deployment's requests by the deployment that answered, on
any of its hostnames: for a production deployment that is mostly the time it
held the production alias, and also requests to its own deployment URL.
Crashes and restarts are not recorded per deployment, so they are not weighed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Environment,
    Project,
    TrafficRollup,
)
from autostack_core.services.analytics import percentile_ms

MIN_REQUESTS = 100
"""Below this many requests recorded, a deployment's error rate and p95 say too little."""
ERROR_STEP = 0.001
"""5xx shares closer than this (0.1 percentage point) rank as equal; p95 decides."""


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


def reason_of(requests: int, errors: int, p95_ms: float | None, created: str) -> str:
    if requests < MIN_REQUESTS:
        counted = f"{requests:,} request{'s' if requests != 1 else ''}"
        return f"not enough traffic to judge ({counted} recorded), deployed {created}"
    latency = f"p95 {p95_ms:g} ms" if p95_ms is not None else "no latency recorded"
    return (
        f"{percent(errors / requests)} 5xx and {latency} over {requests:,} requests "
        f"while it served, deployed {created}"
    )


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
    rows = await TrafficRollup.filter(
        deployment_id__in=[candidate.id for candidate in candidates], period="d"
    ).values("deployment_id", "requests", "status_5xx", "latency")
    requests: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latency: dict[str, Counter[str]] = {candidate.id: Counter() for candidate in candidates}
    for row in rows:
        requests[row["deployment_id"]] += row["requests"]
        errors[row["deployment_id"]] += row["status_5xx"]
        latency[row["deployment_id"]].update(
            {str(k): int(v) for k, v in (row["latency"] or {}).items()}
        )
    found = []
    for candidate in candidates:
        count, failed = requests[candidate.id], errors[candidate.id]
        p95 = percentile_ms(latency[candidate.id], 95)
        found.append(
            Suggestion(
                deployment=candidate,
                requests=count,
                errors=failed,
                p95_ms=p95,
                judged=count >= MIN_REQUESTS,
                reason=reason_of(count, failed, p95, ago(candidate.created_at, now)),
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
