"""Build log lines: persisted in batches with timestamps and step names, then announced."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from autostack_core.infrastructure.db import uncancelled
from autostack_core.infrastructure.events import EventBus
from autostack_core.infrastructure.models import DeploymentLog

FLUSH_SECONDS = 0.2
DONE_STEP = "done"
"""The step of the last line a pipeline writes: followers stop reading after it."""


def deployment_channel(deployment_id: str) -> str:
    return f"deployment:{deployment_id}"


class BuildLog:
    """Collects log lines of one deployment and writes them every ``FLUSH_SECONDS``.

    :meth:`close` writes what is left, after the background flush in progress if
    there is one: it wakes that flush instead of cancelling it, since a batch
    write cancelled halfway leaves SQLite's shared connection inside a
    transaction (see :func:`autostack_core.infrastructure.db.uncancelled`). After ``close``,
    lines written are flushed without waiting.
    """

    def __init__(self, deployment_id: str, events: EventBus) -> None:
        self.deployment_id = deployment_id
        self.events = events
        self._pending: list[DeploymentLog] = []
        self._flusher: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self.step: str | None = None
        """The step of the last line written (None before the first)."""

    def write(self, step: str, line: str, stream: str = "stdout") -> None:
        self.step = step
        self._pending.append(
            DeploymentLog(
                deployment_id=self.deployment_id,
                timestamp=datetime.now(UTC),
                step=step,
                stream=stream,
                line=line.rstrip("\n")[:10_000],
            )
        )
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), FLUSH_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        await uncancelled(DeploymentLog.bulk_create(batch))
        await self.events.publish(deployment_channel(self.deployment_id))

    async def close(self) -> None:
        self._closing.set()
        if self._flusher is not None and not self._flusher.done():
            # Shielded: a cancelled close (the server stopping) leaves the flush running.
            await asyncio.shield(self._flusher)
        await self.flush()
