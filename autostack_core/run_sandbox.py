"""The run sandbox of a server app or function worker: bubblewrap argv and cgroups.

A replica sees the read-only system (shared with the build sandbox through
:func:`autostack_core.sandbox.system_layout`), its deployment's ``server/``
(or ``functions/``) folder read-only at ``/app``, a private ``/tmp`` and the
host network (it listens on ``127.0.0.1:$PORT``). It does not see the data
directory, its keys and database, or other deployments. Its own PID and IPC
namespaces, ``--die-with-parent`` (its parent is the replica's shim) and no
capabilities.

Memory and CPU are limited per deployment by a cgroup named after the
deployment (v1 or v2, detected at run time), so the limit covers every
replica and it outlives a restart of the control plane. Without cgroups the
replicas run unlimited; ``autostack doctor`` reports it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from autostack_core.sandbox import CGROUP_ROOT, DEFAULT_PATH, system_layout

logger = logging.getLogger(__name__)

CPU_PERIOD_US = 100_000
# The shell stays alive until its child ends (a trap defers): a SIGTERM sent by
# the shim to every process of the sandbox then reaches the app, not only sh.
TERM_SAFE_SHELL = "trap : TERM INT; "


def runtime_env(env: dict[str, str], port: int) -> dict[str, str]:
    """The whole environment of a replica: the deployment's variables plus ours."""
    return {
        "PATH": DEFAULT_PATH, "LANG": "C.UTF-8", "HOME": "/tmp", "NODE_ENV": "production",
        "PYTHONPATH": "/app/.python", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        **env,
        "PORT": str(port), "HOST": "127.0.0.1", "HOSTNAME": "127.0.0.1",
    }


def sandbox_argv(bwrap: str | None, app_dir: Path, command: str, env: dict[str, str],
                 binds: Sequence[str] = ()) -> list[str]:
    """The argv running ``sh -c command`` in ``/app`` (plain ``sh`` without bwrap).

    ``binds`` are host folders the command needs (a function launcher's
    scripts), mounted read-only at the same path.
    """
    shell = ["/bin/sh", "-c", TERM_SAFE_SHELL + command]
    if bwrap is None:
        return ["env", "-i", *(f"{key}={value}" for key, value in env.items()), *shell]
    args = [bwrap, *system_layout()]
    for folder in binds:
        args += ["--ro-bind", folder, folder]
    args += ["--ro-bind", str(app_dir), "/app", "--chdir", "/app",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
            "--cap-drop", "ALL", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, *shell]


class RuntimeCgroup:
    """The memory and CPU cgroup(s) of one deployment; nothing when the host has none."""

    def __init__(self, deployment_id: str, root: Path = CGROUP_ROOT) -> None:
        self.name = f"autostack-run-{deployment_id}"
        self.v2 = (root / "cgroup.controllers").exists()
        self.folders = [root / self.name] if self.v2 else \
            [root / "memory" / self.name, root / "cpu" / self.name]

    def create(self, memory_mb: int, cpus: float) -> list[str]:
        """Create (or reuse) the cgroup with its limits; return the ``cgroup.procs`` files."""
        limits = self._limits(memory_mb, cpus)
        procs: list[str] = []
        for folder in self.folders:
            try:
                folder.mkdir(exist_ok=True)
                controller = "" if self.v2 else folder.parent.name
                for name, value in limits.get(controller, {}).items():
                    with contextlib.suppress(FileNotFoundError):
                        (folder / name).write_text(value)
            except OSError as error:
                logger.warning("no runtime cgroup %s (%s): running without that limit",
                               folder, error)
                continue
            procs.append(str(folder / "cgroup.procs"))
        return procs

    def _limits(self, memory_mb: int, cpus: float) -> dict[str, dict[str, str]]:
        memory = str(memory_mb * 1024 * 1024)
        quota = str(int(cpus * CPU_PERIOD_US))
        if self.v2:
            return {"": {"memory.max": memory, "memory.swap.max": "0",
                         "cpu.max": f"{quota} {CPU_PERIOD_US}"}}
        return {"memory": {"memory.limit_in_bytes": memory},
                "cpu": {"cpu.cfs_period_us": str(CPU_PERIOD_US), "cpu.cfs_quota_us": quota}}

    def pids(self) -> list[int]:
        """Every process in the cgroup (all replicas of the deployment)."""
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                found.update(int(pid) for pid in (folder / "cgroup.procs").read_text().split())
        return sorted(found)

    def memory_bytes(self) -> int | None:
        """Current memory use of the deployment, when measured."""
        name = "memory.current" if self.v2 else "memory.usage_in_bytes"
        try:
            return int((self.folders[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Kill what is left and remove the cgroup (the deployment is destroyed or asleep)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()
