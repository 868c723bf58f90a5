"""The container runtime (``containers``): OCI images run with podman, behind the local edge.

A Dockerfile app is built into an image and pushed to the server's registry
(``AUTOSTACK_REGISTRY``, see ``plugins/builders/image_build.py``); its build
output holds only ``image.json`` with the image's reference and digest. This
runtime pulls that image and runs each replica as a container
(:mod:`autostack_plugins.providers.local.podman` says how it is confined),
then puts the release on the local edge's Caddy as a server deployment whose
upstreams are the containers' ports. It lives in the local plugin because the
local edge binds only releases on its own Caddy.

* :meth:`ContainerRuntime.deploy` returns once every replica answers on
  ``$PORT`` (any status below 500 on ``/``, like process apps), so an alias
  moves to a new release only when it is ready; the old release keeps serving
  until then (zero-downtime redeploys).
* ``scale``: the replica count (``max_replicas``) applies at once, new replicas
  health-checked before the edge sends them traffic. Scale to zero is not
  supported: ``min_replicas`` 0 keeps one replica running.
* A clean stop stops the containers (unless ``keep_apps_running``); the next
  start starts them again on the same ports, as the edge still expects.
* One-click databases of its projects run here from images
  (:meth:`ContainerRuntime.run_service`, a :class:`ServiceHost`): a container on
  the host's loopback, and in each replica of a linked project a way to exactly
  those ports (the deployment's ``AUTOSTACK_SERVICE_PORTS``) through
  :mod:`.service_bridge`, opened by this process into the replica's network
  namespace, so the app uses the same ``127.0.0.1`` URL and reaches nothing else
  of the host. The ways are opened again when the server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path

import httpx

from autostack_core.build.build_errors import BuildError
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
from autostack_core.interfaces.services import ServiceImage
from autostack_core.utils import free_port
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import endpoint_of
from autostack_plugins.providers.local.output import edge_deployment
from autostack_plugins.providers.local.podman import Container, Podman, PodmanError
from autostack_plugins.providers.local.replicas import service_ports
from autostack_plugins.providers.local.service_bridge import open_service_ports

from . import prices

HEALTH_INTERVAL = 0.1
PROGRAM = "server"


class ContainerStartError(Exception):
    """A release's containers did not become healthy; the message is for users."""


