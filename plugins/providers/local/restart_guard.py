"""The restart guard: watch each replica, restart the ones that exit, and catch crash loops.

A replica that exits while its deployment should run is restarted with
exponential backoff (0.5 s doubling, at most ``MAX_BACKOFF_SECONDS``);
``CRASH_LOOP_COUNT`` crashes within ``CRASH_WINDOW_SECONDS`` mark the
deployment ``unhealthy`` (restarts go on, slowly), and a restart that passes
its health check once the window holds no crash marks it ``running`` again.
Replicas a previous control plane left running are watched through a pidfd.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable

from autostack_core.utils import free_port
from autostack_plugins.providers.local.replicas import (
    ReplicaLauncher,
    RuntimeStartError,
    port_free,
)
from autostack_plugins.providers.local.workload import Replica, Workload

CRASH_WINDOW_SECONDS = 60.0
CRASH_LOOP_COUNT = 5
MAX_BACKOFF_SECONDS = 30.0


class RestartGuard:
    """One watcher task per replica; ``save`` writes the state file, ``publish`` tells the edge."""

    def __init__(self, launcher: ReplicaLauncher, save: Callable[[], None],
                 publish: Callable[[Workload, str], Awaitable[None]]) -> None:
        self.launcher = launcher
        self.save = save
        self.publish = publish
        self._watchers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._crashes: dict[str, list[float]] = {}

    def watch(self, runtime: Workload, replica: Replica, *, adopted: bool,
              process: asyncio.subprocess.Process | None = None, restart: bool = False) -> None:
        """Guard ``replica`` from now on (``restart``: start it first, it is gone)."""
        key = (runtime.id, replica.source)
        self._watchers[key] = asyncio.create_task(
            self._guard(runtime, replica, process, adopted, restart), name=f"replica {key}")

    def forget(self, deployment_id: str, replica: Replica) -> None:
        """Stop guarding ``replica`` (it is being stopped on purpose)."""
        task = self._watchers.pop((deployment_id, replica.source), None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Cancel every watcher and wait until they are done (the replicas live on)."""
        for task in self._watchers.values():
            task.cancel()
        for task in list(self._watchers.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watchers.clear()

    async def _guard(self, runtime: Workload, replica: Replica,
                     process: asyncio.subprocess.Process | None, adopted: bool,
                     restart: bool) -> None:
        """Wait for the replica to exit, then restart it with backoff while it should run."""
        while True:
            if restart:
                process = await self._restart(runtime, replica)
                if process is None:
                    return
            code = await self._wait_exit(replica, process, adopted)
            if runtime.status not in ("running", "unhealthy") or \
                    replica not in runtime.replicas:
                return
            crashes = self._record_crash(runtime.id)
            delay = min(0.5 * 2 ** (len(crashes) - 1), MAX_BACKOFF_SECONDS)
            if len(crashes) >= CRASH_LOOP_COUNT and runtime.status != "unhealthy":
                runtime.status = "unhealthy"
                self.save()
                self.launcher.event(runtime.id, f"crash loop: {len(crashes)} crashes in "
                                                f"{CRASH_WINDOW_SECONDS:g} s; marked unhealthy")
            self.launcher.event(runtime.id, f"{replica.source} exited with code {code}; "
                                            f"restarting in {delay:g} s")
            await asyncio.sleep(delay)
            restart, adopted = True, False

    async def _wait_exit(self, replica: Replica, process: asyncio.subprocess.Process | None,
                         adopted: bool) -> int | None:
        if process is not None and not adopted:
            return await process.wait()
        try:
            pidfd = os.pidfd_open(replica.pid)
        except ProcessLookupError:
            return None
        loop = asyncio.get_running_loop()
        exited = loop.create_future()
        loop.add_reader(pidfd, exited.set_result, None)
        try:
            await exited
        finally:
            loop.remove_reader(pidfd)
            os.close(pidfd)
        return None

    async def _restart(self, runtime: Workload,
                       replica: Replica) -> asyncio.subprocess.Process | None:
        program = next((p for p in runtime.programs if p.name == replica.program), None)
        if program is None:
            return None
        if not port_free(replica.port):
            replica.port = free_port()
        process: asyncio.subprocess.Process = await self.launcher.spawn(runtime, program, replica)
        self.save()
        try:
            await self.launcher.wait_healthy(runtime, program, replica, process)
        except RuntimeStartError:
            await self.launcher.terminate(replica, 1.0)
            return process  # the caller counts it as a crash
        if runtime.status == "unhealthy" and len(self._record_crash(runtime.id, 0)) == 0:
            runtime.status = "running"
            self.save()
        await self.publish(runtime, program.name)
        return process

    def _record_crash(self, deployment_id: str, count: int = 1) -> list[float]:
        now = time.monotonic()
        recent = [at for at in self._crashes.get(deployment_id, [])
                  if now - at < CRASH_WINDOW_SECONDS] + [now] * count
        self._crashes[deployment_id] = recent
        return recent
