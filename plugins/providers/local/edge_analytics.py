"""The local edge's access log into analytics roll-ups, read incrementally.

Caddy appends one JSON line per request to ``<data>/logs/edge-access.log``
(:mod:`.edge_config`) and rolls it by size: the file is renamed
``edge-access-<time>.log`` and a new one is started. :func:`ingest_log` reads
from where the last reader stopped, remembered in the database as the file's
inode and an offset (``autostack_core.services.analytics_ingest.Cursor``): a
rolled file is found again by its inode and read to its end, then the new file
from its start; a file shorter than the offset was truncated and is read from
its start. Only whole lines are read (a line being written waits for the next
run). The periodic job ``local_edge_analytics`` runs it every minute; any
number of workers may run it, the cursor's conditional update makes one of
them count each line.

What a line gives: the deployment that answered (the profile route's
``deployment`` field), the time, the path without its query, the status, the
body's bytes, the duration, the referring site (another site's host only), the
address and user agent (which only feed the day's visitor hash), and whether a
function or server app answered (the proxy routes' ``fn`` field). Requests to
the reserved ``/_autostack/`` paths (protection pages, the vitals beacon)
and lines without a deployment (unknown hosts) are not counted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from autostack_core.services.analytics_ingest import (
    Cursor,
    RequestRecord,
    cursor_of,
    ingest,
)
from autostack_plugins.providers.local.edge_config import DEPLOYMENT_FIELD, FUNCTION_FIELD
from autostack_plugins.providers.local.edge_traffic import ACCESS_LOG

SOURCE = "local-edge"
TASK = "local_edge_analytics"
READ_BYTES = 8 * 1024 * 1024
"""At most this much of the log per transaction; a run loops until it has caught up."""
MAX_PATH = 200
RESERVED_PREFIX = "/_autostack/"


def record_of(line: bytes) -> RequestRecord | None:
    """The request of one access-log line; None for a line that is not one we count."""
    try:
        entry: dict[str, Any] = json.loads(line)
        deployment = entry.get(DEPLOYMENT_FIELD)
        request = entry.get("request") or {}
        path = str(request.get("uri", "/")).split("?", 1)[0][:MAX_PATH] or "/"
        if not deployment or path.startswith(RESERVED_PREFIX):
            return None
        headers = request.get("headers") or {}
        return RequestRecord(
            deployment_id=str(deployment)[:16],
            timestamp=float(entry["ts"]),
            path=path,
            status=int(entry.get("status", 0)),
            bytes_sent=int(entry.get("size", 0)),
            duration_ms=float(entry.get("duration", 0)) * 1000,
            referrer_host=referrer_host(first(headers, "Referer"), str(request.get("host", ""))),
            address=str(request.get("client_ip") or request.get("remote_ip") or ""),
            user_agent=first(headers, "User-Agent")[:500],
            function=bool(entry.get(FUNCTION_FIELD)),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # a line cut by a crash, or not Caddy's


def first(headers: dict[str, Any], name: str) -> str:
    values = headers.get(name)
    return str(values[0]) if isinstance(values, list) and values else ""


def referrer_host(referrer: str, host: str) -> str:
    """The referring page's host if it is another site's, else ``""``."""
    try:
        referring = (urlsplit(referrer).hostname or "")[:100]
    except ValueError:
        return ""
    own = host.rsplit(":", 1)[0].lower()
    return "" if not referring or referring == own else referring


def read_lines(path: Path, offset: int, budget: int) -> tuple[list[bytes], int]:
    """Whole lines of ``path`` from ``offset``, at most ``budget`` bytes; and the next offset."""
    with path.open("rb") as log:
        log.seek(offset)
        chunk = log.read(budget)
    end = chunk.rfind(b"\n") + 1
    return chunk[:end].splitlines(), offset + end


def rolled_file(logs_dir: Path, inode: int) -> Path | None:
    """The rolled log file that was the current one when it had ``inode``."""
    for path in logs_dir.glob(f"{ACCESS_LOG}-*.log"):
        if path.stat().st_ino == inode:
            return path
    return None


async def ingest_once(logs_dir: Path) -> tuple[int, bool]:
    """Read and ingest one batch: (lines read, whether the cursor moved)."""
    current = logs_dir / f"{ACCESS_LOG}.log"
    try:
        size, current_inode = current.stat().st_size, current.stat().st_ino
    except FileNotFoundError:
        return 0, False
    inode, offset = await cursor_of(SOURCE)
    lines: list[bytes] = []
    next_inode, next_offset = current_inode, offset
    if inode and inode != current_inode:
        rolled = rolled_file(logs_dir, inode)
        next_offset = 0
        if rolled is not None:
            lines, end = read_lines(rolled, offset, READ_BYTES)
            if end < rolled.stat().st_size:  # the rest of the rolled file first
                next_inode, next_offset = inode, end
    elif offset > size:
        next_offset = 0  # truncated
    if next_inode == current_inode:
        budget = READ_BYTES - sum(len(line) + 1 for line in lines)
        more, next_offset = read_lines(current, next_offset, max(budget, 0))
        lines += more
    if (next_inode, next_offset) == (inode, offset):
        return 0, False
    records = [record for line in lines if (record := record_of(line)) is not None]
    moved = await ingest(records, Cursor(SOURCE, inode, offset, next_inode, next_offset))
    return (len(lines), moved) if moved else (0, False)


async def ingest_log(logs_dir: Path) -> int:
    """Ingest everything the access log gained since the last run; how many lines."""
    total = 0
    while True:
        read, moved = await ingest_once(logs_dir)
        total += read
        if not moved:
            return total