class ContainerRuntime(prices.PricedBySettings):
    """Runs image releases as podman containers on this machine (``containers``)."""

    name = "containers"
    accepts = frozenset({OutputKind.IMAGE})
    config_fields: tuple[ConfigField, ...] = ()
    service_listen = "127.0.0.1"

    def __init__(self, settings: Settings, edge: Edge) -> None:
        self.settings = settings
        self.prices = prices.price_table(settings, self.name)
        self.edge = edge
        self.podman = Podman(settings)
        self._locks: dict[str, asyncio.Lock] = {}
        self._bridges: dict[str, list[socket.socket]] = {}
        """The listening sockets of :mod:`.service_bridge` in each replica, by container."""

    def folder(self, release_id: str) -> Path:
        return self.settings.path("deployments", release_id)

    def check_config(self, config: Mapping[str, str]) -> None:
        """No fields: nothing a team gives is used."""

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Nothing to reach: no fields, no account."""
        return None

    async def start(self) -> None:
        """Start again the containers of releases the edge still serves (after a clean stop)."""
        if shutil.which("podman") is None:
            return
        stopped = [container.name for container in await self.podman.containers()
                   if container.state != "running"
                   and container.release_id in self.edge.state.deployments]
        with contextlib.suppress(PodmanError):
            await self.podman.start(stopped)
        for container in await self.podman.containers():
            if container.release_id in self.edge.state.deployments:
                with contextlib.suppress(PodmanError, OSError):
                    await self._bridge(container.name, await self._environment(container))

    async def stop(self) -> None:
        """Stop the containers, unless ``keep_apps_running`` keeps them serving."""
        self._unbridge(list(self._bridges))
        if self.settings.keep_apps_running or shutil.which("podman") is None:
            return
        running = [container.name for container in await self.podman.containers()
                   if container.state == "running"]
        await self.podman.stop(running)

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """The image reference the build recorded in ``image.json`` (pushed to the registry)."""
        folder = self.folder(artifact.release_id)
        if not (folder / "image.json").is_file():
            await artifact.write_to(folder)
        info = json.loads((folder / "image.json").read_text()) \
            if (folder / "image.json").is_file() else {}
        if info.get("format") != "registry" or not info.get("reference"):
            raise BuildError("the build output holds no image in a registry: set "
                             "AUTOSTACK_REGISTRY so Dockerfile apps are built with buildah "
                             "and pushed there, then redeploy")
        return ArtifactReference(runtime=self.name, location=str(info["reference"]))

    async def deploy(self, release: Release) -> Endpoint:
        """Run the release's replicas, healthy, and serve them on its own hostnames."""
        async with self._locks.setdefault(release.id, asyncio.Lock()):
            containers = await self.podman.containers(release.id)
            if not containers:
                await self._start(release)
            elif any(container.state != "running" for container in containers):
                await self.podman.start([c.name for c in containers if c.state != "running"])
                await self._wait_healthy(containers)
            if release.id not in self.edge.state.deployments:
                await self._serve(release, [c.port for c in
                                            await self.podman.containers(release.id)])
        endpoint: Endpoint = endpoint_of(release.id)
        return endpoint

    async def _start(self, release: Release) -> None:
        if shutil.which("podman") is None:
            raise ContainerStartError("podman is not installed on this server: install it "
                                      "(apt-get install podman) to run Dockerfile apps")
        await self.podman.pull(release.artifact.location)
        replicas = max(release.policy.max_replicas, 1)
        try:
            await self._add_replicas(release.id, release.artifact.location, dict(release.env),
                                     range(replicas))
        except BaseException:
            await self._remove([c.name for c in await self.podman.containers(release.id)])
            await self.podman.remove_image(release.artifact.location)
            raise

    async def _add_replicas(self, release_id: str, reference: str, env: dict[str, str],
                            indexes: range) -> list[Container]:
        for index in indexes:
            name = await self.podman.start_replica(release_id, index, free_port(), reference,
                                                   env)
            await self._bridge(name, env)
        wanted = {f"autostack-{release_id}-{index}" for index in indexes}
        added = [c for c in await self.podman.containers(release_id) if c.name in wanted]
        await self._wait_healthy(added)
        return added

    async def _serve(self, release: Release, ports: list[int]) -> None:
        folder = self.folder(release.id)
        await self.edge.deploy(edge_deployment(release.id, folder, list(release.hostnames),
                                               server=True))
        await self.edge.set_replicas(release.id, len(ports))
        await self.edge.set_upstreams(release.id, PROGRAM, ports)

    async def _wait_healthy(self, containers: list[Container]) -> None:
        """Return once every container answers on its port; raise with its last lines if not."""
        deadline = time.monotonic() + self.settings.health_timeout_seconds
        async with httpx.AsyncClient(timeout=2) as client:
            for container in containers:
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        response = await client.get(f"http://127.0.0.1:{container.port}/")
                        if response.status_code < 500:
                            break
                    current = {c.name: c for c in await self.podman.containers(
                        container.release_id)}.get(container.name)
                    if current is None or current.state in ("exited", "stopped") \
                            or time.monotonic() > deadline:
                        raise ContainerStartError(await self._failure(container, current))
                    await asyncio.sleep(HEALTH_INTERVAL)

    async def _failure(self, container: Container, current: Container | None) -> str:
        lines = [line.text async for line in self.podman.log_lines(container)][-15:] \
            if current is not None else []
        state = current.state if current is not None else "gone"
        what = "exited" if state in ("exited", "stopped") else \
            f"did not answer within {self.settings.health_timeout_seconds:g} s"
        return (f"the container {container.name} {what} (state {state}) before answering on "
                f"0.0.0.0:$PORT (PORT={container.port}); last log lines:\n" + "\n".join(lines))

    async def status(self, release_id: str) -> ReleaseStatus:
        containers = await self.podman.containers(release_id)
        if not containers and release_id not in self.edge.state.deployments:
            return ReleaseStatus.ABSENT
        if containers and all(container.state == "running" for container in containers):
            return ReleaseStatus.READY
        if any(container.state in ("created", "initialized") for container in containers):
            return ReleaseStatus.STARTING
        return ReleaseStatus.UNHEALTHY

    async def destroy(self, release_id: str) -> None:
        """Remove the containers, the edge's deployment, the folder and the local image."""
        async with self._locks.setdefault(release_id, asyncio.Lock()):
            await self.edge.remove(release_id)
            if shutil.which("podman") is not None:
                await self._remove([c.name for c in await self.podman.containers(release_id)])
            folder = self.folder(release_id)
            with contextlib.suppress(FileNotFoundError, ValueError, OSError):
                reference = json.loads((folder / "image.json").read_text())["reference"]
                await self.podman.remove_image(str(reference))
            await asyncio.to_thread(shutil.rmtree, folder, True)
        self._locks.pop(release_id, None)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Run ``max_replicas`` containers (at least one: no scale to zero), new ones healthy
        before they get traffic, removed ones after they lost it."""
        async with self._locks.setdefault(release_id, asyncio.Lock()):
            containers = await self.podman.containers(release_id)
            if not containers or release_id not in self.edge.state.deployments:
                return
            wanted = max(policy.max_replicas, 1)
            if wanted > len(containers):
                reference = json.loads((self.folder(release_id) / "image.json")
                                       .read_text())["reference"]
                env = await self._environment(containers[0])
                last = max(int(c.name.rsplit("-", 1)[-1]) for c in containers)
                containers += await self._add_replicas(
                    release_id, str(reference), env, range(last + 1, last + 1 + wanted -
                                                           len(containers)))
            kept, extra = containers[:wanted], containers[wanted:]
            await self.edge.set_replicas(release_id, len(kept))
            await self.edge.set_upstreams(release_id, PROGRAM, [c.port for c in kept])
            await self._remove([c.name for c in extra])

    async def _bridge(self, name: str, env: Mapping[str, str]) -> None:
        """Open the linked databases' ports (``AUTOSTACK_SERVICE_PORTS``) inside the
        replica ``name``'s network namespace, forwarded to the host's loopback."""
        ports = service_ports(dict(env))
        if not ports or name in self._bridges:
            return
        descriptor = os.open(await self.podman.netns_path(name), os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._bridges[name] = await asyncio.to_thread(open_service_ports, descriptor, ports)
        finally:
            os.close(descriptor)

    def _unbridge(self, names: list[str]) -> None:
        for name in names:
            for listener in self._bridges.pop(name, []):
                with contextlib.suppress(OSError):
                    listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
                listener.close()

    async def _remove(self, names: list[str]) -> None:
        self._unbridge(names)
        await self.podman.remove(names)

    # -- one-click databases (ServiceHost) --------------------------------------

    async def run_service(self, service_id: str, image: ServiceImage, data_dir: Path,
                          team: str, config: Mapping[str, str]) -> str:
        """Run a database's image on this machine (:meth:`Podman.run_service`), its data
        in ``data_dir``, its files in a folder beside it; apps reach it on the loopback."""
        if shutil.which("podman") is None:
            raise ContainerStartError("podman is not installed on this server: install it "
                                      "(apt-get install podman) to run databases from images")
        files = data_dir.parent / "config"
        files.mkdir(mode=0o755, exist_ok=True)
        for name, text in image.files.items():
            (files / name).write_text(text)
            (files / name).chmod(0o644)  # read by the image's own user; the folder above is 0700
        await self.podman.run_service(service_id, image, data_dir, files)
        return "127.0.0.1"

    async def service_running(self, service_id: str) -> bool:
        return shutil.which("podman") is not None and \
            await self.podman.service_state(service_id) == "running"

    async def remove_service(self, service_id: str, team: str,
                             config: Mapping[str, str]) -> None:
        """Remove the database's container; its data folder is the caller's to delete."""
        if shutil.which("podman") is not None:
            await self.podman.remove_service(service_id)

    async def _environment(self, container: Container) -> dict[str, str]:
        """The environment a running replica was started with (the image's and the
        release's variables), for its new siblings."""
        inspected = json.loads(await self.podman.run("inspect", container.name))
        env = dict(item.split("=", 1) for item in inspected[0]["Config"]["Env"] if "=" in item)
        for own in ("PORT", "HOSTNAME", "container"):
            env.pop(own, None)
        return env

    async def logs(self, release_id: str, since: datetime | None = None,
                   follow: bool = False) -> AsyncIterator[LogLine]:
        """Every replica's lines, oldest first; then, with ``follow``, new ones as they come."""
        containers = await self.podman.containers(release_id)
        earlier = [line for container in containers
                   async for line in self.podman.log_lines(container, since)]
        for line in sorted(earlier, key=lambda line: line.timestamp):
            yield line
        if not follow:
            return
        newest = max((line.timestamp for line in earlier), default=since)
        queue: asyncio.Queue[LogLine] = asyncio.Queue()

        async def pump(container: Container) -> None:
            async for line in self.podman.log_lines(container, newest, follow=True):
                if newest is None or line.timestamp > newest:
                    await queue.put(line)

        pumps = [asyncio.create_task(pump(container)) for container in containers]
        try:
            while True:
                yield await queue.get()
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
