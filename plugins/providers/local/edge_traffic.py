"""Requests per deployment, counted from the local edge's access log.

Caddy writes every request as one JSON line to ``<data>/logs/edge-access.log``
(rolled by size into ``edge-access-<time>.log`` files); the profile route adds
the field ``deployment``, the id of the deployment that answered
(:data:`.edge_config.DEPLOYMENT_FIELD`). :func:`count_requests` reads the
current file and the rolled ones newer than ``since`` and counts, for one
hostname, the requests, the 5xx answers and the 95th percentile of the
answer times (Caddy's ``duration``, in seconds) of each deployment: what a
split test shows per variant and what a rolling release checks. A line that
is not JSON (a write cut by a crash) is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from autostack_core.interfaces.edge import TrafficCount
from autostack_plugins.providers.local.edge_config import DEPLOYMENT_FIELD

ACCESS_LOG = "edge-access"


def count_requests(logs_dir: Path, hostname: str, since: datetime) -> dict[str, TrafficCount]:
    """Requests for ``hostname`` (any port) answered since ``since``, by deployment id."""
    start = since.timestamp()
    durations: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for path in sorted(logs_dir.glob(f"{ACCESS_LOG}*.log")):
        if path.stat().st_mtime < start:
            continue
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                deployment = entry.get(DEPLOYMENT_FIELD)
                host = str(entry.get("request", {}).get("host", "")).rsplit(":", 1)[0].lower()
                if not deployment or host != hostname or float(entry.get("ts", 0)) < start:
                    continue
                durations.setdefault(deployment, []).append(float(entry.get("duration", 0)))
                if int(entry.get("status", 0)) >= 500:
                    errors[deployment] = errors.get(deployment, 0) + 1
    return {deployment: TrafficCount(len(times), errors.get(deployment, 0),
                                     percentile_ms(times, 95))
            for deployment, times in durations.items()}


def percentile_ms(seconds: list[float], percent: int) -> float:
    """The nearest-rank ``percent`` percentile of ``seconds`` (not empty), in milliseconds."""
    ordered = sorted(seconds)
    rank = max(1, -(-len(ordered) * percent // 100))
    return round(ordered[rank - 1] * 1000, 3)
