"""The local runtime: releases run on this machine, behind the local edge's Caddy.

Static output (``static/`` plus ``config.json`` routes) is served by Caddy
itself; server apps (``server.json`` with ``server/``) and functions
(``functions/<path>.func``, one worker per function runtime) run as sandboxed,
supervised processes (:class:`autostack_plugins.providers.local.supervisor.Supervisor`)
behind Caddy's ``reverse_proxy``, static files first. ``docs/build-output.md`` is
the contract with the builders.

It shares one :class:`autostack_plugins.providers.local.edge.Edge` (the Caddy)
with the local edge: an endpoint it hands out names a deployment on that Caddy,
so only the local edge can bind it.

* :meth:`LocalRuntime.deploy` returns once every process answers its health
  check (a failed start raises with the reason); called again it wakes a
  sleeping release and refuses an unhealthy one, so an alias never moves to it.
* A deployment that loses its last alias at the edge drains for
  ``runtime_drain_seconds``, then scales to zero.
* Deployments idle for ``preview_idle_seconds`` (the edge's access log says)
  scale to zero, except the production deployment of a project whose scale
  policy keeps a replica (``min_replicas`` above 0); the next request wakes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
    ConfigField,
    Endpoint,
    LogLine,
    OutputKind,
    Release,
    ReleaseStatus,
    ScalePolicy,
)
from autostack_core.interfaces.usage import ResourceUsage
from autostack_plugins.providers.local.edge import Edge, EdgeError
from autostack_plugins.providers.local.local_edge import endpoint_of
from autostack_plugins.providers.local.output import edge_deployment, find_functions, programs
from autostack_plugins.providers.local.run_sandbox import RuntimeCgroup
from autostack_plugins.providers.local.runtime_logs import follow_logs, read_logs
from autostack_plugins.providers.local.supervisor import Supervisor
from autostack_plugins.providers.local.workload import Workload

from . import prices

logger = logging.getLogger("autostack.local")

ACCESS_HOST = re.compile(rb'"host":"([^"]+)"')
UPTIME_CHECK = b'"autostack-uptime/'
"""The uptime checker's User-Agent (``autostack_plugins.uptime.checker``): its requests are
no visitors', so they keep no deployment awake."""
MAX_IDLE_CHECK_SECONDS = 15.0
STATUSES = {"starting": ReleaseStatus.STARTING, "unhealthy": ReleaseStatus.UNHEALTHY,
            "asleep": ReleaseStatus.ASLEEP}


def hosts_visited(access_log: bytes) -> set[str]:
    """The hostnames (without port) that the lines of the edge's JSON access log asked for,
    uptime checks left out: a check every minute would keep a deployment from idling."""
    return {match.decode(errors="replace").split(":")[0]
            for line in access_log.splitlines() if UPTIME_CHECK not in line
            for match in ACCESS_HOST.findall(line)}


def log_line(record: dict[str, Any]) -> LogLine:
    """A runtime log record (:mod:`autostack_plugins.providers.local.runtime_logs`) as a LogLine."""
    return LogLine(timestamp=datetime.fromisoformat(str(record["timestamp"])),
                   source=str(record.get("source", "")), text=str(record.get("line", "")),
                   stream=str(record.get("stream", "stdout")))


