"""Requests per deployment, counted from the local edge's access log.

Caddy writes every request as one JSON line to ``<data>/logs/edge-access.log``
(rolled by size into ``edge-access-<time>.log`` files); the profile route adds
the field ``deployment``, the id of the deployment that answered
(:data:`.edge_config.DEPLOYMENT_FIELD`). :func:`count_requests` reads the
current file and the rolled ones newer than ``since`` and counts, for one
hostname, the requests and the 5xx answers of each deployment: what a split
test shows per variant. A line that is not JSON (a write cut by a crash) is
skipped.
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
    requests: dict[str, int] = {}
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
                requests[deployment] = requests.get(deployment, 0) + 1
                if int(entry.get("status", 0)) >= 500:
                    errors[deployment] = errors.get(deployment, 0) + 1
    return {deployment: TrafficCount(count, errors.get(deployment, 0))
            for deployment, count in requests.items()}
