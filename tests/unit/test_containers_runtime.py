"""The containers runtime where podman is not needed: what it publishes, status without podman.

The rest (pulling, running, the edge) needs podman and a registry:
``tests/e2e/test_containers_runtime.py`` and ``tests/conformance/test_containers.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces.runtime import OutputKind, ReleaseStatus
from autostack_plugins.providers.local import plugin
from autostack_plugins.providers.local.containers import ContainerRuntime
from tests.conformance.pair import artifact

pytestmark = pytest.mark.dbless

IMAGE = frozenset({OutputKind.IMAGE})


def container_runtime(tmp_path: Path) -> ContainerRuntime:
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    runtimes = plugin.register_runtimes(settings=settings)
    assert [runtime.name for runtime in runtimes] == ["local", "containers"]
    runtime = runtimes[1]
    assert isinstance(runtime, ContainerRuntime) and runtime.accepts == IMAGE
    return runtime


async def test_publish_gives_the_image_reference_by_digest(tmp_path: Path) -> None:
    runtime = container_runtime(tmp_path)
    info = {"format": "registry", "reference": "127.0.0.1:5000/shop@sha256:" + "a" * 64}
    reference = await runtime.publish(
        artifact("dpl1", {"image.json": json.dumps(info).encode()}, IMAGE))
    assert (reference.runtime, reference.location) == ("containers", info["reference"])


async def test_an_output_without_a_registry_image_names_the_setting(tmp_path: Path) -> None:
    """A build without AUTOSTACK_REGISTRY ships the Dockerfile's context, not an image."""
    runtime = container_runtime(tmp_path)
    context = {"format": "dockerfile-context", "dockerfile": "Dockerfile", "base": "node:20"}
    with pytest.raises(BuildError, match=r"set AUTOSTACK_REGISTRY so Dockerfile apps are built"):
        await runtime.publish(
            artifact("dpl2", {"image.json": json.dumps(context).encode()}, IMAGE))


async def test_without_podman_a_release_is_absent(tmp_path: Path) -> None:
    runtime = container_runtime(tmp_path)
    runtime.podman.env["PATH"] = str(tmp_path)
    assert await runtime.status("dpl3") == ReleaseStatus.ABSENT
    assert [line async for line in runtime.logs("dpl3")] == []
