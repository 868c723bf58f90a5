"""The local provider: deployments served by the embedded Caddy edge on this machine.

Static output (``static/`` plus ``config.json`` routes) is served by Caddy
itself through :class:`autostack_plugins.providers.local.edge.Edge`. Server apps (``server.json``
with ``server/``) and functions (``functions/<path>.func``, one worker per
runtime) run as sandboxed, supervised processes
(:class:`autostack_plugins.providers.local.supervisor.Supervisor`) behind Caddy's
``reverse_proxy``, static files first; ``docs/build-output.md`` is the
contract with the builders.

* :meth:`LocalProvider.deploy` returns once every process answers its health
  check, so the pipeline marks the deployment ready (and moves aliases) only
  then; a failed start raises with the reason.
* :meth:`LocalProvider.route` wakes a sleeping deployment before the alias
  moves, refuses an unhealthy one, and lets the deployment that lost its last
  alias drain for ``runtime_drain_seconds`` before it scales to zero.
* Deployments idle for ``preview_idle_seconds`` (the edge's access log says)
  scale to zero, except the production deployment of a project that has not
  enabled ``scale_to_zero``; the next request wakes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces import DeploymentSpec
from autostack_plugins.providers.local.certificates import CertificateState, certificate_state
from autostack_plugins.providers.local.edge import Edge, EdgeDeployment, EdgeError
from autostack_plugins.providers.local.runtime_logs import read_logs
from autostack_plugins.providers.local.supervisor import Program, Supervisor, Workload

logger = logging.getLogger("autostack.local")

FUNCTION_RUNTIMES = {"nodejs": "node", "python": "python"}
ACCESS_HOST = re.compile(rb'"host":"([^"]+)"')
MAX_IDLE_CHECK_SECONDS = 15.0


def read_output_config(output_dir: Path) -> dict[str, Any]:
    """The Build Output ``config.json`` of ``output_dir`` (``{}`` when absent)."""
    return _read_json(output_dir / "config.json") or {}


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise EdgeError(f"{path} is not a JSON object")
    return data


def function_runtime(vc_config: dict[str, Any]) -> str:
    """``node`` or ``python`` for a ``.vc-config.json`` runtime (``nodejs20.x``, ``python3.11``)."""
    name = str(vc_config.get("runtime", ""))
    for prefix, runtime in FUNCTION_RUNTIMES.items():
        if name.startswith(prefix):
            return runtime
    raise BuildError(f"unsupported function runtime {name!r}: use nodejs* or python*")


def find_functions(output_dir: Path) -> dict[str, list[str]]:
    """Function paths by runtime: ``functions/api/hello.func`` serves ``/api/hello``."""
    root = output_dir / "functions"
    found: dict[str, list[str]] = {}
    for folder in sorted(root.rglob("*.func")) if root.is_dir() else []:
        config = _read_json(folder / ".vc-config.json") or {}
        path = folder.relative_to(root).as_posix().removesuffix(".func")
        found.setdefault(function_runtime(config), []).append(path)
    return found


def programs(output_dir: Path, functions: dict[str, list[str]]) -> list[Program]:
    """What a deployment runs: its server (``server.json``) and a worker per function runtime."""
    result: list[Program] = []
    server = _read_json(output_dir / "server.json")
    if server is not None:
        if not server.get("command"):
            raise BuildError("server.json has no command: set the start command")
        directory = (output_dir / str(server.get("directory") or "server")).resolve()
        if not directory.is_relative_to(output_dir.resolve()) or not directory.is_dir():
            raise BuildError(f"server.json names a missing directory: {server.get('directory')}")
        result.append(Program("server", str(server["command"]), str(directory),
                              str(server.get("health_path") or "/")))
    if functions:
        from autostack_plugins.providers import launchers  # written with the builders

        for runtime in sorted(functions):
            script = launchers.launcher_file(runtime)
            result.append(Program(f"fn-{runtime}", launchers.launcher_command(runtime, "/app"),
                                  str(output_dir / "functions"), binds=[str(script.parent)]))
    return result


def edge_deployment(spec: DeploymentSpec, server: bool = False,
                    functions: dict[str, list[str]] | None = None) -> EdgeDeployment:
    """What the edge needs to serve ``spec``'s output."""
    static = spec.output_dir / "static"
    if server or functions:
        static.mkdir(parents=True, exist_ok=True)
    if not static.is_dir():
        raise EdgeError(f"build output has no static/ folder: {spec.output_dir}")
    return EdgeDeployment(
        id=spec.id,
        root=str(static),
        hostnames=list(spec.hostnames),
        config=read_output_config(spec.output_dir),
        has_404_page=(static / "404.html").is_file(),
        server=server,
        functions=functions or {},
    )


