"""One replica's start and end: spawn its shim in the run sandbox, health-check it, stop it.

Every replica is a shim (:mod:`autostack_plugins.providers.local.runtime_shim`)
in its own session, running the program in the run sandbox
(:mod:`autostack_plugins.providers.local.run_sandbox`) on a loopback port
chosen for it and passed as ``PORT``: the host's, or, when the replica has its
own network namespace, the app's own loopback port, which the shim relays from
the same port of the host's. Either way the health check, the edge and the
waker talk to the host's ``127.0.0.1:PORT``.

:meth:`ReplicaLauncher.wait_healthy` returns once the replica answers its
health check (any status below 500), or raises :class:`RuntimeStartError`
saying why: the command exited (with its last log lines), it never listened on
``PORT``, or the check timed out. The launcher also writes the supervisor's
events to the deployment's runtime logs (source ``supervisor``).

What a cold start waits for is kept short (``bench/runtime_bench.py`` (b)
prints its steps): a spare shim, started once the previous start is over,
has its interpreter running and its modules imported when the next replica
needs one (:meth:`ReplicaLauncher.keep_spare`); while a replica starts, its
deployment weighs more for a busy CPU (:meth:`RuntimeCgroup.boost`); and
``on_listening`` tells the supervisor the moment the port listens, before
the health check passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.utils import process_alive
from autostack_plugins.providers.local.node_ca import path_inside, replica_extra_ca
from autostack_plugins.providers.local.run_sandbox import (
    RuntimeCgroup,
    isolation,
    runtime_env,
    sandbox_argv,
)
from autostack_plugins.providers.local.runtime_logs import LogWriter, last_lines
from autostack_plugins.providers.local.runtime_shim import READY
from autostack_plugins.providers.local.workload import Program, Replica, Workload

HEALTH_INTERVAL_SECONDS = 0.05
# Until the port listens, a bare connection is tried this often (cheaper than a
# request, so much more often): the cold start is not rounded up to the next
# health check, which made every few milliseconds of start-up cost 0 or 50 ms.
LISTEN_INTERVAL_SECONDS = 0.005
SHIM_MODULE = "autostack_plugins.providers.local.runtime_shim"
SPARES = 2
"""Spare shims kept ready per control plane (each ~24 MB RSS, 13 MB of it its own)."""


class RuntimeStartError(BuildError):
    """A program did not become healthy; the message is for users (and the deployment)."""


def service_ports(env: dict[str, str]) -> list[int]:
    """The linked databases' ports (``AUTOSTACK_SERVICE_PORTS``) the app may reach."""
    raw = env.get("AUTOSTACK_SERVICE_PORTS", "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


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
    """Whether ``pid`` is alive and is a shim of this deployment (pids get reused).

    A shim started for the replica names the deployment in its command line;
    a spare shim (``--spare``) that became one holds its log file open.
    """
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if SHIM_MODULE.encode() not in cmdline:
        return False
    return any(deployment_id.encode() in part for part in cmdline) or \
        _holds_logs_of(pid, deployment_id)


def _holds_logs_of(pid: int, deployment_id: str) -> bool:
    """Whether ``pid`` has a file of the deployment's runtime logs folder open."""
    folder = f"/proc/{pid}/fd"
    with contextlib.suppress(OSError):
        for fd in os.listdir(folder):
            with contextlib.suppress(OSError):
                if f"/{deployment_id}/" in os.readlink(f"{folder}/{fd}"):
                    return True
    return False


async def listening(port: int) -> bool:
    """Whether something accepts connections on the host's ``127.0.0.1:port``."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


class ReplicaLauncher:
    """Spawns, health-checks and terminates replicas; writes the supervisor's events."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bwrap = shutil.which("bwrap")
        # Own user and network namespaces per replica when this host allows them.
        self.isolated = self.bwrap is not None and isolation().available
        # Health checks are plain HTTP to the loopback: no CA bundle to load (25 ms a start).
        self._http = httpx.AsyncClient(timeout=2.0, verify=False)
        self._spares: list[asyncio.subprocess.Process] = []  # oldest first
        self._sparing: asyncio.Task[None] | None = None

    async def close(self) -> None:
        """Close the health checks' HTTP client; end the spare shims."""
        await self._http.aclose()
        while self._sparing is not None:
            await self._sparing
        spares, self._spares = self._spares, []
        for spare in spares:
            if spare.stdin is not None:
                spare.stdin.close()  # end of file: the spare exits
        for spare in spares:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(spare.wait(), 5)

    def keep_spare(self) -> None:
        """Start spare shims in the background, one after the other, until :data:`SPARES`
        are alive.

        A shim's interpreter start and imports took more than the app's own
        start; a spare has done them when the next replica (a wake, a restart,
        a deploy) needs a shim. Called once a start is over, so the spare does
        not compete with it for the CPU. A second spare is ready while the one
        made after a start still imports (most of a second here), for a wake
        that comes then.
        """
        self._spares = [spare for spare in self._spares if spare.returncode is None]
        if self._sparing is None and len(self._spares) < SPARES:
            self._sparing = asyncio.ensure_future(self._start_spare())

    async def spare(self) -> int | None:
        """The pid of the spare shim the next start takes, once every spare is ready
        (None: there is none)."""
        while self._sparing is not None:
            await self._sparing
        alive = [spare for spare in self._spares if spare.returncode is None]
        return alive[0].pid if alive else None

    async def _start_spare(self) -> None:
        """Start a spare shim, wait until it says it is ready, then the next if one is missing.

        A start that comes meanwhile takes a ready one first, else this one all
        the same: what is left of its imports is less than a new shim's.
        """
        ready = False
        try:
            spare = await asyncio.create_subprocess_exec(
                sys.executable, "-m", SHIM_MODULE, "--spare",
                *(["--private-network"] if self.isolated else []), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True, cwd="/", env={"PATH": os.environ.get("PATH", "")})
            self._spares.append(spare)
            if spare.stdout is not None:
                ready = await spare.stdout.readline() == READY  # or nothing: it ended
        finally:
            self._sparing = None
        if ready:  # a spare that ends at once is not made again and again
            self.keep_spare()

    async def _take_spare(self, argv: list[str], cwd: str,
                          env: dict[str, str]) -> asyncio.subprocess.Process | None:
        """The oldest spare shim alive, given ``argv`` to run as, or None when there is none."""
        job = json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode() + b"\n"
        while self._spares:
            spare = self._spares.pop(0)
            if spare.returncode is not None or spare.stdin is None:
                continue
            try:
                spare.stdin.write(job)
                await spare.stdin.drain()
            except (BrokenPipeError, ConnectionResetError):
                continue
            spare.stdin.close()
            return spare
        return None

    def logs_dir(self, deployment_id: str) -> Path:
        """The deployment's runtime logs folder (one file per replica and the supervisor)."""
        return self.settings.path("logs", "runtime", deployment_id)

    def event(self, deployment_id: str, message: str) -> None:
        """Write one supervisor event to the deployment's runtime logs."""
        writer = LogWriter(self.logs_dir(deployment_id), "supervisor")
        writer.write("system", message)
        writer.close()

    async def spawn(self, runtime: Workload, program: Program,
                    replica: Replica) -> asyncio.subprocess.Process:
        """Start the replica's shim in a new session (sets ``replica.pid``)."""
        cgroup = RuntimeCgroup(runtime.id)
        procs = cgroup.create(self.settings.runtime_memory_mb, self.settings.runtime_cpus)
        cgroup.boost(starting=True)
        extra_ca = await asyncio.to_thread(replica_extra_ca, self.settings.path("node-ca"),
                                           Path(program.app_dir))
        seen_as = None if extra_ca is None else path_inside(extra_ca, self.bwrap is not None)
        env = runtime_env(runtime.env, replica.port, seen_as)
        shim = ["--logs", str(self.logs_dir(runtime.id)), "--source", replica.source]
        for path in procs:
            shim += ["--procs", path]
        if self.isolated:
            shim += ["--private-network", str(replica.port)]
            for port in service_ports(runtime.env):
                shim += ["--service-port", str(port)]
        argv = sandbox_argv(self.bwrap, Path(program.app_dir), program.command, env,
                            program.binds, self.isolated, extra_ca)
        self.event(runtime.id, f"starting {replica.source}: {program.command} "
                               f"(PORT={replica.port})")
        shim_env = {"PATH": os.environ.get("PATH", ""), "AUTOSTACK_DEPLOYMENT_ID": runtime.id}
        process = await self._take_spare([*shim, "--", *argv], str(program.app_dir), shim_env)
        if process is None:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", SHIM_MODULE, *shim, "--", *argv,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, start_new_session=True, cwd=program.app_dir,
                env=shim_env,
            )
        replica.pid = process.pid
        return process

    async def wait_healthy(self, runtime: Workload, program: Program, replica: Replica,
                           process: asyncio.subprocess.Process,
                           on_listening: Callable[[], None] | None = None) -> None:
        """Once the port listens (``on_listening`` is then called), poll ``GET health_path``
        until a status below 500.

        Raises :class:`RuntimeStartError` with the reason. Either way, the
        deployment's CPU weight drops back and a spare shim is then made ready
        for the next start.
        """
        try:
            await self._wait_healthy(runtime, program, replica, process, on_listening)
        finally:
            RuntimeCgroup(runtime.id).boost(starting=False)
            self.keep_spare()

    async def _wait_healthy(self, runtime: Workload, program: Program, replica: Replica,
                            process: asyncio.subprocess.Process,
                            on_listening: Callable[[], None] | None) -> None:
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
                if on_listening is not None:
                    on_listening()
                    on_listening = None
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
        self.event(runtime.id, f"{replica.source} failed to start: {message}")
        raise RuntimeStartError(message)

    async def terminate(self, replica: Replica, grace: float) -> None:
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
