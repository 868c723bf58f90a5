"""Run build commands inside a bubblewrap sandbox, with time and memory limits.

The sandbox sees a read-only system (``/usr``, ``/etc``), a writable
``/workspace`` (the source tree) and ``/cache`` (the project's cache, also
``HOME``), the shared toolchain cache read-only at ``/toolchains``
(``$AUTOSTACK_TOOLCHAINS``: Node.js versions the system lacks), a private
``/tmp``, ``/proc`` and ``/dev``, and a private network
reaching the internet (installs need the package registries) but not the
host's loopback (see :mod:`autostack_core.build.sandbox_network`; without
slirp4netns the host network is used and ``autostack doctor`` says so).
Nothing else of the host is visible: not the data directory, its keys and
database, nor other projects.

Limits: the wall time is a budget for the whole :class:`Sandbox` (install plus
build), CPU time is capped per process with ``ulimit -t``, and memory through a
cgroup (v1 or v2, detected at run time), falling back to ``ulimit -v`` when no
cgroup can be created. Every run starts a new session, so :meth:`Sandbox.kill`
and the timeout kill the whole process group; the sandbox's PID namespace makes
sure no grandchild survives either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autostack_core.build.sandbox_cgroups import MemoryCgroup
from autostack_core.build.sandbox_layout import system_ca_env, system_layout
from autostack_core.build.sandbox_network import IsolatedNetwork, NetworkSetupError, slirp4netns
from autostack_core.infrastructure.manifests import safe_relative_path
from autostack_core.interfaces import SANDBOX_PATH

if TYPE_CHECKING:
    from autostack_core.config import Settings
    from autostack_core.interfaces import Detection

logger = logging.getLogger(__name__)

LineHandler = Callable[[str, str], Awaitable[None]]

DEFAULT_PATH = SANDBOX_PATH
# Where the shared toolchain cache (Node.js versions) is mounted, read-only.
TOOLCHAINS = "/toolchains"
MASK = "***"
# A folder others may list and enter.
# Lines longer than this are split, so one minified bundle cannot eat the memory.
MAX_LINE_BYTES = 64 * 1024
# A shell that joins the cgroup and sets rlimits, then becomes the real command.
# Arguments: $1 cgroup.procs path or "", $2 CPU seconds or "", $3 address space KB or "".
_LIMITS_SCRIPT = (
    'if [ -n "$1" ]; then echo $$ > "$1" || exit 125; fi; '
    'if [ -n "$2" ]; then ulimit -t "$2" || exit 125; fi; '
    'if [ -n "$3" ]; then ulimit -v "$3" || exit 125; fi; '
    'shift 3; exec "$@"'
)
UNSANDBOXED_HELP = (
    "bubblewrap (bwrap) is not installed, and builds never run unsandboxed by default. "
    "Install it (sudo apt-get install -y bubblewrap) and run `autostack doctor`, or set "
    "AUTOSTACK_ALLOW_UNSANDBOXED=1 to run builds without a sandbox at your own risk."
)


class SandboxError(Exception):
    """A sandboxed command could not run or was stopped by a limit; the message is for users."""


class SandboxUnavailable(SandboxError):
    """bubblewrap is missing and unsandboxed builds are not allowed."""


class SandboxTimeout(SandboxError):
    """The wall-time budget ran out; the whole process group was killed."""


class SandboxOutOfMemory(SandboxError):
    """The command was killed by the kernel for exceeding the memory limit."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox; ``None`` means unlimited."""

    wall_seconds: float = 15 * 60
    cpu_seconds: int | None = None
    memory_mb: int | None = 4096

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """Build limits from the server settings.

        CPU time is capped per process at the wall time times the number of
        CPUs: it only stops runaway processes; the wall time is the real budget.
        """
        wall = settings.build_timeout_seconds
        return cls(
            wall_seconds=wall,
            cpu_seconds=wall * (os.cpu_count() or 1),
            memory_mb=settings.build_memory_mb,
        )


def nothing_to_build(detection: Detection, custom_steps: Sequence[object]) -> bool:
    """Whether a deployment runs no command at all, so no sandbox starts (the static fast path).

    True for a static site with no install, build or start command and no ``test``,
    ``lint`` or ``check`` step (``custom_steps``, the ones that run): its files go
    from the source to the store through host code alone (the builder's publish,
    on :mod:`autostack_core.build.user_file_writes`, with every check it makes
    on links, names and sizes). The pipeline then lets an upload's workspace be
    hard links to the store's objects; a command a builder still runs (a static
    site's middleware to bundle) first gets private copies and a sandbox, since a
    command could write through those links into the store.
    """
    return (detection.runtime == "static" and not custom_steps
            and not (detection.install_command or detection.build_command
                     or detection.start_command))