class LocalProvider:
    """Runs deployments on this machine (the default provider, ``local``)."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.edge = Edge(settings)
        self.supervisor = Supervisor(settings, self.edge.set_upstreams)
        self.last_active: dict[str, float] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._idle_task: asyncio.Task[None] | None = None
        self._access_offset = 0

    async def start(self) -> None:
        """Start or re-adopt the edge and the processes the saved state says should run."""
        await self.edge.start()
        await self.supervisor.adopt()
        access_log = self.settings.path("logs", "edge-access.log")
        self._access_offset = access_log.stat().st_size if access_log.exists() else 0
        self._idle_task = asyncio.create_task(self._idle_loop(), name="scale-to-zero")

    async def stop(self) -> None:
        """Stop the processes and the Caddy (a clean shutdown).

        With ``keep_apps_running`` (the service unit's setting) both keep serving
        and only the watching stops: the next start re-adopts them, as after a
        crash, so restarting or upgrading the server interrupts no deployment.
        """
        for task in [self._idle_task, *self._drains.values()]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        keep = self.settings.keep_apps_running
        await self.supervisor.close(stop_replicas=not keep)
        if not keep:
            await self.edge.stop()

    async def deploy(self, spec: DeploymentSpec) -> None:
        """Serve ``spec.output_dir`` on ``spec.hostnames``; start its processes, healthy."""
        functions = find_functions(spec.output_dir)
        wanted = programs(spec.output_dir, functions)
        server = any(program.name == "server" for program in wanted)
        await self.edge.deploy(edge_deployment(spec, server, functions))
        if not wanted:
            return
        runtime = Workload(spec.id, wanted, env=dict(spec.env), project=spec.project,
                          scale_to_zero=bool(spec.config.get("scale_to_zero")))
        try:
            await self.supervisor.start(runtime)
        except BaseException:
            await self.supervisor.destroy(spec.id)
            await self.edge.remove(spec.id)
            raise
        self.last_active[spec.id] = time.monotonic()

    async def route(self, hostname: str, spec: DeploymentSpec) -> None:
        """Point ``hostname`` at ``spec``'s deployment once it runs healthy.

        The deployment that loses its last alias drains, then scales to zero.
        """
        if spec.id not in self.edge.state.deployments:
            await self.deploy(spec)
        status = self.supervisor.status(spec.id)
        if status == "unhealthy":
            raise EdgeError(f"deployment {spec.id} is unhealthy (crash loop): {hostname} "
                            "stays where it was; see its runtime logs")
        if status == "asleep":
            await self.supervisor.wake(spec.id)
        self._cancel_drain(spec.id)
        self.last_active[spec.id] = time.monotonic()
        previous = self.edge.served_by(hostname)
        await self.edge.alias(hostname, spec.id)
        if previous is not None and previous != spec.id:
            self._drain(previous)

    async def unroute(self, hostname: str) -> None:
        previous = self.edge.served_by(hostname)
        await self.edge.unalias(hostname)
        if previous is not None:
            self._drain(previous)

    # -- custom domains (autostack_core.domains.DomainProvider) -----------------------

    async def redirect(self, hostname: str, status: int, target: str) -> None:
        await self.edge.redirect(hostname, status, target)

    async def unredirect(self, hostname: str) -> None:
        await self.edge.unredirect(hostname)

    async def serve_https(self, hostname: str, enabled: bool) -> None:
        await self.edge.serve_https(hostname, enabled)

    async def certificate(self, hostname: str) -> CertificateState:
        """Probe the edge's HTTPS port for ``hostname`` (starts issuance when none exists)."""
        return await asyncio.to_thread(certificate_state, hostname, self.settings.edge_https_port,
                                       self.settings.path("logs", "edge-tls.log"))

    async def destroy(self, deployment_id: str) -> None:
        self._cancel_drain(deployment_id)
        await self.supervisor.destroy(deployment_id)
        await self.edge.remove(deployment_id)
        self.last_active.pop(deployment_id, None)

    async def scale(self, deployment_id: str, replicas: int) -> None:
        """Record ``replicas``; server programs use it from their next start."""
        await self.edge.set_replicas(deployment_id, replicas)
        runtime = self.supervisor.runtimes.get(deployment_id)
        if runtime is not None:
            for program in runtime.programs:
                if program.name == "server":
                    program.replicas = replicas

    async def status(self, deployment_id: str) -> str:
        """``ready``, ``unhealthy`` (crash loop), ``asleep`` (scaled to zero) or ``absent``."""
        if deployment_id not in self.edge.state.deployments:
            return "absent"
        status = self.supervisor.status(deployment_id)
        return {"unhealthy": "unhealthy", "asleep": "asleep"}.get(status or "", "ready")

    async def logs(self, deployment_id: str) -> AsyncIterator[str]:
        """Runtime log lines of every replica and the supervisor, oldest first."""
        records = await asyncio.to_thread(read_logs, self.supervisor.logs_dir(deployment_id))
        for record in records:
            yield f"{record['timestamp']} [{record['source']}] {record['line']}"

    def cost_estimate(self, spec: DeploymentSpec) -> dict[str, Any]:
        """Running on your own machine costs nothing extra."""
        return {"currency": "USD", "monthly": 0.0, "hourly": 0.0}

    # -- draining and scale to zero ----------------------------------------------

    def _drain(self, deployment_id: str) -> None:
        """Scale a deployment to zero after the grace period unless an alias still uses it."""
        if deployment_id in self.edge.state.aliases.values() or \
                self.supervisor.status(deployment_id) not in ("running", "unhealthy"):
            return
        self._cancel_drain(deployment_id)

        async def later() -> None:
            await asyncio.sleep(self.settings.runtime_drain_seconds)
            self._drains.pop(deployment_id, None)
            if deployment_id not in self.edge.state.aliases.values():
                await self.supervisor.sleep(deployment_id)

        self._drains[deployment_id] = asyncio.create_task(later(), name=f"drain {deployment_id}")

    def _cancel_drain(self, deployment_id: str) -> None:
        task = self._drains.pop(deployment_id, None)
        if task is not None:
            task.cancel()

    def _always_on(self, runtime: Workload) -> bool:
        production = f"{runtime.project}.{self.settings.base_domain}"
        return not runtime.scale_to_zero and self.edge.served_by(production) == runtime.id

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
            deployment_id = self.edge.served_by(hostname)
            if deployment_id is not None:
                self.last_active[deployment_id] = now
        for runtime in list(self.supervisor.runtimes.values()):
            if runtime.status != "running" or self._always_on(runtime):
                continue
            idle = now - self.last_active.setdefault(runtime.id, now)
            if idle >= self.settings.preview_idle_seconds:
                logger.info("deployment %s idle for %.0f s: scaling to zero", runtime.id, idle)
                await self.supervisor.sleep(runtime.id)

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
        return {match.decode(errors="replace").split(":")[0]
                for match in set(ACCESS_HOST.findall(chunk))}


@hookimpl
def register_providers(settings: Settings) -> list[LocalProvider]:
    return [LocalProvider(settings)]


@hookimpl
async def startup(app: Any) -> None:
    provider = app.providers.get("local")
    if isinstance(provider, LocalProvider):
        await provider.start()


@hookimpl
async def shutdown(app: Any) -> None:
    provider = app.providers.get("local")
    if isinstance(provider, LocalProvider):
        await provider.stop()