class LocalRuntime(prices.PricedBySettings):
    """Runs releases on this machine (the default runtime, ``local``)."""

    name = "local"
    accepts = frozenset({OutputKind.STATIC, OutputKind.SERVER, OutputKind.FUNCTIONS})
    config_fields: tuple[ConfigField, ...] = ()

    def __init__(self, settings: Settings, edge: Edge) -> None:
        self.settings = settings
        self.prices = prices.price_table(settings, self.name)
        self.edge = edge
        self.supervisor = Supervisor(settings, edge.set_upstreams)
        self.last_active: dict[str, float] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._idle_task: asyncio.Task[None] | None = None
        self._access_offset = 0
        edge.on_unserved.append(self._drain)

    def check_config(self, config: Mapping[str, str]) -> None:
        """No fields: nothing a team gives is used."""

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Nothing to reach: no fields, no account."""
        return None

    async def start(self) -> None:
        """Re-adopt the processes the saved state says should run (the edge runs already)."""
        await self.supervisor.adopt()
        access_log = self.settings.path("logs", "edge-access.log")
        self._access_offset = access_log.stat().st_size if access_log.exists() else 0
        self._idle_task = asyncio.create_task(self._idle_loop(), name="scale-to-zero")

    async def stop(self) -> None:
        """Stop the processes (a clean shutdown).

        With ``keep_apps_running`` (the service unit's setting) they keep serving
        and only the watching stops: the next start re-adopts them, as after a
        crash, so restarting or upgrading the server interrupts no deployment.
        """
        for task in [self._idle_task, *self._drains.values()]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.supervisor.close(stop_replicas=not self.settings.keep_apps_running)

    def folder(self, release_id: str) -> Path:
        return self.settings.path("deployments", release_id)

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """Materialize the output into ``<data>/deployments/<id>`` (kept while it is deployed)."""
        folder = self.folder(artifact.release_id)
        if artifact.release_id not in self.edge.state.deployments or not folder.is_dir():
            await artifact.write_to(folder)
        return ArtifactReference(runtime=self.name, location=str(folder))

    async def deploy(self, release: Release) -> Endpoint:
        """Serve the release on its own hostnames and start its processes, healthy.

        A release already on the edge is woken if it sleeps; an unhealthy one
        (crash loop) raises, so no alias moves to it.
        """
        if release.id not in self.edge.state.deployments:
            await self._start(release)
        else:
            status = self.supervisor.status(release.id)
            if status == "unhealthy":
                raise EdgeError(f"deployment {release.id} is unhealthy (crash loop): its "
                                "aliases stay where they were; see its runtime logs")
            if status == "asleep":
                await self.supervisor.wake(release.id)
        self._cancel_drain(release.id)
        self.last_active[release.id] = time.monotonic()
        endpoint: Endpoint = endpoint_of(release.id)
        return endpoint

    async def _start(self, release: Release) -> None:
        output = Path(release.artifact.location)
        functions = find_functions(output)
        wanted = programs(output, functions)
        for program in wanted:
            if program.name == "server":
                program.replicas = max(release.policy.max_replicas, 1)
        server = any(program.name == "server" for program in wanted)
        await self.edge.deploy(edge_deployment(release.id, output, list(release.hostnames),
                                               server, functions))
        if not wanted:
            return
        workload = Workload(release.id, wanted, env=dict(release.env), project=release.project,
                            scale_to_zero=release.policy.scale_to_zero)
        try:
            await self.supervisor.start(workload)
        except BaseException:
            await self.supervisor.destroy(release.id)
            await self.edge.remove(release.id)
            raise

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """CPU time and memory of the release's replicas, from its runtime cgroup; None
        when none of its processes runs (asleep, stopped) or the host has no cgroups."""
        cgroup = RuntimeCgroup(release_id)
        cpu = cgroup.cpu_seconds()
        memory = cgroup.memory_bytes()
        if cpu is None or memory is None or not cgroup.pids():
            return None
        return ResourceUsage(cpu_seconds=cpu, memory_bytes=memory)

    async def status(self, release_id: str) -> ReleaseStatus:
        if release_id not in self.edge.state.deployments:
            return ReleaseStatus.ABSENT
        return STATUSES.get(self.supervisor.status(release_id) or "", ReleaseStatus.READY)

    async def destroy(self, release_id: str) -> None:
        self._cancel_drain(release_id)
        await self.supervisor.destroy(release_id)
        await self.edge.remove(release_id)
        self.last_active.pop(release_id, None)
        await asyncio.to_thread(shutil.rmtree, self.folder(release_id), True)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Keep the policy: scale to zero at once, server replicas from the next start."""
        if release_id in self.edge.state.deployments:
            await self.edge.set_replicas(release_id, max(policy.max_replicas, 1))
        self.supervisor.set_policy(release_id, max(policy.max_replicas, 1),
                                   policy.scale_to_zero)

    async def logs(self, release_id: str, since: datetime | None = None,
                   follow: bool = False) -> AsyncIterator[LogLine]:
        """Every replica's and the supervisor's lines, oldest first; then new ones if ``follow``."""
        folder = self.supervisor.logs_dir(release_id)
        read_up_to: dict[Path, int] = {}
        for record in await asyncio.to_thread(read_logs, folder, 0, read_up_to):
            line = log_line(record)
            if since is None or line.timestamp >= since:
                yield line
        if follow:  # from where the read ended: a line written meanwhile is not lost
            async for record in follow_logs(folder, read_up_to):
                yield log_line(record)

    # -- draining and scale to zero ----------------------------------------------

    def _drain(self, deployment_id: str) -> None:
        """Scale a deployment to zero after the grace period unless an alias or a split
        still sends it traffic."""
        if self.edge.state.in_use(deployment_id) or \
                self.supervisor.status(deployment_id) not in ("running", "unhealthy"):
            return
        self._cancel_drain(deployment_id)

        async def later() -> None:
            await asyncio.sleep(self.settings.runtime_drain_seconds)
            self._drains.pop(deployment_id, None)
            if not self.edge.state.in_use(deployment_id):
                await self.supervisor.sleep(deployment_id)

        self._drains[deployment_id] = asyncio.create_task(later(), name=f"drain {deployment_id}")

    def _cancel_drain(self, deployment_id: str) -> None:
        task = self._drains.pop(deployment_id, None)
        if task is not None:
            task.cancel()

    def _always_on(self, workload: Workload) -> bool:
        production = f"{workload.project}.{self.settings.base_domain}"
        return not workload.scale_to_zero and workload.id in self.edge.state.targets(production)

    async def _idle_loop(self) -> None:
        interval = min(self.settings.preview_idle_seconds / 4, MAX_IDLE_CHECK_SECONDS)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check_idle()
            except Exception:
                logger.exception("the scale-to-zero check failed")

    async def check_idle(self) -> None:
        """Note which deployments got requests; put the ones idle for too long to sleep."""
        now = time.monotonic()
        for hostname in await asyncio.to_thread(self._hosts_seen):
            # Every deployment of a split hostname: which one a request went to is not logged.
            for deployment_id in self.edge.state.targets(hostname.lower()):
                self.last_active[deployment_id] = now
        for workload in list(self.supervisor.runtimes.values()):
            if workload.status != "running" or self._always_on(workload):
                continue
            idle = now - self.last_active.setdefault(workload.id, now)
            if idle >= self.settings.preview_idle_seconds:
                logger.info("deployment %s idle for %.0f s: scaling to zero", workload.id, idle)
                await self.supervisor.sleep(workload.id)

    def _hosts_seen(self) -> set[str]:
        """Hostnames in the edge's access log since the last look."""
        path = self.settings.path("logs", "edge-access.log")
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return set()
        if size < self._access_offset:  # rolled over
            self._access_offset = 0
        with path.open("rb") as handle:
            handle.seek(self._access_offset)
            chunk = handle.read(size - self._access_offset)
        self._access_offset = size
        return hosts_visited(chunk)