def mask(line: str, secrets: Sequence[str]) -> str:
    """Replace every secret value of 3 characters or more in ``line`` with ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        line = line.replace(secret, MASK)
    return line


class Sandbox:
    """Runs shell commands for one build, confined by bubblewrap.

    ``env`` is the whole environment the commands see, besides ``PATH``,
    ``HOME``, ``CI``, ``LANG`` and the cache variables; ``secret_values`` are
    masked as ``***`` in every line handed to ``on_line``. ``owner`` (the
    deployment id) names the runs' cgroups, so :func:`kill_leftovers` can find
    them after the worker died.
    """

    def __init__(
        self,
        workspace: Path,
        cache_dir: Path,
        limits: Limits,
        env: dict[str, str],
        allow_unsandboxed: bool,
        secret_values: Sequence[str] = (),
        owner: str = "",
        toolchains: Path | None = None,
    ) -> None:
        self.owner = owner
        self.toolchains = toolchains.resolve() if toolchains is not None else None
        self.workspace = workspace.resolve()
        self.cache_dir = cache_dir.resolve()
        self.limits = limits
        self.env = dict(env)
        self.allow_unsandboxed = allow_unsandboxed
        self.secret_values = list(secret_values)
        self.bwrap = shutil.which("bwrap")
        self.slirp = slirp4netns()
        self._process: asyncio.subprocess.Process | None = None
        self._cgroup: MemoryCgroup | None = None
        self._started_at: float | None = None
        self._killed = False

    @property
    def network_isolated(self) -> bool:
        """Whether commands get a private network without the host's loopback (slirp4netns)."""
        return self.bwrap is not None and self.slirp is not None

    @property
    def sandboxed(self) -> bool:
        """Whether commands run under bubblewrap (False only when allowed to run plain)."""
        return self.bwrap is not None

    def remaining_seconds(self) -> float:
        """What is left of the wall-time budget, shared by every run of this sandbox."""
        if self._started_at is None:
            return self.limits.wall_seconds
        return self.limits.wall_seconds - (time.monotonic() - self._started_at)

    async def run(self, command: str, on_line: LineHandler, cwd: str = ".") -> int:
        """Run ``sh -c command`` in ``/workspace/<cwd>`` and return its exit code.

        Every line of stdout and stderr is passed to ``on_line(stream, line)``
        with ``stream`` ``"stdout"`` or ``"stderr"``, secrets masked. Raises
        :class:`SandboxTimeout` when the wall-time budget runs out,
        :class:`SandboxOutOfMemory` when the memory limit killed the command,
        and :class:`SandboxUnavailable` without bubblewrap. After :meth:`kill`
        the run returns the killed process's exit code (-9 or 137).
        """
        if self.bwrap is None and not self.allow_unsandboxed:
            raise SandboxUnavailable(UNSANDBOXED_HELP)
        workdir = _safe_cwd(cwd)
        if self._started_at is None:
            self._started_at = time.monotonic()
        remaining = self.remaining_seconds()
        if remaining <= 0:
            raise SandboxTimeout(self._timeout_message())
        (self.workspace / workdir).mkdir(parents=True, exist_ok=True)
        for name in ("npm", "pip"):
            (self.cache_dir / name).mkdir(parents=True, exist_ok=True)

        cgroup = MemoryCgroup.create(self.limits.memory_mb, self.owner) \
            if self.limits.memory_mb else None
        self._cgroup = cgroup
        network = IsolatedNetwork(self.slirp) if self.network_isolated and self.slirp else None
        try:
            argv = self._limits_prefix(cgroup) + self._command_argv(
                command, workdir, network.bwrap_args() if network else [])
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                cwd=self.workspace / workdir,
                env=self._host_env(workdir),
                pass_fds=network.pass_fds if network else (),
            )
            if self._killed:  # killed while the command was being started
                self._kill_group(self._process)
            if network is not None:
                try:
                    await network.attach()
                except (NetworkSetupError, OSError, TimeoutError) as error:
                    self._kill_group(self._process)
                    await self._process.wait()
                    raise SandboxError(f"could not set up the build network: {error}") from error
            code = await self._wait(self._process, on_line, remaining)
            if code != 0 and not self._killed and cgroup is not None and cgroup.oom_killed():
                raise SandboxOutOfMemory(f"out of memory (limit {self.limits.memory_mb} MB)")
            return code
        finally:
            self._process = None
            self._cgroup = None
            if network is not None:
                network.close()
            if cgroup is not None:
                await cgroup.remove()

    async def kill(self) -> None:
        """Kill the running command and everything it started (used to cancel a build)."""
        self._killed = True
        if self._process is not None:
            self._kill_group(self._process)
        elif self._cgroup is not None:
            self._cgroup.kill_all()

    def _kill_group(self, process: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if self._cgroup is not None:
            self._cgroup.kill_all()

    async def _wait(
        self, process: asyncio.subprocess.Process, on_line: LineHandler, timeout: float
    ) -> int:
        assert process.stdout is not None and process.stderr is not None
        readers = asyncio.gather(
            self._pump(process.stdout, "stdout", on_line),
            self._pump(process.stderr, "stderr", on_line),
        )
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            self._kill_group(process)
            await process.wait()
            await _finish(readers)
            raise SandboxTimeout(self._timeout_message()) from None
        except asyncio.CancelledError:
            self._kill_group(process)
            await process.wait()
            readers.cancel()
            raise
        # Nothing a build command started may outlive it (daemons, watchers).
        self._kill_group(process)
        await _finish(readers)
        return code

    async def _pump(self, stream: asyncio.StreamReader, name: str, on_line: LineHandler) -> None:
        buffer = b""
        while chunk := await stream.read(65536):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            while len(buffer) > MAX_LINE_BYTES:
                lines.append(buffer[:MAX_LINE_BYTES])
                buffer = buffer[MAX_LINE_BYTES:]
            for raw in lines:
                await self._emit(raw, name, on_line)
        if buffer:
            await self._emit(buffer, name, on_line)

    async def _emit(self, raw: bytes, name: str, on_line: LineHandler) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        await on_line(name, mask(line, self.secret_values))

    def _timeout_message(self) -> str:
        minutes = self.limits.wall_seconds / 60
        return (
            f"build timed out after {self.limits.wall_seconds:g} s ({minutes:.1f} min); "
            "every process of the build was killed"
        )

    def _limits_prefix(self, cgroup: MemoryCgroup | None) -> list[str]:
        cpu = str(self.limits.cpu_seconds) if self.limits.cpu_seconds else ""
        address_space = ""
        if self.limits.memory_mb and (cgroup is None or cgroup.path is None):
            address_space = str(self.limits.memory_mb * 1024)
        procs = cgroup.procs_file if cgroup is not None else ""
        return ["/bin/sh", "-c", _LIMITS_SCRIPT, "autostack-limits", procs, cpu, address_space]

    def _command_argv(self, command: str, workdir: str, network: list[str]) -> list[str]:
        if self.bwrap is None:
            return ["/bin/sh", "-c", command]
        return [self.bwrap, *self._bwrap_layout(workdir), *network, "/bin/sh", "-c", command]

    def _bwrap_layout(self, workdir: str) -> list[str]:
        args = [
            *system_layout(),
            "--bind", str(self.workspace), "/workspace",
            "--bind", str(self.cache_dir), "/cache",
            *(["--ro-bind", str(self.toolchains), TOOLCHAINS]
              if self.toolchains is not None and self.toolchains.is_dir() else []),
            "--chdir", "/workspace" if workdir == "." else f"/workspace/{workdir}",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv",
        ]
        for key, value in self._sandbox_env("/cache", TOOLCHAINS).items():
            args += ["--setenv", key, value]
        return args

    def _sandbox_env(self, cache: str, toolchains: str | None) -> dict[str, str]:
        base = {
            "PATH": DEFAULT_PATH,
            "HOME": cache,
            "CI": "1",
            "LANG": "C.UTF-8",
            "XDG_CACHE_HOME": cache,
            "npm_config_cache": f"{cache}/npm",
            "PIP_CACHE_DIR": f"{cache}/pip",
            **system_ca_env(),
        }
        if self.toolchains is not None and toolchains is not None:
            base["AUTOSTACK_TOOLCHAINS"] = toolchains
        return base | self.env

    def _host_env(self, workdir: str) -> dict[str, str]:
        """The environment of the launcher: minimal under bwrap, the build's when plain."""
        if self.bwrap is not None:
            return {"PATH": DEFAULT_PATH, "LANG": "C.UTF-8"}
        return self._sandbox_env(str(self.cache_dir), str(self.toolchains))


def _safe_cwd(cwd: str) -> str:
    """Validate a working directory relative to the workspace; ``.`` is the root."""
    if cwd in ("", "."):
        return "."
    return safe_relative_path(cwd.rstrip("/"))


async def _finish(readers: asyncio.Future[tuple[None, None]]) -> None:
    """Let the output readers drain what is left, but never hang on an inherited pipe."""
    try:
        await asyncio.wait_for(readers, 5)
    except TimeoutError:
        logger.warning("sandbox output still open 5 s after the command ended")
