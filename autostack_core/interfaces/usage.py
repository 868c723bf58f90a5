"""Measured usage: what a runtime says a running release uses right now.

Optional for a runtime (``Runtime.cost_estimate`` is the price table; this
is the meter): a runtime that can measure its releases has an async
``measure(release_id)`` (:class:`MeasuresUsage`). The core samples it every
few minutes for each deployment that serves an alias and keeps a row per
deployment and day (:mod:`autostack_core.services.usage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ResourceUsage:
    """One reading of a running release's processes."""

    cpu_seconds: float
    """CPU time used since its processes started: a counter that only grows until they
    restart (then it starts again from 0)."""
    memory_bytes: int
    """Memory in use now (resident set, or the cgroup's count)."""


@runtime_checkable
class MeasuresUsage(Protocol):
    """A runtime that can measure its releases."""

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """What ``release_id`` uses now; None when nothing of it runs (asleep, stopped,
        unknown). Cheap: called every few minutes for every served deployment."""
        ...
