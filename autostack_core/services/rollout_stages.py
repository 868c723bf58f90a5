"""The stage machine of a rolling release, apart from the database and the edge.

A rolling release sends a growing share of production traffic to a new
deployment, stage by stage, as Vercel's rolling releases do: each stage has
a percent (1-99) and either a duration, after which the watcher moves on, or
none, and then it waits for someone to approve it. After the last stage the
new deployment is promoted: 100%, an ordinary alias.

While it runs, the new deployment's answers are checked against thresholds
(:func:`breach`): its 5xx rate and 95th percentile answer time over the
current stage, and its 5xx count over the whole rollout (the failure budget).
Any breach aborts it. Rates and percentiles wait for :data:`MIN_REQUESTS`
answers, so one early error is no 100% error rate; the budget counts from
the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autostack_core.errors import ApiError
from autostack_core.interfaces.edge import TrafficCount

MAX_STAGES = 10
MIN_REQUESTS = 10
"""Answers of the new deployment in a stage before its 5xx rate and p95 are judged."""
DEFAULT_STAGES: tuple[tuple[int, float | None], ...] = ((5, 600.0), (25, 600.0))
"""5% for 10 minutes, 25% for 10 minutes, then 100%."""
DEFAULT_MAX_ERROR_RATE = 5.0
DEFAULT_FAILURE_BUDGET = 100


@dataclass(frozen=True)
class Stage:
    percent: int
    """The new deployment's share of production traffic during the stage."""
    seconds: float | None
    """How long the stage lasts; None: until someone approves it."""

    def as_json(self) -> dict[str, Any]:
        return {"percent": self.percent, "seconds": self.seconds}


@dataclass(frozen=True)
class Thresholds:
    max_error_rate: float
    """Percent of the new deployment's answers in a stage that may be 5xx."""
    max_p95_ms: int | None
    """The new deployment's highest allowed 95th percentile answer time (None: not checked)."""
    failure_budget: int
    """5xx answers of the new deployment that abort the rollout at the latest."""


def parse_stages(raw: list[tuple[int, float | None]]) -> list[Stage]:
    """Check ``(percent, seconds)`` pairs (422 naming ``stages``); a final 100 is implied.

    Percents rise strictly from 1 to 99 (a trailing 100 is dropped: reaching
    it is the promote); seconds are >= 0, or None for a stage that waits for
    approval.
    """
    if raw and raw[-1][0] == 100:
        raw = raw[:-1]
    if not 1 <= len(raw) <= MAX_STAGES:
        raise ApiError(422, f"stages: give 1 to {MAX_STAGES} stages below 100%", "stages")
    stages = []
    previous = 0
    for percent, seconds in raw:
        if not previous < percent <= 99:
            raise ApiError(422, "stages: percents must rise from 1 to 99 (100 is the end)",
                           "stages")
        if seconds is not None and not 0 <= seconds <= 7 * 24 * 3600:
            raise ApiError(422, "stages: a stage lasts 0 seconds to 7 days", "stages")
        stages.append(Stage(percent, seconds))
        previous = percent
    return stages


def check_thresholds(thresholds: Thresholds) -> Thresholds:
    """The thresholds, or a 422 naming the field out of range."""
    if not 0 <= thresholds.max_error_rate <= 100:
        raise ApiError(422, "max_error_rate: a percent from 0 to 100", "max_error_rate")
    if thresholds.max_p95_ms is not None and thresholds.max_p95_ms < 1:
        raise ApiError(422, "max_p95_ms: at least 1 millisecond", "max_p95_ms")
    if thresholds.failure_budget < 1:
        raise ApiError(422, "failure_budget: at least 1 failed request", "failure_budget")
    return thresholds


def breach(thresholds: Thresholds, stage: TrafficCount, total_errors: int) -> str | None:
    """Why the new deployment's answers abort the rollout, or None while they are fine.

    ``stage`` is what it answered in the current stage, ``total_errors`` its
    5xx answers since the rollout started.
    """
    if total_errors >= thresholds.failure_budget:
        return (f"the failure budget is spent: {total_errors} failed requests "
                f"(budget {thresholds.failure_budget})")
    if stage.requests < MIN_REQUESTS:
        return None
    rate = 100 * stage.errors / stage.requests
    if rate > thresholds.max_error_rate:
        return (f"5xx rate {rate:.1f}% over {stage.requests} requests exceeds "
                f"{thresholds.max_error_rate:g}%")
    if thresholds.max_p95_ms is not None and stage.p95_ms is not None \
            and stage.p95_ms > thresholds.max_p95_ms:
        return f"p95 {stage.p95_ms:.0f} ms exceeds {thresholds.max_p95_ms} ms"
    return None


def stage_over(stage: Stage, started_at: datetime, now: datetime) -> bool:
    """Whether a timed stage has lasted its duration (a stage awaiting approval never is)."""
    return stage.seconds is not None and (now - started_at).total_seconds() >= stage.seconds


def weights(percent: int) -> tuple[int, int]:
    """The previous and the new deployment's weights at ``percent``."""
    return 100 - percent, percent


def configure(given: dict[str, Any], defaults: dict[str, Any]) -> tuple[list[Stage], Thresholds]:
    """Stages and thresholds from ``given`` (a request), else ``defaults`` (the project's
    ``rolling_release`` setting), else this module's defaults; checked as above."""

    def pick(key: str, fallback: Any) -> Any:
        for source in (given, defaults):
            if source.get(key) is not None:
                return source[key]
        return fallback

    raw = pick("stages", [{"percent": percent, "seconds": seconds}
                          for percent, seconds in DEFAULT_STAGES])
    stages = parse_stages([(int(stage["percent"]), stage.get("seconds")) for stage in raw])
    thresholds = Thresholds(float(pick("max_error_rate", DEFAULT_MAX_ERROR_RATE)),
                            pick("max_p95_ms", None),
                            int(pick("failure_budget", DEFAULT_FAILURE_BUDGET)))
    return stages, check_thresholds(thresholds)
