"""The container runtime beyond the conformance suite: replicas, scale, a failed start.

Real podman behind the local edge's Caddy, images built by buildah and pushed
to Debian's docker-registry (:mod:`tests.containers_standin`).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.build.sandbox_network import slirp4netns, start_outbound
from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext
from autostack_core.interfaces.runtime import Release, ReleaseStatus, ScalePolicy
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_core.utils import free_port, random_id
from autostack_plugins.builders.dockerfile import DockerfileBuilder
from autostack_plugins.providers.local import plugin
from autostack_plugins.providers.local.containers import ContainerRuntime, ContainerStartError
from autostack_plugins.providers.local.local_edge import LocalEdge
from tests.conformance.pair import artifact
from tests.conformance.test_containers import DETECTION, build_image
from tests.containers_standin import base_image, image_registry
from tests.eventually import eventually

__all__ = ["base_image", "image_registry"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

CRASHING = 'import sys\nprint("cannot start: no DATABASE_URL", flush=True)\nsys.exit(3)\n'


@pytest.fixture
async def stack(tmp_path: Path,
                image_registry: str) -> AsyncIterator[tuple[ContainerRuntime, LocalEdge]]:
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(), port=free_port(),
                        edge_https_port=free_port(), health_timeout_seconds=20,
                        runtime_memory_mb=128, registry=image_registry)
    settings.ensure_dirs()
    install_keyring(load_keyring(settings.data_dir))
    runtime = next(item for item in plugin.register_runtimes(settings=settings)
                   if isinstance(item, ContainerRuntime))
    [edge] = plugin.register_edges(settings=settings)
    await edge.start()
    await runtime.start()
    try:
        yield runtime, edge
    finally:
        try:
            for container in await runtime.podman.containers():
                await runtime.destroy(container.release_id)
            await runtime.stop()
        finally:
            await edge.stop()


async def deploy(runtime: ContainerRuntime, files: dict[str, bytes],
                 policy: ScalePolicy) -> Release:
    release_id = f"c{random_id(9)}"
    reference = await runtime.publish(artifact(release_id, files, runtime.accepts))
    release = Release(id=release_id, project="replicas", artifact=reference, env={},
                      policy=policy, hostnames=(f"{release_id}.localhost",))
    await runtime.deploy(release)
    return release


async def test_replicas_scale_up_and_down_behind_the_edge(
        stack: tuple[ContainerRuntime, LocalEdge], base_image: str, tmp_path: Path) -> None:
    runtime, edge = stack
    marker = random_id()
    files = await build_image(runtime.settings, base_image, tmp_path / "builds", marker)
    release = await deploy(runtime, files, ScalePolicy(min_replicas=2, max_replicas=2))
    containers = await runtime.podman.containers(release.id)
    assert [c.state for c in containers] == ["running", "running"]
    assert len({c.port for c in containers}) == 2
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(20):
            answer = await http.get(f"http://127.0.0.1:{runtime.settings.edge_port}/r",
                                    headers={"Host": release.hostnames[0]})
            assert (answer.status_code, answer.text) == (200, f"server {marker} /r")
    sources = {line.source async for line in runtime.logs(release.id)}
    assert sources == {"server-0", "server-1"}, "both replicas got requests and wrote logs"

    await runtime.scale(release.id, ScalePolicy(min_replicas=3, max_replicas=3))
    assert len(await runtime.podman.containers(release.id)) == 3
    await runtime.scale(release.id, ScalePolicy(min_replicas=0, max_replicas=1))
    [kept] = await runtime.podman.containers(release.id)
    assert kept.name.endswith("-0") and await runtime.status(release.id) == ReleaseStatus.READY
    assert edge.edge.state.deployments[release.id].upstreams["server"] == [kept.port]


async def test_an_app_that_exits_fails_the_deploy_with_its_last_lines(
        stack: tuple[ContainerRuntime, LocalEdge], base_image: str, tmp_path: Path) -> None:
    runtime, _ = stack
    workspace, output = tmp_path / "src", tmp_path / "out"
    workspace.mkdir()
    output.mkdir()
    (workspace / "app.py").write_text(CRASHING)
    (workspace / "Dockerfile").write_text(
        f'FROM {base_image}\nCOPY app.py /app/app.py\nCMD ["python3", "/app/app.py"]\n')

    async def log(line: str) -> None:
        return None

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("no sandbox command")

    await DockerfileBuilder().build(BuildContext(
        workspace=workspace, output_dir=output, cache_dir=tmp_path / "cache",
        detection=DETECTION, env={}, run=run, log=log, project_name="crash",
        settings=runtime.settings, provider="containers", image_runtimes=("containers",)))
    files = {"image.json": (output / "image.json").read_bytes()}
    assert json.loads(files["image.json"])["format"] == "registry"
    with pytest.raises(ContainerStartError) as raised:
        await deploy(runtime, files, ScalePolicy())
    message = str(raised.value)
    assert "exited" in message and "cannot start: no DATABASE_URL" in message, message


async def test_a_process_app_starting_leaves_the_containers_manageable(
        stack: tuple[ContainerRuntime, LocalEdge], base_image: str, tmp_path: Path) -> None:
    """A process app's slirp4netns (its sandbox detaches the mounts it sees) once unmounted
    podman's /run/netns files, after which `podman ps` failed for every running container."""
    runtime, _ = stack
    files = await build_image(runtime.settings, base_image, tmp_path / "builds", random_id())
    release = await deploy(runtime, files, ScalePolicy())
    holder = subprocess.Popen(["unshare", "--net", "sleep", "30"])
    read, write = os.pipe()
    try:
        # Opened once unshare has made it: before, /proc/<pid>/ns/net is this host's own.
        await eventually(lambda: os.readlink(f"/proc/{holder.pid}/ns/net")
                         != os.readlink("/proc/self/ns/net"), "unshare's network namespace")
        netns = os.open(f"/proc/{holder.pid}/ns/net", os.O_RDONLY)
        slirp = start_outbound(slirp4netns() or "slirp4netns", netns, read)
        await asyncio.sleep(1.5)  # its sandbox is set up by now
        assert slirp.poll() is None
        assert await runtime.status(release.id) == ReleaseStatus.READY
    finally:
        os.close(write)
        os.close(read)
        holder.kill()
        holder.wait()
    slirp.wait(10)
    os.close(netns)
