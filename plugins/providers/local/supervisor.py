"""The supervisor: runs, health-checks, restarts, sleeps and re-adopts server processes.

A deployment's runtime is a list of :class:`Program` (its server, and one
worker per function runtime), each with replicas. Every replica is a shim
(:mod:`autostack_plugins.providers.local.runtime_shim`) in its own session, running the program
in the run sandbox (:mod:`autostack_plugins.providers.local.run_sandbox`) on a loopback port the
supervisor chose and passed as ``PORT``: the host's, or, when the replica has
its own network namespace, the app's own loopback port, which the shim relays
from the same port of the host's. Either way the supervisor, the edge and the
waker talk to the host's ``127.0.0.1:PORT``.

* :meth:`Supervisor.start` starts every replica and returns only once each
  answers its health check (any status below 500), or raises
  :class:`RuntimeStartError` saying why: the command exited (with its last
  log lines), it never listened on ``PORT``, or the check timed out.
* A replica that exits is restarted with exponential backoff; five crashes
  within a minute mark the deployment ``unhealthy`` (restarts go on, slowly).
* :meth:`Supervisor.sleep` stops the replicas and leaves a
  :class:`autostack_plugins.providers.local.waker.Waker` on a port; the next request starts them
  again (:meth:`Supervisor.wake`).
* Whatever should run is saved to ``<data>/runtime/state.json`` (mode 0600,
  the runtime environment variables sealed with the keyring) before it changes. On start,
  :meth:`Supervisor.adopt` keeps replicas whose shim is alive and listening,
  restarts the others and reopens the wakers of sleeping deployments.

Where the edge must send traffic is told through ``on_upstreams(deployment
id, program name, ports)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from autostack_core.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.crypto import active_keyring
from autostack_core.utils import free_port, process_alive, write_private
from autostack_plugins.providers.local.run_sandbox import (
    RuntimeCgroup,
    isolation,
    runtime_env,
    sandbox_argv,
)
from autostack_plugins.providers.local.runtime_logs import LogWriter, last_lines
from autostack_plugins.providers.local.waker import Waker

logger = logging.getLogger("autostack.supervisor")

UpstreamsCallback = Callable[[str, str, list[int]], Awaitable[None]]

CRASH_WINDOW_SECONDS = 60.0
CRASH_LOOP_COUNT = 5
MAX_BACKOFF_SECONDS = 30.0
STOP_GRACE_SECONDS = 10.0
HEALTH_INTERVAL_SECONDS = 0.05
# Until the port listens, a bare connection is tried this often (cheaper than a
# request, so much more often): the cold start is not rounded up to the next
# health check, which made every few milliseconds of start-up cost 0 or 50 ms.
LISTEN_INTERVAL_SECONDS = 0.005
SHIM_MODULE = "autostack_plugins.providers.local.runtime_shim"


class RuntimeStartError(BuildError):
    """A program did not become healthy; the message is for users (and the deployment)."""


@dataclass
class Program:
    """One thing a deployment runs: its server, or a function worker."""

    name: str
    command: str
    app_dir: str
    health_path: str = "/"
    replicas: int = 1
    binds: list[str] = field(default_factory=list)


@dataclass
class Replica:
    """One running copy of a program: its shim's pid and the port it serves."""

    program: str
    index: int
    port: int
    pid: int = 0

    @property
    def source(self) -> str:
        """Its name in the runtime logs, e.g. ``server-0``."""
        return f"{self.program}-{self.index}"


ENV_CONTEXT = "runtime.env"


@dataclass
class Workload:
    """What the supervisor keeps for one deployment (saved in the state file)."""

    id: str
    programs: list[Program]
    env: dict[str, str] = field(default_factory=dict)
    project: str = ""
    scale_to_zero: bool = False
    status: str = "starting"  # starting, running, unhealthy, asleep, stopped
    replicas: list[Replica] = field(default_factory=list)
    waker_ports: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The state file's form: the environment sealed like every secret at rest."""
        data = asdict(self)
        data["env"] = active_keyring().seal(json.dumps(self.env), ENV_CONTEXT)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        env = json.loads(active_keyring().open(data["env"], ENV_CONTEXT)) if data.get("env") \
            else {}
        return cls(
            id=data["id"], env=env, status=data.get("status", "stopped"),
            project=data.get("project", ""), scale_to_zero=bool(data.get("scale_to_zero")),
            programs=[Program(**program) for program in data.get("programs", [])],
            replicas=[Replica(**replica) for replica in data.get("replicas", [])],
            waker_ports=dict(data.get("waker_ports", {})),
        )


