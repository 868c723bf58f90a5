"""The podman commands the container runtime runs: one replica is one container.

Every container is started the same way (:meth:`Podman.start_replica`):

* ``--runtime runc`` (crun refuses hybrid cgroups) and a containers.conf with
  ``default_ulimits = []`` (``CONTAINERS_CONF``; the server's own wins);
* ``--network slirp4netns:allow_host_loopback=false`` with the replica's port
  published on ``127.0.0.1`` only: the app reaches the internet but not the
  host's loopback (the control plane, the database, other apps), like a process
  app's slirp4netns network; the edge dials ``127.0.0.1:<port>``. The app must
  listen on ``0.0.0.0:$PORT`` inside (the published port arrives on the
  container's own interface, not its loopback);
* ``--memory``/``--memory-swap`` at ``runtime_memory_mb`` (no swap), ``--cpus`` at
  ``runtime_cpus``, ``--pids-limit``, ``no-new-privileges``, an init process
  (``--init``: signals reach the app, zombies are reaped);
* ``--restart on-failure:5``: podman restarts a crashing app, then gives up
  (the release is ``unhealthy``);
* labels naming the server (a hash of its data directory), the release and the
  port, so a server only ever sees and touches its own containers.

A one-click database on this runtime is one more container
(:meth:`Podman.run_service`): the database's image (``postgres``, ``redis`` or
another with their interface) on the host's network, listening on
``127.0.0.1:<its port>`` only, as the local runtime's databases do; its data
folder on this machine bind-mounted as the image's volume, its files
(``redis.conf``) read-only, ``--restart on-failure:5``. Apps reach it through
the way :mod:`.service_bridge` opens into their own network.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import LogLine
from autostack_core.interfaces.services import IMAGE_CONFIG, ServiceImage

CONTAINERS_CONF = "[containers]\ndefault_ulimits = []\n"
LOOPBACK_HOSTS = ("127.", "localhost", "[::1]")
OWNER_LABEL, RELEASE_LABEL, PORT_LABEL = "autostack.owner", "autostack.release", "autostack.port"
SERVICE_LABEL = "autostack.service"
PIDS_LIMIT = 1024
RESTARTS = 5
# podman logs --timestamps: "2026-12-06T16:27:50.123456789+00:00 text" (nanoseconds).
TIMESTAMPED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) ?(.*)$")


class PodmanError(Exception):
    """A podman command failed; the message says which and why."""


@dataclass(frozen=True)
class Container:
    """One of this server's containers, as ``podman ps`` lists it."""

    name: str
    release_id: str
    port: int
    state: str
    """``running``, ``exited``, ``created``, ``stopped``, ..."""

    @property
    def replica(self) -> str:
        return "server-" + self.name.rsplit("-", 1)[-1]


def parse_log_line(raw: str, source: str, stream: str) -> LogLine | None:
    """A ``podman logs --timestamps`` line as a LogLine (``None`` if it has no timestamp)."""
    match = TIMESTAMPED.match(raw)
    if match is None:
        return None
    seconds, fraction, zone, text = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    timestamp = datetime.fromisoformat(f"{seconds}.{(fraction or '0')[:6]:0<6}{zone}")
    return LogLine(timestamp=timestamp, source=source, text=text, stream=stream)


def on_loopback(reference: str) -> bool:
    return reference.startswith(LOOPBACK_HOSTS)


