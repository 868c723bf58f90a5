"""Dockerfile builds with a registry: buildah builds, the image lands in a real registry.

The registry is Debian's docker-registry on the loopback and the base image is
made from this host's files (:mod:`tests.containers_standin`): no public
registry is reachable here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection
from autostack_plugins.builders.dockerfile import DockerfileBuilder
from tests.containers_standin import CONTAINERS_ENV, base_image, image_registry

__all__ = ["base_image", "image_registry"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

DETECTION = Detection(framework="docker", name="Dockerfile", runtime="docker", confidence=0.3)
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json,"
                  "application/vnd.docker.distribution.manifest.v2+json")


def context_for(root: Path, settings: Settings, dockerfile: str,
                lines: list[str]) -> BuildContext:
    workspace, output = root / "src", root / "out"
    workspace.mkdir()
    output.mkdir()
    (workspace / "Dockerfile").write_text(dockerfile)
    (workspace / "hello.txt").write_text("hello from the context\n")

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("a Dockerfile build runs buildah, not sandbox commands")

    async def log(line: str) -> None:
        lines.append(line)

    return BuildContext(workspace=workspace, output_dir=output, cache_dir=root / "cache",
                        detection=DETECTION, env={}, run=run, log=log, project_name="shop",
                        settings=settings, provider="containers",
                        image_runtimes=("containers",))


def settings_for(tmp_path: Path, registry: str, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", registry=registry, **overrides)  # type: ignore[arg-type]


async def test_a_dockerfile_is_built_and_pushed_with_its_digest(
        tmp_path: Path, image_registry: str, base_image: str) -> None:
    lines: list[str] = []
    dockerfile = (f"FROM {base_image}\nCOPY hello.txt /app/hello.txt\n"
                  "RUN echo built-by-run > /app/run.txt\nCMD [\"python3\", \"-V\"]\n")
    context = context_for(tmp_path, settings_for(tmp_path, image_registry), dockerfile, lines)
    await DockerfileBuilder().build(context)

    info = json.loads((context.output_dir / "image.json").read_text())
    assert info["format"] == "registry"
    assert info["repository"] == f"{image_registry}/shop"
    assert info["reference"] == f"{image_registry}/shop@{info['digest']}"
    assert any("RUN echo built-by-run" in line for line in lines), lines
    manifest = httpx.get(f"http://{image_registry}/v2/shop/manifests/{info['digest']}",
                         headers={"Accept": MANIFEST_TYPES}, timeout=10)
    assert manifest.status_code == 200
    assert manifest.headers["docker-content-digest"] == info["digest"]
    assert httpx.get(f"http://{image_registry}/v2/shop/tags/list",
                     timeout=10).json()["tags"] == [info["tag"]]
    # What the image holds, pulled back from the registry by its digest.
    shown = subprocess.run(
        ["podman", "run", "--rm", "--runtime", "runc", "--network", "none",
         "--tls-verify=false", info["reference"], "/bin/sh", "-c",
         "cat /app/hello.txt /app/run.txt"],
        env=CONTAINERS_ENV, capture_output=True, text=True, timeout=120)
    assert shown.stdout == "hello from the context\nbuilt-by-run\n", shown.stderr
    local = subprocess.run(["buildah", "images", "--format", "{{.Name}}:{{.Tag}}"],
                           env=CONTAINERS_ENV, capture_output=True, text=True).stdout
    assert f"{info['repository']}:{info['tag']}" not in local, "the build's tag is removed"
    subprocess.run(["podman", "rmi", info["reference"]], env=CONTAINERS_ENV,
                   capture_output=True)


async def test_a_base_image_that_cannot_be_pulled_names_it_and_the_setting(
        tmp_path: Path, image_registry: str) -> None:
    settings = settings_for(tmp_path, image_registry, base_image_registry=image_registry)
    context = context_for(tmp_path, settings, "FROM autostack-no-such-base:1\nRUN true\n", [])
    with pytest.raises(BuildError) as raised:
        await DockerfileBuilder().build(context)
    message = str(raised.value)
    assert "`autostack-no-such-base:1`" in message
    assert f"AUTOSTACK_BASE_IMAGE_REGISTRY={image_registry}" in message
    assert "Set AUTOSTACK_BASE_IMAGE_REGISTRY to a registry or mirror that has it" in message
    assert "timed out" not in message, "the pull gave up itself, not the build's time budget"
    assert not (context.output_dir / "image.json").exists()


async def test_run_steps_get_the_build_memory_limit(
        tmp_path: Path, image_registry: str, base_image: str) -> None:
    settings = settings_for(tmp_path, image_registry, build_memory_mb=64)
    dockerfile = (f"FROM {base_image}\n"
                  "RUN python3 -c \"b = b'x' * (256 * 1024 * 1024); print(len(b))\"\n")
    context = context_for(tmp_path, settings, dockerfile, [])
    with pytest.raises(BuildError, match=r"a RUN step was killed, most likely out of memory "
                       r"\(the limit is 64 MB, build_memory_mb\)"):
        await DockerfileBuilder().build(context)


async def test_the_build_time_budget_stops_buildah(
        tmp_path: Path, image_registry: str, base_image: str) -> None:
    settings = settings_for(tmp_path, image_registry, build_timeout_seconds=3)
    # A sleep of this test's own, to look for afterwards, and of over an hour: the build
    # ending at all, with the budget's message, and the sleep gone show it was stopped.
    marker = 3600 + os.getpid() % 1000
    context = context_for(tmp_path, settings, f"FROM {base_image}\nRUN sleep {marker}\n", [])
    with pytest.raises(BuildError, match=r"build timed out after 3 s"):
        await DockerfileBuilder().build(context)
    left = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
    assert left.stdout == "", "the RUN step's container was stopped too"