def port_free(port: int) -> bool:
    """Whether the app can bind ``port`` again (connections in TIME_WAIT do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pid_is_shim(pid: int, deployment_id: str) -> bool:
    """Whether ``pid`` is alive and is a shim of this deployment (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return SHIM_MODULE.encode() in cmdline and any(deployment_id.encode() in part
                                                   for part in cmdline)


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


class Supervisor:
    """Runs the programs of every deployment of this machine."""

    def __init__(self, settings: Settings, on_upstreams: UpstreamsCallback) -> None:
        self.settings = settings
        self.on_upstreams = on_upstreams
        self.state_path = settings.path("runtime", "state.json")
        self.runtimes: dict[str, Workload] = {}
        self.bwrap = shutil.which("bwrap")
        # Own user and network namespaces per replica when this host allows them.
        self.isolated = self.bwrap is not None and isolation().available
        self._watchers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._wakers: dict[tuple[str, str], Waker] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._crashes: dict[str, list[float]] = {}
        self._http = httpx.AsyncClient(timeout=2.0)

    # -- state ----------------------------------------------------------------

    def _save(self) -> None:
        runtimes = {key: value.to_dict() for key, value in self.runtimes.items()}
        write_private(self.state_path, json.dumps({"runtimes": runtimes}, indent=1, sort_keys=True))

    def _load(self) -> None:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        self.runtimes = {key: Workload.from_dict(value)
                         for key, value in data.get("runtimes", {}).items()}

    def logs_dir(self, deployment_id: str) -> Path:
        return self.settings.path("logs", "runtime", deployment_id)

    def _event(self, deployment_id: str, message: str) -> None:
        writer = LogWriter(self.logs_dir(deployment_id), "supervisor")
        writer.write("system", message)
        writer.close()

    def lock(self, deployment_id: str) -> asyncio.Lock:
        return self._locks.setdefault(deployment_id, asyncio.Lock())

    # -- life cycle -------------------------------------------------------------

    async def adopt(self) -> None:
        """Re-adopt what a previous control plane left running; restart or reopen the rest."""
        self._load()
        for runtime in list(self.runtimes.values()):
            if runtime.status == "asleep":
                await self._open_wakers(runtime)
                continue
            if runtime.status not in ("running", "unhealthy", "starting"):
                continue
            for replica in runtime.replicas:
                if pid_is_shim(replica.pid, runtime.id) and await listening(replica.port):
                    logger.info("re-adopting %s of %s (pid %d)", replica.source, runtime.id,
                                replica.pid)
                    self._watch(runtime, replica, adopted=True)
                else:
                    self._event(runtime.id, f"{replica.source} was gone after a control "
                                            "plane restart: restarting it")
                    self._watch(runtime, replica, adopted=False, restart=True)
            for program in runtime.programs:
                await self._publish(runtime, program.name)
        self._save()

    async def close(self, stop_replicas: bool) -> None:
        """Stop watching (and, on a clean shutdown, stop every replica and waker)."""
        for task in self._watchers.values():
            task.cancel()
        for task in list(self._watchers.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watchers.clear()
        for waker in self._wakers.values():
            await waker.close()
        if stop_replicas:
            await asyncio.gather(*(self._terminate(replica, STOP_GRACE_SECONDS)
                                   for runtime in self.runtimes.values()
                                   for replica in runtime.replicas))
            for runtime in self.runtimes.values():
                await RuntimeCgroup(runtime.id).remove()
        await self._http.aclose()

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

    async def _start_replicas(self, runtime: Workload) -> None:
        started: list[Replica] = []
        try:
            for program in runtime.programs:
                for index in range(max(program.replicas, 1)):
                    replica = Replica(program.name, index, free_port())
                    process = await self._spawn(runtime, program, replica)
                    started.append(replica)
                    runtime.replicas = list(started)
                    self._save()
                    await self._wait_healthy(runtime, program, replica, process)
                    self._watch(runtime, replica, adopted=False, process=process)
        except BaseException:
            await asyncio.gather(*(self._terminate(replica, 1.0) for replica in started))
            runtime.replicas, runtime.status = [], "stopped"
            self._save()
            raise
        runtime.status = "running"
        self._save()
        for program in runtime.programs:
            await self._publish(runtime, program.name)
        self._event(runtime.id, "running: " + ", ".join(
            f"{replica.source} on port {replica.port}" for replica in runtime.replicas))

    async def _spawn(self, runtime: Workload, program: Program,
                     replica: Replica) -> asyncio.subprocess.Process:
        cgroup = RuntimeCgroup(runtime.id)
        procs = cgroup.create(self.settings.runtime_memory_mb, self.settings.runtime_cpus)
        env = runtime_env(runtime.env, replica.port)
        shim = [sys.executable, "-m", SHIM_MODULE, "--logs", str(self.logs_dir(runtime.id)),
                "--source", replica.source]
        for path in procs:
            shim += ["--procs", path]
        if self.isolated:
            shim += ["--private-network", str(replica.port)]
        argv = sandbox_argv(self.bwrap, Path(program.app_dir), program.command, env,
                            program.binds, self.isolated)
        self._event(runtime.id, f"starting {replica.source}: {program.command} "
                                f"(PORT={replica.port})")
        process = await asyncio.create_subprocess_exec(
            *shim, "--", *argv, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True, cwd=program.app_dir,
            env={"PATH": os.environ.get("PATH", ""), "AUTOSTACK_DEPLOYMENT_ID": runtime.id},
        )
        replica.pid = process.pid
        return process

    async def _wait_healthy(self, runtime: Workload, program: Program, replica: Replica,
                            process: asyncio.subprocess.Process) -> None:
        """Once the port listens, poll ``GET health_path`` until a status below 500.

        Raises with the reason.
        """
        timeout = self.settings.health_timeout_seconds
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{replica.port}{program.health_path}"
        connected, last = False, "no answer"
        while time.monotonic() < deadline:
            if process.returncode is not None:
                break
            interval = HEALTH_INTERVAL_SECONDS
            if not connected and not await listening(replica.port):
                interval = LISTEN_INTERVAL_SECONDS
            else:
                try:
                    response = await self._http.get(url)
                except httpx.TransportError as error:
                    connected = connected or not isinstance(error, httpx.ConnectError)
                    last = type(error).__name__
                else:
                    connected = True
                    if response.status_code < 500:
                        return
                    last = f"HTTP {response.status_code}"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), interval)
        folder = self.logs_dir(runtime.id)
        if process.returncode is not None:
            await asyncio.sleep(0.1)  # the shim writes the last lines before it exits
            tail = "\n".join(last_lines(folder, replica.source, 15))
            message = (f"the start command `{program.command}` exited with code "
                       f"{process.returncode} before answering on PORT={replica.port}; "
                       f"last log lines:\n{tail}")
        elif not connected:
            message = (f"the start command `{program.command}` never listened on "
                       f"127.0.0.1:$PORT (PORT={replica.port}) within {timeout:g} s; "
                       "make the server listen on the port in the PORT variable")
        else:
            message = (f"health check GET {program.health_path} did not pass within "
                       f"{timeout:g} s (last: {last})")
        self._event(runtime.id, f"{replica.source} failed to start: {message}")
        raise RuntimeStartError(message)

    # -- watching and restarting ---------------------------------------------

    def _watch(self, runtime: Workload, replica: Replica, *, adopted: bool,
               process: asyncio.subprocess.Process | None = None, restart: bool = False) -> None:
        key = (runtime.id, replica.source)
        self._watchers[key] = asyncio.create_task(
            self._guard(runtime, replica, process, adopted, restart), name=f"replica {key}")

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
                self._save()
                self._event(runtime.id, f"crash loop: {len(crashes)} crashes in "
                                        f"{CRASH_WINDOW_SECONDS:g} s; marked unhealthy")
            self._event(runtime.id, f"{replica.source} exited with code {code}; restarting "
                                    f"in {delay:g} s")
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
        process = await self._spawn(runtime, program, replica)
        self._save()
        try:
            await self._wait_healthy(runtime, program, replica, process)
        except RuntimeStartError:
            await self._terminate(replica, 1.0)
            return process  # the caller counts it as a crash
        if runtime.status == "unhealthy" and len(self._record_crash(runtime.id, 0)) == 0:
            runtime.status = "running"
            self._save()
        await self._publish(runtime, program.name)
        return process

    def _record_crash(self, deployment_id: str, count: int = 1) -> list[float]:
        now = time.monotonic()
        recent = [at for at in self._crashes.get(deployment_id, [])
                  if now - at < CRASH_WINDOW_SECONDS] + [now] * count
        self._crashes[deployment_id] = recent
        return recent

    # -- stopping, sleeping, waking ---------------------------------------------

    async def _terminate(self, replica: Replica, grace: float) -> None:
        """SIGTERM the shim (it passes it to the app), SIGKILL its group after ``grace``."""
        if replica.pid <= 0:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(replica.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and process_alive(replica.pid):
            await asyncio.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(replica.pid, signal.SIGKILL)

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
            task = self._watchers.pop((deployment_id, replica.source), None)
            if task is not None:
                task.cancel()
        await asyncio.gather(*(self._terminate(replica, grace) for replica in replicas))
        await RuntimeCgroup(deployment_id).remove()
        self._save()
        if replicas:
            self._event(deployment_id, f"stopped ({status})")

    async def sleep(self, deployment_id: str, grace: float = STOP_GRACE_SECONDS) -> None:
        """Scale to zero: point the edge at a waker, then stop the replicas."""
        async with self.lock(deployment_id):
            runtime = self.runtimes.get(deployment_id)
            if runtime is None or runtime.status not in ("running", "unhealthy"):
                return
            runtime.status = "asleep"
            await self._open_wakers(runtime)
            await self.stop(deployment_id, grace, status="asleep")

    async def wake(self, deployment_id: str) -> None:
        """Start a sleeping deployment again and wait until it is healthy."""
        async with self.lock(deployment_id):
            runtime = self.runtimes.get(deployment_id)
            if runtime is None or runtime.status != "asleep":
                return
            self._event(deployment_id, "waking up")
            await self._start_replicas(runtime)
            for program in runtime.programs:
                waker = self._wakers.pop((deployment_id, program.name), None)
                if waker is not None:
                    await waker.close()
            runtime.waker_ports = {}
            self._save()

    async def _open_wakers(self, runtime: Workload) -> None:
        for program in runtime.programs:
            key = (runtime.id, program.name)
            if key in self._wakers:
                continue

            async def wake(runtime_id: str = runtime.id, name: str = program.name) -> int:
                await self.wake(runtime_id)
                return self._ports(self.runtimes[runtime_id], name)[0]

            waker = Waker(wake)
            try:
                port = await waker.start(runtime.waker_ports.get(program.name, 0))
            except OSError:
                port = await waker.start(0)
            self._wakers[key] = waker
            runtime.waker_ports[program.name] = port
            self._save()
            await self.on_upstreams(runtime.id, program.name, [port])

    async def destroy(self, deployment_id: str) -> None:
        """Stop a deployment for good and forget it."""
        async with self.lock(deployment_id):
            await self.stop(deployment_id, grace=2.0)
            for key in [key for key in self._wakers if key[0] == deployment_id]:
                await self._wakers.pop(key).close()
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
        runtime = self.runtimes.get(deployment_id)
        return None if runtime is None else runtime.status

    def _ports(self, runtime: Workload, program: str) -> list[int]:
        return [replica.port for replica in runtime.replicas if replica.program == program]

    async def _publish(self, runtime: Workload, program: str) -> None:
        if runtime.status == "asleep":
            return
        ports = self._ports(runtime, program)
        if ports:
            await self.on_upstreams(runtime.id, program, ports)
