"""The conformance suite on the container runtime with the local edge: podman behind real Caddy.

Images are built by the Dockerfile builder with buildah (the server app of the
suite on a Python base image made from this host's files) and pushed to
Debian's docker-registry on the loopback (:mod:`tests.containers_standin`);
the runtime pulls them and runs them with podman. The runtime accepts only
images, so the suite's edge cases run on image apps; static, server and
functions cases are skipped, and scale to zero (not supported) too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_core.utils import free_port, random_id
from autostack_plugins.builders.dockerfile import DockerfileBuilder
from autostack_plugins.providers.local import plugin
from autostack_plugins.providers.local.containers import ContainerRuntime
from tests.conformance import Answer, Pair, ProviderConformance
from tests.conformance.pair import IMAGE_APP, Files
from tests.containers_standin import base_image, image_registry

__all__ = ["base_image", "image_registry"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

DETECTION = Detection(framework="docker", name="Dockerfile", runtime="docker", confidence=0.3)


async def build_image(settings: Settings, base: str, root: Path, marker: str,
                      app: bytes = IMAGE_APP) -> Files:
    """The suite's server app (or ``app``) as an image: built, pushed, its build output's
    ``image.json``."""
    workspace, output = root / f"src-{marker}", root / f"out-{marker}"
    workspace.mkdir(parents=True)
    output.mkdir()
    (workspace / "server.py").write_bytes(app)
    (workspace / "Dockerfile").write_text(
        f"FROM {base}\nCOPY server.py /app/server.py\n"
        f'CMD ["python3", "-u", "/app/server.py", "{marker}"]\n')

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("a Dockerfile build runs no sandbox command")

    async def log(line: str) -> None:
        return None

    context = BuildContext(workspace=workspace, output_dir=output, cache_dir=root / "cache",
                           detection=DETECTION, env={}, run=run, log=log,
                           project_name="conformance", settings=settings,
                           provider="containers", image_runtimes=("containers",))
    await DockerfileBuilder().build(context)
    return {"image.json": (output / "image.json").read_bytes()}


class TestContainerPair(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path, image_registry: str,
                   base_image: str) -> AsyncIterator[Pair]:
        settings = Settings(data_dir=tmp_path / "data", edge_port=free_port(), port=free_port(),
                            edge_https_port=free_port(), health_timeout_seconds=20,
                            runtime_memory_mb=256, registry=image_registry)
        settings.ensure_dirs()
        install_keyring(load_keyring(settings.data_dir))
        runtime = next(runtime for runtime in plugin.register_runtimes(settings=settings)
                       if isinstance(runtime, ContainerRuntime))
        [edge] = plugin.register_edges(settings=settings)
        await edge.start()
        await runtime.start()
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.edge_port}",
                                     timeout=10, limits=limits) as http:

            async def request(hostname: str, path: str) -> Answer:
                http.cookies.clear()
                response = await http.get(path, headers={"Host": hostname})
                return Answer(response.status_code, response.headers, response.content)

            async def image(marker: str) -> Files:
                return await build_image(settings, base_image, tmp_path / "builds", marker)

            try:
                yield Pair(runtime, edge, request, hostname=lambda label: f"{label}.localhost",
                           runs_code=True, timeout=20, image=image)
            finally:
                try:
                    await runtime.stop()
                finally:
                    await edge.stop()


async def test_the_registry_keeps_what_the_runtime_pulls(
        tmp_path: Path, image_registry: str, base_image: str) -> None:
    """The reference the runtime publishes is the image.json's, by digest."""
    settings = Settings(data_dir=tmp_path / "data", registry=image_registry)
    files = await build_image(settings, base_image, tmp_path, random_id())
    info = json.loads(files["image.json"])
    assert info["reference"].startswith(f"{image_registry}/conformance@sha256:")
