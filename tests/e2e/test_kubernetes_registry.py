"""The ``kubernetes`` runtime's registry login: a team's image pushed with it, its pods
pulling through an image pull Secret.

Real parts: buildah pushes a ``FROM scratch`` image with the login
:meth:`KubernetesRuntime.push_target` gives to Debian's docker-registry on the
loopback, which requires it (basic authentication, the registry of
``tests/e2e/test_image_package.py``). **The cluster is the API stand-in**
(:mod:`tests.kube_standin`, no kubelet runs here): it validates every object
strictly and plays the kubelet's pull from that registry: a pod is ready only if
the image's manifest can be fetched with the login in the ``kubernetes.io/
dockerconfigjson`` Secret its Deployment names. No real kubelet, container
runtime or credential provider pulled anything.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection
from autostack_core.interfaces.runtime import Release, ReleaseStatus, ScalePolicy
from autostack_core.utils import random_id
from autostack_plugins.builders.image_build import ImageBuild, PushedImage
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.registry import PULL_SECRET
from autostack_plugins.providers.kubernetes.runtime import (
    KubernetesDeployError,
    KubernetesRuntime,
)
from tests.conformance.pair import artifact
from tests.e2e.test_image_package import LoginRegistry, login_registry
from tests.kube_standin import KubeStandIn, kube_standin

__all__ = ["kube_standin", "login_registry"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]
NS = "autostack-acme"


@pytest.fixture
async def runtime(tmp_path: Path, kube_standin: KubeStandIn) -> AsyncIterator[KubernetesRuntime]:
    settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=3)
    runtime = KubernetesRuntime(settings, Clusters(),
                                {"kubeconfig": str(kube_standin.kubeconfig(tmp_path))})
    await runtime.start()
    yield runtime
    await runtime.stop()


async def push_scratch_image(runtime: KubernetesRuntime, tmp_path: Path,
                             config: dict[str, str]) -> PushedImage:
    """Build a one-file image and push it where the runtime says, with its login."""
    target = await runtime.push_target(config, "Shop")
    assert target is not None
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "hello.txt").write_text("hello")
    (workspace / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    lines: list[str] = []

    async def log(line: str) -> None:
        lines.append(line)

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("no sandbox command")

    context = BuildContext(
        workspace=workspace, output_dir=tmp_path / "build" / "output",
        cache_dir=tmp_path / "cache", env={}, run=run, log=log, project_name="shop",
        detection=Detection(framework="docker", name="Docker", runtime="docker",
                            confidence=1), settings=runtime.settings, provider="kubernetes")
    context.output_dir.mkdir(parents=True)
    pushed = await ImageBuild(context, "Dockerfile").run([], target)
    assert config["registry_password"] not in "\n".join(lines)
    return pushed


async def deploy(runtime: KubernetesRuntime, image: PushedImage,
                 config: dict[str, str]) -> str:
    """Deploy ``image`` as the build recorded it (``image.json``)."""
    release_id = f"r{random_id(8).lower()}"
    files = {"image.json": json.dumps({
        "format": "registry", "repository": image.repository, "tag": image.tag,
        "digest": image.digest, "reference": image.reference}).encode()}
    reference = await runtime.publish(artifact(release_id, files, frozenset()))
    await runtime.deploy(Release(id=release_id, project="shop", artifact=reference, env={},
                                 policy=ScalePolicy(1, 1), config=config, team="acme"))
    return release_id


async def test_a_team_registry_login_pushes_the_image_and_the_pods_pull_with_it(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn, tmp_path: Path,
        login_registry: LoginRegistry) -> None:
    """Pushed with the login; a wrong password leaves the pods in ImagePullBackOff and the
    deploy fails (the stand-in's pull is no formality); the right one pulls."""
    password = random_id(20)
    registry = login_registry.start("acme-ci", password)
    config = {"registry": f"{registry}/acme", "registry_username": "acme-ci",
              "registry_password": password}
    image = await push_scratch_image(runtime, tmp_path, config)
    assert image.reference.startswith(f"{registry}/acme/shop@sha256:")
    tags = f"http://{registry}/v2/acme/shop/tags/list"
    assert httpx.get(tags, timeout=10).status_code == 401, "the registry requires the login"
    assert httpx.get(tags, auth=("acme-ci", password), timeout=10).status_code == 200
    kube_standin.pulls_from.add(registry)

    with pytest.raises(KubernetesDeployError, match="did not finish"):
        await deploy(runtime, image, {**config, "registry_password": "not-the-password"})
    assert kube_standin.of_kind("Pod", NS) == [], "the failed release was removed"

    release_id = await deploy(runtime, image, config)
    assert await runtime.status(release_id) == ReleaseStatus.READY
    secret = kube_standin.get("Secret", NS, PULL_SECRET)
    assert secret is not None and secret["type"] == "kubernetes.io/dockerconfigjson"
    docker_config = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))
    assert list(docker_config["auths"]) == [registry], "keyed by the registry's host"
    assert base64.b64decode(docker_config["auths"][registry]["auth"]).decode() == \
        f"acme-ci:{password}"
    deployment = kube_standin.get("Deployment", NS, release_id)
    assert deployment is not None
    assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": PULL_SECRET}]
    assert password not in json.dumps(deployment), "the login lives in the Secret only"
