"""The local runtime of databases: each server in a sandbox, restarted when it crashes.

A server runs as :data:`SERVICE_UID` (``nobody``: PostgreSQL refuses to run
as root) inside bubblewrap: the read-only system, its own data folder at
``/data`` and nothing else of the host's files (not AutoStack's data
directory, its keys or other databases), its own PID namespace, no
capabilities, ``no_new_privs``, and ``--die-with-parent``. It shares the
host's network namespace to listen on ``127.0.0.1:port``, the only address
it binds: apps run in network namespaces of their own and reach the port
only when their project is linked (the local runtime forwards the linked
ports into the app's namespace). Without bubblewrap the server is not
started at all (an unsandboxed database would see the whole host).

The runner lives in the process that runs the queue consumer (``autostack
up``); a server exits with it (``--die-with-parent``) and is started again
at the next start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from autostack_core.build.sandbox_layout import system_layout
from autostack_core.interfaces.services import SANDBOX_DATA, Service, ServiceInstance

from .tools import run

logger = logging.getLogger(__name__)

StatusCallback = Callable[[int, str, "str | None"], Awaitable[None]]
"""Told a database's new status and why (``failed``, ``starting``, ``running``)."""

SERVICE_UID = 65534
READY_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
"""Waits before each restart after a crash; past the last, the database is ``failed``."""
STABLE_SECONDS = 60.0
"""A server up this long has its crash count forgotten."""


class ServiceError(RuntimeError):
    """A server that could not be set up or started, with the reason."""


@dataclass
class Running:
    process: asyncio.subprocess.Process
    watcher: asyncio.Task[None] | None = None
    stopping: bool = False
    crashes: int = 0
    log: list[str] = field(default_factory=list)


def sandbox_argv(data_dir: Path, argv: list[str]) -> list[str]:
    """``argv`` in bubblewrap as :data:`SERVICE_UID`, ``data_dir`` at :data:`SANDBOX_DATA`."""
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    if bwrap is None or setpriv is None:
        raise ServiceError("databases need bubblewrap and setpriv (apt-get install "
                           "bubblewrap util-linux): without them a server would see the host")
    return [bwrap, *system_layout(), "--bind", str(data_dir), SANDBOX_DATA,
            "--chdir", "/tmp", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--cap-drop", "ALL",
            "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "HOME", "/tmp",
            setpriv, "--reuid", str(SERVICE_UID), "--regid", str(SERVICE_UID),
            "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
            "--", *argv]


def servers_in_group(group: int) -> list[int]:
    """The processes of process group ``group`` other than bubblewrap's own.

    Stopping signals go to the server, not to bubblewrap: bubblewrap would die at
    once and take the server down with SIGKILL (``--die-with-parent``) before it
    saved anything. SIGINT is PostgreSQL's fast shutdown and Redis' save-and-exit.
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:]
        if int(rest.split()[2]) == group and name != "bwrap":
            found.append(int(entry))
    return found


class ServiceRunner:
    """Starts, watches and stops the servers of this process's databases."""

    def __init__(self, data_root: Path, on_status: StatusCallback) -> None:
        self.data_root = data_root
        self.on_status = on_status
        self.running: dict[int, Running] = {}

    def data_dir(self, database_id: int) -> Path:
        return self.data_root / str(database_id) / "data"

    def backups_dir(self, database_id: int) -> Path:
        return self.data_root / str(database_id) / "backups"

    async def initialize(self, database_id: int, service: Service,
                         instance: ServiceInstance) -> None:
        """Make the data folder and let the service fill it; nothing is left on failure."""
        data = self.data_dir(database_id)
        data.mkdir(parents=True, mode=0o700)
        os.chown(data, SERVICE_UID, SERVICE_UID)
        try:
            await service.initialize(
                instance, lambda argv: run(sandbox_argv(data, argv), timeout=300))
            for root, dirs, files in os.walk(data):
                for name in dirs + files:
                    os.lchown(os.path.join(root, name), SERVICE_UID, SERVICE_UID)
        except (RuntimeError, OSError) as error:
            shutil.rmtree(data.parent, ignore_errors=True)
            raise ServiceError(f"setting up {service.title} failed: {error}") from error

    async def start(self, database_id: int, service: Service, instance: ServiceInstance) -> None:
        """Start the server and wait until it answers; ``ServiceError`` if it does not."""
        if database_id in self.running:
            return
        argv = sandbox_argv(self.data_dir(database_id), service.command(instance))
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        entry = Running(process)
        self.running[database_id] = entry
        entry.watcher = asyncio.create_task(self._watch(database_id, service, instance, entry))
        deadline = time.monotonic() + READY_SECONDS
        while not await service.ready(instance):
            if process.returncode is not None or time.monotonic() > deadline:
                await self.stop(database_id)
                tail = "\n".join(entry.log[-10:])
                raise ServiceError(f"{service.title} did not start: {tail or 'no output'}")
            await asyncio.sleep(0.1)

    async def _watch(self, database_id: int, service: Service, instance: ServiceInstance,
                     entry: Running) -> None:
        """Keep the server's last output lines; restart it when it exits unasked."""
        assert entry.process.stdout is not None
        started = time.monotonic()
        async for line in entry.process.stdout:
            entry.log = [*entry.log[-49:], line.decode(errors="replace").rstrip()]
        code = await entry.process.wait()
        if entry.stopping or self.running.get(database_id) is not entry:
            return
        del self.running[database_id]
        crashes = 0 if time.monotonic() - started > STABLE_SECONDS else entry.crashes
        if crashes >= len(RESTART_DELAYS):
            await self.on_status(database_id, "failed",
                                 f"exited with code {code} {crashes} times: {entry.log[-1:]}")
            return
        await self.on_status(database_id, "starting", f"restarting after exit code {code}")
        await asyncio.sleep(RESTART_DELAYS[crashes])
        try:
            await self.start(database_id, service, instance)
        except ServiceError as error:
            await self.on_status(database_id, "failed", str(error))
            return
        self.running[database_id].crashes = crashes + 1
        await self.on_status(database_id, "running", None)

    async def stop(self, database_id: int) -> None:
        """Stop the server (SIGTERM, SIGKILL after a grace period); a no-op when none runs."""
        entry = self.running.pop(database_id, None)
        if entry is None:
            return
        entry.stopping = True
        if entry.process.returncode is None:
            for pid in servers_in_group(entry.process.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGINT)
            try:
                await asyncio.wait_for(entry.process.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(entry.process.pid, 9)
                await entry.process.wait()
        if entry.watcher is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await entry.watcher

    async def close(self) -> None:
        for database_id in list(self.running):
            await self.stop(database_id)