class Podman:
    """Runs podman for one server (its containers carry the server's owner label)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
        self.env = dict(os.environ)
        if not self.env.get("CONTAINERS_CONF"):
            conf = settings.path("containers", "containers.conf")
            conf.parent.mkdir(parents=True, exist_ok=True)
            if not conf.exists():
                conf.write_text(CONTAINERS_CONF)
            self.env["CONTAINERS_CONF"] = str(conf)

    async def run(self, *args: str, timeout: float = 120) -> str:
        """``podman args``' stdout; PodmanError with its last error line when it fails."""
        process = await asyncio.create_subprocess_exec(
            "podman", *args, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise PodmanError(f"podman {args[0]} did not finish within {timeout:g} s") from None
        if process.returncode != 0:
            last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise PodmanError(f"podman {args[0]} failed: {last[0]}")
        return out.decode(errors="replace")

    async def containers(self, release_id: str | None = None) -> list[Container]:
        """This server's containers (of one release), sorted by name; none without podman."""
        if shutil.which("podman", path=self.env.get("PATH")) is None:
            return []
        filters = ["--filter", f"label={OWNER_LABEL}={self.owner}"]
        if release_id is not None:
            filters += ["--filter", f"label={RELEASE_LABEL}={release_id}"]
        listed: list[dict[str, Any]] = json.loads(
            await self.run("ps", "-a", *filters, "--format", "json") or "[]")
        found = []
        for item in listed:
            labels = item.get("Labels") or {}
            if SERVICE_LABEL in labels:
                continue  # a database's container (:meth:`run_service`), not a replica
            names = item.get("Names") or [""]
            found.append(Container(name=names[0], release_id=labels.get(RELEASE_LABEL, ""),
                                   port=int(labels.get(PORT_LABEL, "0")),
                                   state=str(item.get("State", ""))))
        return sorted(found, key=lambda container: container.name)

    async def pull(self, reference: str) -> None:
        tls = ["--tls-verify=false"] if on_loopback(reference) else []
        await self.run("pull", "--quiet", *tls, reference, timeout=600)

    async def start_replica(self, release_id: str, index: int, port: int, reference: str,
                            env: Mapping[str, str]) -> str:
        """Create and start one replica of ``release_id`` listening on ``port``; its name."""
        name = f"autostack-{release_id}-{index}"
        memory = f"{self.settings.runtime_memory_mb}m"
        env_file, inline = self._env_file(name, {**env, "PORT": str(port)})
        try:
            await self.run(
                "run", "--detach", "--name", name, "--runtime", "runc", "--init",
                "--label", f"{OWNER_LABEL}={self.owner}",
                "--label", f"{RELEASE_LABEL}={release_id}", "--label", f"{PORT_LABEL}={port}",
                "--network", "slirp4netns:allow_host_loopback=false",
                "--publish", f"127.0.0.1:{port}:{port}",
                "--memory", memory, "--memory-swap", memory,
                "--cpus", f"{self.settings.runtime_cpus:g}", "--pids-limit", str(PIDS_LIMIT),
                "--security-opt", "no-new-privileges", "--restart", f"on-failure:{RESTARTS}",
                "--log-driver", "k8s-file", "--env-file", str(env_file), *inline, reference)
        finally:
            env_file.unlink(missing_ok=True)
        return name

    def _env_file(self, name: str, env: Mapping[str, str]) -> tuple[Path, list[str]]:
        """A private file with ``env`` for ``--env-file`` (values with a newline go inline);
        the caller deletes it once the container is created."""
        env_file = self.settings.path("containers", f".env-{name}")
        lines, inline = [], []
        for key, value in env.items():
            if "\n" in value:
                inline += ["--env", f"{key}={value}"]
            else:
                lines.append(f"{key}={value}\n")
        env_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.writelines(lines)
        return env_file, inline

    def service_name(self, service_id: str) -> str:
        return f"autostack-{self.owner}-{service_id}"

    async def service_state(self, service_id: str) -> str | None:
        """The state of a database's container (``running``, ``exited``...), None if none."""
        listed: list[dict[str, Any]] = json.loads(await self.run(
            "ps", "-a", "--filter", f"label={OWNER_LABEL}={self.owner}",
            "--filter", f"label={SERVICE_LABEL}={service_id}", "--format", "json") or "[]")
        return str(listed[0].get("State", "")) if listed else None

    async def run_service(self, service_id: str, spec: ServiceImage, data_dir: Path,
                          config_dir: Path) -> None:
        """Run a database's image on the host's network (started again if it stopped)."""
        name = self.service_name(service_id)
        state = await self.service_state(service_id)
        if state == "running":
            return
        if state is not None:
            await self.run("start", name)
            return
        env_file, inline = self._env_file(name, spec.env)
        mounts = ["--volume", f"{data_dir}:{spec.data_path}"]
        if spec.files:
            mounts += ["--volume", f"{config_dir}:{IMAGE_CONFIG}:ro"]
        tls = ["--tls-verify=false"] if on_loopback(spec.image) else []
        try:
            await self.run(
                "run", "--detach", "--name", name, "--runtime", "runc", *tls,
                "--label", f"{OWNER_LABEL}={self.owner}",
                "--label", f"{SERVICE_LABEL}={service_id}", "--network", "host", *mounts,
                "--pids-limit", str(PIDS_LIMIT), "--security-opt", "no-new-privileges",
                "--restart", f"on-failure:{RESTARTS}", "--log-driver", "k8s-file",
                "--env-file", str(env_file), *inline, spec.image, *spec.args, timeout=600)
        except PodmanError as error:
            if "already in use" not in str(error):
                raise  # else a start of the same database at the same time made it
        finally:
            env_file.unlink(missing_ok=True)

    async def remove_service(self, service_id: str) -> None:
        """Stop (SIGTERM, 30 s to save) and remove a database's container; its data stays."""
        if await self.service_state(service_id) is not None:
            await self.run("rm", "--force", "--time", "30", self.service_name(service_id))

    async def netns_path(self, name: str) -> str:
        """Where a running container's network namespace is (for :mod:`.service_bridge`)."""
        return (await self.run("inspect", "--format", "{{.NetworkSettings.SandboxKey}}",
                               name)).strip()

    async def remove(self, names: list[str]) -> None:
        if names:
            await self.run("rm", "--force", "--time", "5", *names)

    async def stop(self, names: list[str]) -> None:
        if names:
            await self.run("stop", "--time", "5", *names)

    async def start(self, names: list[str]) -> None:
        if names:
            await self.run("start", *names)

    async def remove_image(self, reference: str) -> None:
        """Remove a release's image from the local store; kept while another container uses it."""
        with contextlib.suppress(PodmanError):
            await self.run("rmi", reference)

    async def log_lines(self, container: Container, since: datetime | None = None,
                        follow: bool = False) -> AsyncIterator[LogLine]:
        """One container's lines, stdout and stderr told apart, from ``podman logs``."""
        args = ["logs", "--timestamps"]
        if since is not None:
            args += ["--since", since.isoformat()]
        if follow:
            args.append("--follow")
        process = await asyncio.create_subprocess_exec(
            "podman", *args, container.name, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        queue: asyncio.Queue[LogLine | None] = asyncio.Queue()

        async def pump(stream: asyncio.StreamReader | None, name: str) -> None:
            assert stream is not None
            async for raw in stream:
                line = parse_log_line(raw.decode(errors="replace").rstrip("\n"),
                                      container.replica, name)
                if line is not None:
                    await queue.put(line)
            await queue.put(None)

        pumps = [asyncio.create_task(pump(process.stdout, "stdout")),
                 asyncio.create_task(pump(process.stderr, "stderr"))]
        try:
            ended = 0
            while ended < len(pumps):
                line = await queue.get()
                if line is None:
                    ended += 1
                else:
                    yield line
        finally:
            for task in pumps:
                task.cancel()
            if process.returncode is None:
                process.kill()
            await process.wait()
