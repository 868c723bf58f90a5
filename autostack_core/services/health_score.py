"""A project's health score: 0-100 from measured signals, each component explained.

Components (weight, sub-score 0-100):

* ``errors`` (30): the 5xx share of requests in the last 24 hours (hour roll-ups)
  against the project's own baseline, the 7 days before (day roll-ups); each
  percentage point above the baseline costs :data:`POINTS_PER_ERROR_POINT`.
* ``latency`` (20): p95 over the last 24 hours against the baseline's p95; 100 up
  to :data:`LATENCY_SLACK` times the baseline, 0 at :data:`LATENCY_WORST` times.
* ``uptime`` (30): the share of uptime checks that passed over 24 hours; 100 from
  :data:`UPTIME_FULL` percent, 0 at :data:`UPTIME_ZERO` percent.
* ``builds`` (10): the share of finished builds (ready or error) of the last 7 days
  that did not fail.
* ``certificates`` (10): the days left on the project's soonest-expiring domain
  certificate (``Domain.cert_expires_at``, which the domains plugin records); 100 from
  :data:`CERT_FULL_DAYS` days, 0 once expired. Not in the history: past certificates
  are not kept.

A component without enough data (fewer than :data:`MIN_REQUESTS` requests now or in
the baseline, no uptime checks, no finished build) is dropped and the remaining
weights are renormalized so they sum to 100%. Crash restarts are not scored: they are
not recorded per project.

History: the score of each of the last :data:`HISTORY_DAYS` days, from that day's
roll-up against the 7 days before, the share of the day covered by ``down``
incidents (counted only when the project has uptime checks in the last 30 days),
and the builds of the 7 days ending that day. Five queries in all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Domain,
    Project,
    TrafficRollup,
    UptimeIncident,
)
from autostack_core.services.analytics import percentile_ms
from autostack_core.services.uptime import uptime_percents

WEIGHTS = {"errors": 30, "latency": 20, "uptime": 30, "builds": 10, "certificates": 10}
MIN_REQUESTS = 100
"""Below this many requests (now, or in the baseline) error rate and p95 are not scored."""
POINTS_PER_ERROR_POINT = 20.0
LATENCY_SLACK, LATENCY_WORST = 1.1, 3.0
UPTIME_FULL, UPTIME_ZERO = 99.9, 95.0
CERT_FULL_DAYS = 14
BASELINE_DAYS = 7
HISTORY_DAYS = 30
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Component:
    """One measured signal: its weight, its 0-100 sub-score and why."""

    name: str
    weight: int
    score: float
    reason: str

    def as_json(self, total_weight: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "share": round(self.weight / total_weight, 4),
            "score": round(self.score, 1),
            "reason": self.reason,
        }


@dataclass
class Traffic:
    """Requests, 5xx and latency histogram summed over some roll-ups."""

    requests: int = 0
    errors: int = 0
    latency: Counter[str] | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.requests += int(row["requests"] or 0)
        self.errors += int(row["status_5xx"] or 0)
        self.latency = (self.latency or Counter()) + Counter(
            {str(k): int(v) for k, v in dict(row["latency"] or {}).items()}
        )

    @property
    def rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def p95(self) -> float | None:
        return percentile_ms(self.latency or Counter(), 95)


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def error_component(now: Traffic, baseline: Traffic) -> Component | None:
    if now.requests < MIN_REQUESTS or baseline.requests < MIN_REQUESTS:
        return None
    excess = max(0.0, now.rate - baseline.rate) * 100
    score = _clamp(100 - excess * POINTS_PER_ERROR_POINT)
    reason = (
        f"{now.rate:.2%} of {now.requests} requests answered 5xx, against {baseline.rate:.2%} "
        f"over the {BASELINE_DAYS} days before; each point above costs "
        f"{POINTS_PER_ERROR_POINT:g}"
    )
    return Component("errors", WEIGHTS["errors"], score, reason)


def latency_component(now: Traffic, baseline: Traffic) -> Component | None:
    current, usual = now.p95, baseline.p95
    if now.requests < MIN_REQUESTS or baseline.requests < MIN_REQUESTS or not current or not usual:
        return None
    ratio = current / usual
    score = _clamp(100 * (LATENCY_WORST - ratio) / (LATENCY_WORST - LATENCY_SLACK))
    reason = (
        f"p95 {current:g} ms against {usual:g} ms over the {BASELINE_DAYS} days before "
        f"({ratio:.2f}x); full marks up to {LATENCY_SLACK:g}x, none from {LATENCY_WORST:g}x"
    )
    return Component("latency", WEIGHTS["latency"], score, reason)


def uptime_component(percent: float | None, what: str) -> Component | None:
    if percent is None:
        return None
    score = _clamp(100 * (percent - UPTIME_ZERO) / (UPTIME_FULL - UPTIME_ZERO))
    reason = f"{percent:.2f}% {what}; full marks from {UPTIME_FULL:g}%, none at {UPTIME_ZERO:g}%"
    return Component("uptime", WEIGHTS["uptime"], score, reason)


def builds_component(states: list[str]) -> Component | None:
    finished = [s for s in states if s in (DeploymentState.READY, DeploymentState.ERROR)]
    if not finished:
        return None
    failed = finished.count(DeploymentState.ERROR)
    score = 100 * (len(finished) - failed) / len(finished)
    reason = f"{failed} of {len(finished)} builds in the last {BASELINE_DAYS} days failed"
    return Component("builds", WEIGHTS["builds"], score, reason)


def certificate_component(expiring: tuple[str, datetime] | None, now: datetime) -> Component | None:
    if expiring is None:
        return None
    name, expires = expiring
    days = (expires - now).total_seconds() / 86400
    score = _clamp(100 * days / CERT_FULL_DAYS)
    when = f"expires in {days:.0f} days" if days > 0 else "has expired"
    reason = (
        f"the certificate of {name} {when} ({expires.date().isoformat()}); "
        f"full marks from {CERT_FULL_DAYS} days left"
    )
    return Component("certificates", WEIGHTS["certificates"], score, reason)


def combined(components: Iterable[Component | None]) -> dict[str, Any]:
    """The weighted score of the components that had data (None: none had)."""
    kept = [c for c in components if c is not None]
    total = sum(c.weight for c in kept)
    if not total:
        return {"score": None, "components": [], "dropped": sorted(WEIGHTS)}
    score = sum(c.score * c.weight for c in kept) / total
    return {
        "score": round(score),
        "components": [c.as_json(total) for c in kept],
        "dropped": sorted(set(WEIGHTS) - {c.name for c in kept}),
    }


def _down_percent(incidents: list[UptimeIncident], start: datetime, now: datetime) -> float:
    """The share of ``start`` to ``start + 1 day`` (up to now) not covered by down incidents."""
    end = min(start + DAY, now)
    span = (end - start).total_seconds()
    down = 0.0
    for incident in incidents:
        began = max(_utc(incident.started_at), start)
        ended = min(_utc(incident.ended_at) if incident.ended_at else now, end)
        down += max(0.0, (ended - began).total_seconds())
    return 100.0 * (1 - min(down, span) / span) if span > 0 else 100.0


async def health(project: Project, now: datetime | None = None) -> dict[str, Any]:
    """The score now with its components, and one score per day for the history."""
    now = now or datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - (HISTORY_DAYS - 1) * DAY
    rows = await TrafficRollup.filter(
        Q(period="d", bucket__gte=first - BASELINE_DAYS * DAY)
        | Q(period="h", bucket__gte=now - DAY),
        project=project,
    ).values("period", "bucket", "requests", "status_5xx", "latency")
    builds = await Deployment.filter(
        project=project, created_at__gte=first - BASELINE_DAYS * DAY
    ).values("created_at", "state")
    incidents = await UptimeIncident.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=first), project=project, kind="down"
    )
    day_percent, month_percent = await uptime_percents(project, now)
    soonest = (
        await Domain.filter(project=project, cert_expires_at__isnull=False)
        .order_by("cert_expires_at")
        .first()
        .values("domain_name", "cert_expires_at")
    )
    expiring = (str(soonest["domain_name"]), _utc(soonest["cert_expires_at"])) if soonest else None

    days: dict[datetime, Traffic] = {}
    last_day = Traffic()
    for row in rows:
        if row["period"] == "h":
            last_day.add(row)
        else:
            days.setdefault(_utc(row["bucket"]), Traffic()).add(row)

    def baseline(before: datetime) -> Traffic:
        summed = Traffic()
        for day, traffic in days.items():
            if before - BASELINE_DAYS * DAY <= day < before:
                summed.requests += traffic.requests
                summed.errors += traffic.errors
                summed.latency = (summed.latency or Counter()) + (traffic.latency or Counter())
        return summed

    def states(until: datetime) -> list[str]:
        return [
            str(b["state"])
            for b in builds
            if until - BASELINE_DAYS * DAY <= _utc(b["created_at"]) < until
        ]

    usual = baseline(today)
    current = combined(
        [
            error_component(last_day, usual),
            latency_component(last_day, usual),
            uptime_component(day_percent, "of uptime checks passed in the last 24 hours"),
            builds_component(states(now + timedelta(seconds=1))),
            certificate_component(expiring, now),
        ]
    )
    history = []
    for index in range(HISTORY_DAYS):
        day = first + index * DAY
        traffic, before = days.get(day, Traffic()), baseline(day)
        up = None
        if month_percent is not None:
            up = _down_percent(incidents, day, now)
        scored = combined(
            [
                error_component(traffic, before),
                latency_component(traffic, before),
                uptime_component(up, "of the day without a down incident"),
                builds_component(states(min(day + DAY, now + timedelta(seconds=1)))),
            ]
        )
        history.append({"day": day.date().isoformat(), "score": scored["score"]})
    return {**current, "weights": WEIGHTS, "history": history}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sparkline(history: list[dict[str, Any]], width: int = 300, height: int = 40) -> str:
    """The SVG polyline points of the history's scores (days without a score skipped)."""
    step = width / max(1, len(history) - 1)
    return " ".join(
        f"{index * step:.1f},{height - entry['score'] * height / 100:.1f}"
        for index, entry in enumerate(history)
        if entry["score"] is not None
    )
