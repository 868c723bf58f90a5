"""The run sandbox of a server app or function worker: bubblewrap argv and cgroups.

A replica sees the read-only system (shared with the build sandbox through
:func:`autostack_core.build.sandbox.system_layout`, which hides what in ``/etc`` is
not for everyone), its deployment's ``server/`` (or ``functions/``) folder
read-only at ``/app``, a private ``/tmp`` and, when the system trusts
certificates Node lacks, those at :data:`~.node_ca.SANDBOX_FILE`
(:mod:`.node_ca`). It does not see the data directory, its keys and
database, or other deployments. Its own PID, IPC and UTS namespaces,
``--die-with-parent`` (its parent is the replica's shim) and no capabilities.

When the host allows it (:func:`isolation`), a replica is also what an
attacker who owns the app's code would want it not to be:

* **An unprivileged user**: bubblewrap mounts the sandbox as root, then
  ``setpriv`` makes the app ``nobody`` (:data:`APP_UID`) on the host, with no
  capabilities, an empty bounding set and ``no_new_privs`` (the system's
  setuid programs stay powerless); files only root may read stay unreadable
  whatever the mounts. Every app shares that uid: they are kept apart by
  their PID, network and mount namespaces (none can name, signal or see
  another's processes or files); a uid per deployment would add a second
  wall and is not done yet.

  Why not a user namespace (``bwrap --unshare-user --uid 65534``): run as
  root, bubblewrap maps the app's uid to root on the host; run as ``nobody``,
  it cannot mount the deployment's folder below a ``0700`` data directory
  (it resolves the path, even for ``--ro-bind-fd``: "Can't find source
  path: Permission denied"). A second bubblewrap inside, as ``nobody``, did
  work, and would also keep the app from making user namespaces of its own
  (``--disable-userns``), but it cost 25-45 ms per start (a recursive bind of
  every mount, a user namespace, a monitor process): 22-26% more cold start
  for a Python app, above the 20% budget. Run as root, AutoStack makes no
  user namespace (bubblewrap as root needs none), so this isolation also
  works where unprivileged user namespaces are disabled, and hosts that want
  apps without them can disable them (``sysctl user.max_user_namespaces=0``).
* **A network namespace of its own**: the internet through slirp4netns
  without the host's loopback (like builds), none of the host's listening
  sockets (database, Redis, the control plane, other apps) and a
  ``/proc/net/tcp`` that lists only its own. The app still listens on
  ``127.0.0.1:$PORT``; its shim relays the host's ``127.0.0.1:$PORT`` into the
  namespace (:mod:`autostack_plugins.providers.local.netns_relay`, where the alternatives and
  their measurements are). The shim, not bubblewrap, makes the namespace,
  so that slirp4netns configures it while bubblewrap starts instead of
  after (:mod:`autostack_plugins.providers.local.runtime_shim`); a shim that cannot make it
  starts nothing.

Without slirp4netns or ``setpriv`` (util-linux), a replica runs as before: as
root (without capabilities) on the host network, listening on the host's
loopback; ``autostack doctor`` says so, and why.

Memory and CPU are limited per deployment by a cgroup named after the
deployment (v1 or v2, detected at run time), so the limit covers every
replica and it outlives a restart of the control plane. Without cgroups the
replicas run unlimited; ``autostack doctor`` reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autostack_core.build.sandbox_layout import CGROUP_ROOT, system_layout
from autostack_core.build.sandbox_network import slirp4netns
from autostack_core.interfaces import SANDBOX_PATH as DEFAULT_PATH

from .node_ca import SANDBOX_FILE

logger = logging.getLogger(__name__)

CPU_PERIOD_US = 100_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
"""Units of the CPU times in ``/proc/<pid>/stat``."""
# The shell stays alive until its child ends (a trap defers): a SIGTERM sent by
# the shim to every process of the sandbox then reaches the app, not only sh.
TERM_SAFE_SHELL = "trap : TERM INT; "
APP_UID = 65534  # nobody
# While a replica starts, its deployment weighs as this many tasks for the CPU
# (RuntimeCgroup.boost).
STARTING_WEIGHT = 8
REMOVE_ATTEMPTS = 50
# setpriv(1) and bubblewrap's flags that make the app APP_UID, as described above.
_OUTER_CAPS = ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
               "--cap-add", "CAP_SETPCAP"]
_SETPRIV = ["--reuid", str(APP_UID), "--regid", str(APP_UID), "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
_SYSTEM_TOPS = {"/usr", "/etc", "/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"}


@dataclass(frozen=True)
class Isolation:
    """Whether replicas run unprivileged in their own network here, and if not why."""

    available: bool
    detail: str


def isolation_args(setpriv: str) -> tuple[list[str], list[str]]:
    """bubblewrap's options, and the command's prefix, of an isolated replica.

    No ``--unshare-net``: the replica's shim starts bubblewrap inside the
    network namespace it made (``runtime_shim --private-network``), so that
    slirp4netns configures it while bubblewrap starts.
    """
    return [*_OUTER_CAPS], [setpriv, *_SETPRIV]


@functools.cache
def isolation() -> Isolation:
    """Probe once whether replicas can run as :data:`APP_UID` in a network of their own."""
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    missing = [name for name, path in (("bubblewrap", bwrap), ("setpriv", setpriv),
                                       ("slirp4netns", slirp4netns())) if path is None]
    if missing or bwrap is None or setpriv is None:
        return Isolation(False, f"{', '.join(missing)} not installed")
    options, prefix = isolation_args(setpriv)
    try:
        probe = subprocess.run([bwrap, *system_layout(), "--unshare-pid", "--unshare-net",
                                *options, *prefix, "/bin/true"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        return Isolation(False, f"bubblewrap could not start: {error}")
    if probe.returncode != 0:
        return Isolation(False, f"bubblewrap could not drop to uid {APP_UID} in a network "
                                f"namespace: {probe.stderr.strip()}")
    return Isolation(True, f"apps run as uid {APP_UID} in their own network namespace "
                           "(slirp4netns)")


def runtime_env(env: dict[str, str], port: int, extra_ca: str | None = None) -> dict[str, str]:
    """The whole environment of a replica: the deployment's variables plus ours.

    ``extra_ca``: the ``NODE_EXTRA_CA_CERTS`` file as the replica sees it
    (:mod:`.node_ca`), or None for none.
    """
    return {
        "PATH": DEFAULT_PATH, "LANG": "C.UTF-8", "HOME": "/tmp", "NODE_ENV": "production",
        "PYTHONPATH": "/app/.python", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        **({"NODE_EXTRA_CA_CERTS": extra_ca} if extra_ca else {}), **env,
        "PORT": str(port), "HOST": "127.0.0.1", "HOSTNAME": "127.0.0.1",
    }


def sandbox_argv(bwrap: str | None, app_dir: Path, command: str, env: dict[str, str],
                 binds: Sequence[str] = (), isolated: bool = False,
                 extra_ca: Path | None = None) -> list[str]:
    """The argv running ``sh -c command`` in ``/app`` (plain ``sh`` without bwrap).

    ``binds`` are host folders the command needs (a function launcher's
    scripts), mounted read-only at the same path; ``extra_ca`` (a file of
    certificates, :mod:`.node_ca`) is mounted read-only at
    :data:`~.node_ca.SANDBOX_FILE` unless the sandbox sees it in ``/etc``. ``isolated``: as
    :data:`APP_UID` in its own network namespace (see the module's docstring;
    :func:`isolation` says whether this host can), which the shim run with
    ``--private-network`` makes: only it may run this argv.
    """
    shell = ["/bin/sh", "-c", TERM_SAFE_SHELL + command]
    if bwrap is None:
        return ["env", "-i", *(f"{key}={value}" for key, value in env.items()), *shell]
    options, prefix = ["--cap-drop", "ALL"], list[str]()
    if isolated:
        options, prefix = isolation_args(shutil.which("setpriv") or "setpriv")
    args = [bwrap, *system_layout()]
    for folder in binds:
        args += [*_parents(folder), "--ro-bind", folder, folder]
    if extra_ca is not None and not extra_ca.is_relative_to("/etc"):
        args += [*_parents(SANDBOX_FILE), "--ro-bind", str(extra_ca),
                 SANDBOX_FILE]
    args += ["--ro-bind", str(app_dir), "/app", "--chdir", "/app",
             "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
             *options, "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, *prefix, *shell]


def _parents(folder: str) -> list[str]:
    """Folders others may enter, leading to ``folder`` (bubblewrap makes missing ones ``0700``).

    Nothing is needed inside what :func:`system_layout` mounts (``/usr``, ...).
    """
    path = Path(folder)
    if len(path.parts) < 3 or f"/{path.parts[1]}" in _SYSTEM_TOPS:
        return []
    return [arg for parent in reversed(path.parents[:-1])
            for arg in ("--perms", "0755", "--dir", str(parent))]


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

    def boost(self, starting: bool) -> None:
        """Weigh the deployment's CPU as :data:`STARTING_WEIGHT` tasks while a replica starts.

        A cgroup competes for the CPU as one task, whatever runs in it, so on a
        busy machine a starting app (an interpreter, a JIT's threads) got a
        fraction of what the same process gets outside (cold starts of 0.9-1.1
        s against 0.35 s with the weight raised, at a load average of 20 on 2
        CPUs). The weight is only a share among those who want the CPU: the
        limit (``runtime_cpus``) stays, and the weight drops back once the
        replica is healthy or failed. Nothing when the host has no cgroups.
        """
        factor = STARTING_WEIGHT if starting else 1
        name, value = ("cpu.weight", 100 * factor) if self.v2 else ("cpu.shares", 1024 * factor)
        folder = self.folders[0] if self.v2 else self.folders[1]
        with contextlib.suppress(OSError):
            (folder / name).write_text(str(value))

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

    def cpu_seconds(self) -> float | None:
        """CPU time the deployment's processes used since they started, when measured: the
        cgroup's count (v2), else the sum over its processes of their own and their
        reaped children's time (v1 here mounts ``cpu`` without ``cpuacct``)."""
        if self.v2:
            try:
                for line in (self.folders[0] / "cpu.stat").read_text().splitlines():
                    name, _, value = line.partition(" ")
                    if name == "usage_usec":
                        return int(value) / 1_000_000
            except (OSError, ValueError):
                return None
            return None
        pids = self.pids()
        if not pids:
            return None
        ticks = 0
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                # Fields after the command (which may hold spaces) start at "state".
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return ticks / CLOCK_TICKS

    async def remove(self) -> None:
        """Kill what is left and remove the cgroup (the deployment is destroyed or asleep).

        A killed process stays in its cgroup until it has exited (slirp4netns,
        ending with its shim, takes a few milliseconds), so the removal is
        tried again for up to a second.
        """
        for _ in range(REMOVE_ATTEMPTS):
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            for folder in self.folders:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            if not any(folder.exists() for folder in self.folders):
                return
            await asyncio.sleep(0.02)
        logger.warning("could not remove the runtime cgroup %s", self.name)
