"""The build sandbox's memory limit: one cgroup (v1 or v2) per sandboxed run.

Named after the deployment that owns the run, so a worker that died mid-build
can find and kill what its sandboxes left (:func:`kill_leftovers`). Without a
usable cgroup the sandbox falls back to ``ulimit -v``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import uuid
from pathlib import Path

from autostack_core.build.sandbox_layout import CGROUP_ROOT

logger = logging.getLogger(__name__)


def memory_cgroups_root() -> Path:
    """Where memory cgroups are made: the unified root (v2) or the memory hierarchy (v1)."""
    return CGROUP_ROOT if (CGROUP_ROOT / "cgroup.controllers").exists() else CGROUP_ROOT / "memory"


def cgroup_prefix(owner: str) -> str:
    """The name prefix of the cgroups of ``owner``'s runs (a deployment id)."""
    return f"autostack-{owner}-" if owner else "autostack-"


async def kill_leftovers(owner: str) -> int:
    """SIGKILL what is left of ``owner``'s sandboxed runs; how many processes were killed.

    For a worker that died mid-build: its sandboxes can outlive it (a
    bubblewrap still waiting for its network, for one), but not their cgroup.
    """
    if not owner.isalnum():
        raise ValueError(f"not a deployment id: {owner!r}")
    killed = 0
    for path in memory_cgroups_root().glob(f"{cgroup_prefix(owner)}*"):
        cgroup = MemoryCgroup(path)
        killed += cgroup.kill_all()
        await cgroup.remove()
    return killed


class MemoryCgroup:
    """A per-run memory cgroup (v1 or v2), or nothing when cgroups are unavailable."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.v2 = (CGROUP_ROOT / "cgroup.controllers").exists()

    @classmethod
    def create(cls, limit_mb: int, owner: str = "") -> MemoryCgroup:
        """A new cgroup of ``owner`` limited to ``limit_mb``; without a path if none can be."""
        cgroup = cls(None)
        limit_bytes = limit_mb * 1024 * 1024
        path = memory_cgroups_root() / f"{cgroup_prefix(owner)}{uuid.uuid4().hex[:12]}"
        limit_file = "memory.max" if cgroup.v2 else "memory.limit_in_bytes"
        try:
            path.mkdir()
        except OSError as exc:
            logger.warning("no memory cgroup (%s): falling back to ulimit -v", exc)
            return cgroup
        try:
            (path / limit_file).write_text(str(limit_bytes))
            swap_file = "memory.swap.max" if cgroup.v2 else "memory.memsw.limit_in_bytes"
            with contextlib.suppress(OSError):
                (path / swap_file).write_text("0" if cgroup.v2 else str(limit_bytes))
        except OSError as exc:
            logger.warning("cannot limit memory in %s (%s): falling back to ulimit -v", path, exc)
            with contextlib.suppress(OSError):
                path.rmdir()
            return cgroup
        cgroup.path = path
        return cgroup

    @property
    def procs_file(self) -> str:
        return str(self.path / "cgroup.procs") if self.path else ""

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this cgroup for memory."""
        if self.path is None:
            return False
        events = self.path / ("memory.events" if self.v2 else "memory.oom_control")
        try:
            for line in events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def kill_all(self) -> int:
        """SIGKILL every process left in the cgroup (even ones that left the session).

        Returns how many processes the cgroup held.
        """
        if self.path is None:
            return 0
        try:
            pids = (self.path / "cgroup.procs").read_text().split()
        except OSError:
            pids = []
        if self.v2 and (self.path / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (self.path / "cgroup.kill").write_text("1")
            return len(pids)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        return len(pids)

    async def remove(self) -> None:
        if self.path is None:
            return
        for _ in range(50):
            self.kill_all()
            try:
                self.path.rmdir()
                return
            except OSError:
                await asyncio.sleep(0.02)
        logger.warning("could not remove cgroup %s", self.path)
