"""Runtime logs of server apps and functions: timestamped JSON lines in rotated files.

Every replica writes its stdout and stderr through its shim
(:mod:`autostack_plugins.providers.local.runtime_shim`) to ``<source>.log`` in the deployment's
folder ``<data>/logs/runtime/<deployment id>/``; the supervisor writes its own
events (started, crashed, restarting, stopped) to ``supervisor.log`` there.
A file over :data:`MAX_BYTES` is renamed ``.1`` (older ones shift up to
``.<KEEP>``) and a new one is started. One line is one JSON object::

    {"timestamp": "2026-11-25T10:00:00.123456+00:00", "source": "server-0",
     "stream": "stdout", "line": "listening on 3000"}

This module imports only the standard library: the shim loads it in every replica.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
KEEP = 3
FOLLOW_POLL_SECONDS = 0.3


class LogWriter:
    """Appends timestamped lines to ``<folder>/<source>.log``, rotating by size."""

    def __init__(self, folder: Path, source: str, max_bytes: int = MAX_BYTES,
                 keep: int = KEEP) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{source}.log"
        self.source = source
        self.max_bytes = max_bytes
        self.keep = keep
        self._file = self.path.open("ab", buffering=0)

    def write(self, stream: str, line: str) -> None:
        """Write one line now (unbuffered, so a reader or a crash loses nothing)."""
        record = {"timestamp": datetime.now(UTC).isoformat(), "source": self.source,
                  "stream": stream, "line": line}
        self._file.write(json.dumps(record).encode() + b"\n")
        if self._file.tell() >= self.max_bytes:
            self._rotate()

    def _rotate(self) -> None:
        self._file.close()
        for index in range(self.keep - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self._file = self.path.open("ab", buffering=0)

    def close(self) -> None:
        self._file.close()


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def read_logs(folder: Path, limit: int = 1000,
              read_up_to: dict[Path, int] | None = None) -> list[dict[str, Any]]:
    """The last ``limit`` lines of every source of a deployment, oldest first.

    ``read_up_to``, when given, receives where each file's complete lines ended: where
    :func:`follow_logs` goes on, so a line written in between is neither lost nor doubled.
    """
    records: list[dict[str, Any]] = []
    if folder.is_dir():
        for path in folder.iterdir():
            if ".log" not in path.name:
                continue
            with path.open("rb") as handle:
                data = handle.read()
            complete = data.rfind(b"\n") + 1  # a line still being written comes later
            records.extend(r for raw in data[:complete].splitlines()
                           if (r := _parse(raw)) is not None)
            if read_up_to is not None:
                read_up_to[path] = complete
    records.sort(key=lambda record: str(record.get("timestamp", "")))
    return records[-limit:] if limit > 0 else records


def last_lines(folder: Path, source: str, count: int = 20) -> list[str]:
    """The last ``count`` lines one source wrote (for error messages)."""
    path = folder / f"{source}.log"
    try:
        raws = path.read_bytes().splitlines()[-count:]
    except FileNotFoundError:
        return []
    return [str(record.get("line", "")) for raw in raws if (record := _parse(raw))]


async def follow_logs(folder: Path, after: dict[Path, int] | None = None) \
        -> AsyncIterator[dict[str, Any]]:
    """Yield lines as they are written to the current files: after what exists now, or
    after ``after`` (what :func:`read_logs` read; a file it did not see from its start)."""
    offsets: dict[Path, int] = {}
    if after is not None:
        offsets = dict(after)
    elif folder.is_dir():
        offsets = {path: path.stat().st_size for path in folder.glob("*.log")}
    pending: dict[Path, bytes] = {}
    while True:
        fresh: list[dict[str, Any]] = []
        for path in folder.glob("*.log") if folder.is_dir() else []:
            size = path.stat().st_size
            offset = offsets.get(path, 0)
            if size < offset:  # rotated: the new file starts over
                offset, pending[path] = 0, b""
            if size == offset:
                continue
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = pending.get(path, b"") + handle.read(size - offset)
            offsets[path] = size
            *complete, pending[path] = chunk.split(b"\n")
            fresh.extend(r for raw in complete if (r := _parse(raw)) is not None)
        fresh.sort(key=lambda record: str(record.get("timestamp", "")))
        for record in fresh:
            yield record
        await asyncio.sleep(FOLLOW_POLL_SECONDS)
