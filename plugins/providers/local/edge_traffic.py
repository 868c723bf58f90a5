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
import os
import re
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from autostack_core.interfaces.edge import TrafficCount
from autostack_plugins.providers.local.edge_config import DEPLOYMENT_FIELD

ACCESS_LOG = "edge-access"
DISORDER_SECONDS = 5.0
"""How far out of order two lines of the log may be (concurrent requests ending together)."""
SEARCH_STOP_BYTES = 64 * 1024
TIMESTAMP = re.compile(rb'"ts":\s*([0-9.]+)')


def count_requests(logs_dir: Path, hostname: str, since: datetime) -> dict[str, TrafficCount]:
    """Requests for ``hostname`` (any port) answered since ``since``, by deployment id.

    Reads each file from the first line near ``since`` (:func:`first_offset`), and parses
    only the lines naming the hostname: a rolling release checks every second.
    """
    start = since.timestamp()
    mentions = re.compile(re.escape(hostname).encode(), re.IGNORECASE)
    durations: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for path in sorted(logs_dir.glob(f"{ACCESS_LOG}*.log")):
        if path.stat().st_mtime < start:
            continue
        with path.open("rb") as lines:
            lines.seek(first_offset(lines, start - DISORDER_SECONDS))
            for line in lines:
                if not mentions.search(line):
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
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


def first_offset(log: BinaryIO, start: float) -> int:
    """An offset at a line's start before which every line was logged before ``start``.

    Lines are appended as requests end, so their ``ts`` rise (within
    :data:`DISORDER_SECONDS`, which the caller subtracts): a binary search on
    the file finds the offset in a few reads instead of reading it all.
    """
    low, high = 0, log.seek(0, os.SEEK_END)
    while high - low > SEARCH_STOP_BYTES:
        middle = (low + high) // 2
        log.seek(middle)
        log.readline()  # the rest of the line the seek landed in
        line_start = log.tell()
        stamp = TIMESTAMP.search(log.readline())
        if line_start >= high or stamp is None:
            high = middle
        elif float(stamp.group(1)) < start:
            low = line_start
        else:
            high = middle
    if low:
        log.seek(low - 1)
        if log.read(1) != b"\n":
            log.readline()
            return log.tell()
    return low


def percentile_ms(seconds: list[float], percent: int) -> float:
    """The nearest-rank ``percent`` percentile of ``seconds`` (not empty), in milliseconds."""
    ordered = sorted(seconds)
    rank = max(1, -(-len(ordered) * percent // 100))
    return round(ordered[rank - 1] * 1000, 3)
