"""A release's runtime logs from its pods (``read_namespaced_pod_log``), read and followed.

The API server prefixes each line with its RFC 3339 timestamp (``timestamps=true``);
a line's source is its pod's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.interfaces.runtime import LogLine

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.cluster import Cluster


def parse_line(pod: str, raw: str) -> LogLine | None:
    """``2026-12-06T19:48:30.123456789Z text`` -> a LogLine (nanoseconds cut to micro)."""
    stamp, _, text = raw.partition(" ")
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    try:
        timestamp = datetime.fromisoformat(whole + "." + (fraction + "000000")[:6]) \
            .replace(tzinfo=UTC)
    except ValueError:
        return None
    return LogLine(timestamp=timestamp, source=pod, text=text.rstrip("\r"))


def _since_seconds(since: datetime | None) -> int | None:
    if since is None:
        return None
    return max(1, math.ceil((datetime.now(UTC) - since).total_seconds()) + 1)


async def read(cluster: Cluster, namespace: str, pods: list[str],
               since: datetime | None) -> list[LogLine]:
    """Every pod's lines from ``since``, oldest first."""
    found: list[LogLine] = []
    for pod in pods:
        text = await asyncio.to_thread(cluster.log, namespace, pod, _since_seconds(since))
        found += [line for raw in text.splitlines() if (line := parse_line(pod, raw))
                  and (since is None or line.timestamp >= since)]
    return sorted(found, key=lambda line: line.timestamp)


async def follow(cluster: Cluster, namespace: str, pods: list[str],
                 after: datetime | None) -> AsyncIterator[LogLine]:
    """New lines of every pod (later than ``after``) as they are written; never ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[LogLine] = asyncio.Queue()
    streams = [await asyncio.to_thread(cluster.log_stream, namespace, pod, _since_seconds(after))
               for pod in pods]

    def pump(pod: str, stream: Any) -> None:
        pending = b""
        with contextlib.suppress(Exception):  # the stream was shut down, or the pod ended
            while chunk := stream.read1(4096):  # what has arrived, not a full 4 KiB
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    line = parse_line(pod, raw.decode("utf-8", errors="replace"))
                    if line is not None and (after is None or line.timestamp > after):
                        loop.call_soon_threadsafe(queue.put_nowait, line)

    for pod, stream in zip(pods, streams, strict=True):
        threading.Thread(target=pump, args=(pod, stream), daemon=True,
                         name=f"autostack-logs-{pod}").start()
    try:
        while True:
            yield await queue.get()
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.shutdown()
                stream.release_conn()
