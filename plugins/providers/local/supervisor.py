"""The supervisor: the life cycle of every deployment's server processes on this machine.

A deployment's runtime is a :class:`autostack_plugins.providers.local.workload.Workload`:
its programs (its server, and one worker per function runtime), each with
replicas. The supervisor decides what runs and when, and leaves each part to
its module:

* :meth:`Supervisor.start` starts every replica and returns only once each
  answers its health check, or raises
  :class:`autostack_plugins.providers.local.replicas.RuntimeStartError` saying
  why (spawning and health checks: :mod:`~autostack_plugins.providers.local.replicas`).
* A replica that exits is restarted with backoff, and a crash loop marks the
  deployment ``unhealthy``
  (:mod:`~autostack_plugins.providers.local.restart_guard`).
* :meth:`Supervisor.sleep` stops the replicas and leaves a waker on a port; the
  next request starts them again (:meth:`Supervisor.wake`). Where the edge
  must send traffic is told through ``on_upstreams(deployment id, program
  name, ports)`` (:mod:`~autostack_plugins.providers.local.upstreams`).
* Whatever should run is saved to ``<data>/runtime/state.json`` before it
  changes (:mod:`~autostack_plugins.providers.local.workload`). On start,
  :meth:`Supervisor.adopt` keeps replicas whose shim is alive and listening,
  restarts the others and reopens the wakers of sleeping deployments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from autostack_core.build.sandbox_layout import system_layout
from autostack_core.config import Settings
from autostack_core.utils import free_port
from autostack_plugins.providers.local.replicas import ReplicaLauncher, listening, pid_is_shim
from autostack_plugins.providers.local.restart_guard import RestartGuard
from autostack_plugins.providers.local.run_sandbox import RuntimeCgroup
from autostack_plugins.providers.local.upstreams import Upstreams, UpstreamsCallback
from autostack_plugins.providers.local.workload import (
    Replica,
    Workload,
    load_workloads,
    save_workloads,
)

logger = logging.getLogger("autostack.supervisor")

STOP_GRACE_SECONDS = 10.0
# How often the sandbox's view of /etc is looked at while a deployment sleeps: it is
# looked for again once a minute, and a wake should find it done (Supervisor._keep_layout).
LAYOUT_SECONDS = 1.0


class Supervisor:
    """Runs the programs of every deployment of this machine."""

    def __init__(self, settings: Settings, on_upstreams: UpstreamsCallback) -> None:
        self.settings = settings
        self.state_path = settings.path("runtime", "state.json")
        self.runtimes: dict[str, Workload] = {}
        self.launcher = ReplicaLauncher(settings)
        self.upstreams = Upstreams(on_upstreams, self._save, self._woken)
        self.guard = RestartGuard(self.launcher, self._save, self.upstreams.publish)
        self._locks: dict[str, asyncio.Lock] = {}
        self._waking: set[asyncio.Future[None]] = set()
        self._layout: asyncio.Task[None] | None = None

    @property
    def isolated(self) -> bool:
        """Whether replicas get their own user and network namespaces (benchmarks turn it off)."""
        isolated: bool = self.launcher.isolated
        return isolated

    @isolated.setter
    def isolated(self, value: bool) -> None:
        self.launcher.isolated = value

    def _save(self) -> None:
        save_workloads(self.state_path, self.runtimes)

    def logs_dir(self, deployment_id: str) -> Path:
        """The deployment's runtime logs folder."""
        folder: Path = self.launcher.logs_dir(deployment_id)
        return folder

    def lock(self, deployment_id: str) -> asyncio.Lock:
        """The lock that orders starting, sleeping, waking and destroying a deployment."""
        return self._locks.setdefault(deployment_id, asyncio.Lock())

    # -- life cycle -------------------------------------------------------------

    async def adopt(self) -> None:
        """Re-adopt what a previous control plane left running; restart or reopen the rest."""
        self.runtimes = load_workloads(self.state_path)
        self._layout = asyncio.ensure_future(self._keep_layout())
        for runtime in list(self.runtimes.values()):
            if runtime.status == "asleep":
                await self.upstreams.open_wakers(runtime)
                continue
            if runtime.status not in ("running", "unhealthy", "starting"):
                continue
            for replica in runtime.replicas:
                if pid_is_shim(replica.pid, runtime.id) and await listening(replica.port):
                    logger.info("re-adopting %s of %s (pid %d)", replica.source, runtime.id,
                                replica.pid)
                    self.guard.watch(runtime, replica, adopted=True)
                else:
                    self.launcher.event(runtime.id, f"{replica.source} was gone after a "
                                                    "control plane restart: restarting it")
                    self.guard.watch(runtime, replica, adopted=False, restart=True)
            for program in runtime.programs:
                await self.upstreams.publish(runtime, program.name)
        self._save()
        if any(runtime.status == "asleep" for runtime in self.runtimes.values()):
            self.launcher.keep_spare()  # the first wake finds a shim ready

    async def close(self, stop_replicas: bool) -> None:
        """Stop watching (and, on a clean shutdown, stop every replica and waker)."""
        if self._layout is not None:
            self._layout.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._layout
        await self.guard.close()
        await self.upstreams.close()
        if stop_replicas:
            await asyncio.gather(*(self.launcher.terminate(replica, STOP_GRACE_SECONDS)
                                   for runtime in self.runtimes.values()
                                   for replica in runtime.replicas))
            for runtime in self.runtimes.values():
                await RuntimeCgroup(runtime.id).remove()
        await self.launcher.close()

    async def _keep_layout(self) -> None:
        """While a deployment sleeps, keep the sandbox's system layout looked at.

        It hides what in ``/etc`` is not for everyone, found by walking ``/etc``
        again once a minute (2 ms on an idle machine, 30-160 ms on a loaded
        one): a wake after a long sleep would walk it on its way. Done here, in
        a thread, the wake finds it fresh; it is as fresh as before.
        """
        while True:
            if any(runtime.status == "asleep" for runtime in self.runtimes.values()):
                await asyncio.to_thread(system_layout)
            await asyncio.sleep(LAYOUT_SECONDS)

    # -- starting -------------------------------------------------------------

    async def start(self, runtime: Workload) -> None:
        """Start every replica of ``runtime`` and wait until all are healthy."""
        async with self.lock(runtime.id):
            previous = self.runtimes.get(runtime.id)
            if previous is not None and previous.status in ("running", "unhealthy"):
                return
            runtime.status, runtime.replicas = "starting", []
            self.runtimes[runtime.id] = runtime
            self._save()
            await self._start_replicas(runtime)

    async def _start_replicas(self, runtime: Workload,
                              listening: asyncio.Event | None = None) -> None:
        """Start every replica in turn, each once the previous is healthy.

        ``listening`` is set once every program has a replica whose port listens.
        """
        started: list[Replica] = []
        waiting = {program.name for program in runtime.programs}

        def listens(program: str) -> None:
            waiting.discard(program)
            if not waiting and listening is not None:
                listening.set()

        try:
            for program in runtime.programs:
                for index in range(max(program.replicas, 1)):
                    replica = Replica(program.name, index, free_port())
                    process = await self.launcher.spawn(runtime, program, replica)
                    started.append(replica)
                    runtime.replicas = list(started)
                    self._save()
                    await self.launcher.wait_healthy(
                        runtime, program, replica, process,
                        on_listening=lambda name=program.name: listens(name))
                    self.guard.watch(runtime, replica, adopted=False, process=process)
        except BaseException:
            await asyncio.gather(*(self.launcher.terminate(replica, 1.0)
                                   for replica in started))
            runtime.replicas, runtime.status = [], "stopped"
            self._save()
            raise
        runtime.status = "running"
        self._save()
        for program in runtime.programs:
            await self.upstreams.publish(runtime, program.name)
        self.launcher.event(runtime.id, "running: " + ", ".join(
            f"{replica.source} on port {replica.port}" for replica in runtime.replicas))

    # -- stopping, sleeping, waking ---------------------------------------------

    async def stop(self, deployment_id: str, grace: float = STOP_GRACE_SECONDS,
                   status: str = "stopped") -> None:
        """Stop every replica of a deployment (in-flight requests get ``grace`` seconds)."""
        runtime = self.runtimes.get(deployment_id)
        if runtime is None:
            return
        runtime.status = status
        self._save()
        replicas, runtime.replicas = runtime.replicas, []
        for replica in replicas:
            self.guard.forget(deployment_id, replica)
        await asyncio.gather(*(self.launcher.terminate(replica, grace) for replica in replicas))
        await RuntimeCgroup(deployment_id).remove()
        self._save()
        if replicas:
            self.launcher.event(deployment_id, f"stopped ({status})")

    async def sleep(self, deployment_id: str, grace: float = STOP_GRACE_SECONDS) -> None:
        """Scale to zero: point the edge at a waker, then stop the replicas."""
        async with self.lock(deployment_id):
            runtime = self.runtimes.get(deployment_id)
            if runtime is None or runtime.status not in ("running", "unhealthy"):
                return
            runtime.status = "asleep"
            await self.upstreams.open_wakers(runtime)
            await self.stop(deployment_id, grace, status="asleep")
            self.launcher.keep_spare()  # its wake finds a shim ready

    async def wake(self, deployment_id: str, listening: asyncio.Event | None = None) -> None:
        """Start a sleeping deployment again and wait until it is healthy.

        ``listening`` is set as soon as every program has a replica listening.
        """
        async with self.lock(deployment_id):
            runtime = self.runtimes.get(deployment_id)
            if runtime is None or runtime.status != "asleep":
                return
            self.launcher.event(deployment_id, "waking up")
            await self._start_replicas(runtime, listening)
            await self.upstreams.close_wakers(deployment_id)
            runtime.waker_ports = {}
            self._save()

    async def _woken(self, deployment_id: str) -> Workload:
        """What a waker calls: wake the deployment, and give its workload as soon as every
        program has a replica listening.

        The held requests go to the replicas then, without waiting for the health
        checks and the edge's switch, which the wake goes on with (a failed wake
        stops the replicas and their requests).
        """
        listening = asyncio.Event()
        waking = asyncio.ensure_future(self.wake(deployment_id, listening))
        self._waking.add(waking)
        waking.add_done_callback(self._waking.discard)
        released = asyncio.ensure_future(listening.wait())
        try:
            await asyncio.wait({waking, released}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            released.cancel()
        if waking.done():
            waking.result()  # the wake's error, if it failed before listening
        return self.runtimes[deployment_id]

    async def destroy(self, deployment_id: str) -> None:
        """Stop a deployment for good and forget it."""
        async with self.lock(deployment_id):
            await self.stop(deployment_id, grace=2.0)
            await self.upstreams.close_wakers(deployment_id)
            self.runtimes.pop(deployment_id, None)
            self._save()

    def set_policy(self, deployment_id: str, replicas: int, scale_to_zero: bool) -> None:
        """Record a deployment's scale policy: its server's replicas count from the next start."""
        runtime = self.runtimes.get(deployment_id)
        if runtime is None:
            return
        runtime.scale_to_zero = scale_to_zero
        for program in runtime.programs:
            if program.name == "server":
                program.replicas = replicas
        self._save()

    # -- queries ----------------------------------------------------------------

    def status(self, deployment_id: str) -> str | None:
        """The deployment's status (starting, running, unhealthy, asleep, stopped), if known."""
        runtime = self.runtimes.get(deployment_id)
        return None if runtime is None else runtime.status
