"""Counting a hostname's requests per deployment from the local edge's access log.

The log is written here as Caddy writes it (one JSON object a line, ``ts`` in
seconds, ``duration`` in seconds, the ``deployment`` field the edge adds),
large enough that the binary search for ``since`` has something to skip.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from autostack_core.interfaces.edge import TrafficCount
from autostack_plugins.providers.local.edge_traffic import count_requests, percentile_ms

START = 1_700_000_000.0
LINES = 20_000


def entry(index: int, host: str, deployment: str, status: int, duration: float) -> str:
    return json.dumps({"level": "info", "ts": START + index * 0.01, "logger": "http.log.access",
                       "request": {"host": host, "uri": "/", "headers": {"X": ["y" * 40]}},
                       "duration": duration, "status": status, "deployment": deployment})


def write_log(folder: Path) -> list[tuple[float, str, str, int, float]]:
    """A log of hosts, deployments and statuses in a pattern; what each line says."""
    said = []
    with (folder / "edge-access.log").open("w") as log:
        for index in range(LINES):
            host = ("SITE.localhost:8080" if index % 7 == 0 else "site.localhost:8080") \
                if index % 3 else "other.localhost"
            deployment = "dplnew" if index % 4 == 0 else "dplold"
            status = 500 if index % 11 == 0 else 200
            duration = (index % 100) / 1000
            log.write(entry(index, host, deployment, status, duration) + "\n")
            said.append((START + index * 0.01, host, deployment, status, duration))
        log.write('{"ts": 9999999999, "cut by a cra\n')
    return said


def expected(said: list[tuple[float, str, str, int, float]], since: float) \
        -> dict[str, TrafficCount]:
    found: dict[str, list[tuple[int, float]]] = {}
    for ts, host, deployment, status, duration in said:
        if ts >= since and host.split(":")[0].lower() == "site.localhost":
            found.setdefault(deployment, []).append((status, duration))
    return {deployment: TrafficCount(len(rows), sum(status >= 500 for status, _ in rows),
                                     percentile_ms([duration for _, duration in rows], 95))
            for deployment, rows in found.items()}


def test_counts_match_a_full_read_for_any_since(tmp_path: Path) -> None:
    said = write_log(tmp_path)
    for offset in (-10.0, 0.0, 0.005, 37.123, 150.0, 199.99, 400.0):
        since = START + offset
        counted = count_requests(tmp_path, "site.localhost",
                                 datetime.fromtimestamp(since, UTC))
        assert counted == expected(said, since), offset


def test_the_95th_percentile_is_the_nearest_rank() -> None:
    assert percentile_ms([0.001 * n for n in range(1, 101)], 95) == 95.0
    assert percentile_ms([0.2], 95) == 200.0
    assert percentile_ms([0.01, 0.5], 95) == 500.0
