"""Package a build output as an image and run it with podman, for the image packaging tests.

:func:`package` runs the real :func:`package_output` (buildah, the push to the
test registry) on an output folder; :func:`running_image` pulls the pushed image
and runs it with podman on the host's network (``--network host``, so every
request stays on the loopback) with ``PORT`` set to a free port, and yields its
URL once it answers. The ``edge`` fixture is the other side of the comparison,
the local runtime and edge (real Caddy) in a :class:`LocalPair`:
:func:`at_edge_and_in_image` serves one output from both, and :func:`differences`
lists the requests they answer differently. :func:`static_context` is the build
context of a static site for the containers runtime, for the builders and the
packaging alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection
from autostack_core.security.crypto import install_keyring, load_keyring
from autostack_core.utils import free_port, random_id
from autostack_plugins.builders.image_package import package_output
from tests.containers_standin import CONTAINERS_ENV, podman
from tests.local_pair import LocalPair, release

START_SECONDS = 60


def static_context(tmp_path: Path, workspace: Path, output: Path, project: str,
                   settings: Settings) -> BuildContext:
    """The build context of a static site deployed on the containers runtime, with its cache
    in ``tmp_path``: no variables, log lines dropped, and no command run (none of these
    builds runs one)."""

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError(f"no command runs in this build: {command}")

    async def log(line: str) -> None:
        pass

    return BuildContext(
        workspace=workspace, output_dir=output, cache_dir=tmp_path / "cache",
        detection=Detection(framework="static", name="Static", runtime="static", confidence=1),
        env={}, run=run, log=log, project_name=project, settings=settings,
        provider="containers", image_runtimes=("containers",))


async def package(tmp_path: Path, output: Path, base_image: str, registry: str,
                  project: str = "site") -> dict[str, object]:
    """Package ``output`` on ``base_image`` and push it to ``registry``; its ``image.json``."""
    settings = Settings(data_dir=tmp_path / "data", package_base_image=base_image,
                        registry=registry)
    await package_output(static_context(tmp_path, tmp_path, output, project, settings))
    info: dict[str, object] = json.loads((output / "image.json").read_text())
    return info


@contextmanager
def running_image(reference: str) -> Iterator[str]:
    """The image ``reference`` running under podman; the URL it answers on."""
    port = free_port()
    name = f"autostack-test-{random_id(8).lower()}"
    podman("pull", "--tls-verify=false", reference)
    podman("--runtime", "runc", "run", "-d", "--name", name, "--network", "host",
           "-e", f"PORT={port}", reference)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.HTTPError:
                state = podman("inspect", "--format", "{{.State.Status}}", name).strip()
                if state != "running" or time.monotonic() > deadline:
                    logs = subprocess.run(["podman", "logs", name], env=CONTAINERS_ENV,
                                          capture_output=True, text=True)
                    raise AssertionError(f"the image did not answer ({state}): "
                                         f"{(logs.stdout + logs.stderr)[-3000:]}") from None
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(["podman", "rm", "-f", name], env=CONTAINERS_ENV, capture_output=True)
        subprocess.run(["podman", "rmi", "-f", reference], env=CONTAINERS_ENV,
                       capture_output=True)


@pytest.fixture
async def edge(tmp_path: Path) -> AsyncIterator[LocalPair]:
    """The local runtime and edge of a data folder of this test, started; stopped after."""
    settings = Settings(data_dir=tmp_path / "edge-data", edge_port=free_port(),
                        health_timeout_seconds=30)
    settings.ensure_dirs()
    install_keyring(load_keyring(settings.data_dir))  # the runtime seals its workloads' env
    pair = LocalPair(settings)
    await pair.start()
    try:
        yield pair
    finally:
        await pair.stop()


@asynccontextmanager
async def at_edge_and_in_image(tmp_path: Path, edge: LocalPair, output: Path, project: str,
                               base_image: str, registry: str
                               ) -> AsyncIterator[tuple[dict[str, object], str]]:
    """``output`` served by ``edge`` as ``<project>.localhost``, and packaged on
    ``base_image``, pushed to ``registry`` and running; the image's ``image.json`` and URL.

    The edge serves a copy: packaging leaves only ``image.json`` in ``output``.
    """
    served = tmp_path / "served" / "output"
    shutil.copytree(output, served)
    await edge.deploy(release("p1", served, f"{project}.localhost"))
    info = await package(tmp_path, output, base_image, registry, project=project)
    with running_image(str(info["reference"])) as image_url:
        yield info, image_url


def differences(edge: LocalPair, hostname: str, image_url: str,
                requests: Iterable[tuple[str, str, Mapping[str, str]]],
                compared: Sequence[str]) -> list[str]:
    """The ``(method, path, headers)`` requests that the edge, asked for ``hostname``, and
    the image answer differently, each with both answers (:func:`seen`)."""
    edge_url = f"http://127.0.0.1:{edge.settings.edge_port}"
    found = []
    for method, path, headers in requests:
        at_edge = seen(httpx.request(method, edge_url + path, timeout=20,
                                     headers={**headers, "Host": hostname}), compared)
        in_image = seen(httpx.request(method, image_url + path, headers=headers, timeout=20),
                        compared)
        if at_edge != in_image:
            found.append(f"{method} {path}: edge {at_edge} image {in_image}")
    return found


def seen(response: httpx.Response, compared: Sequence[str]) -> tuple[int, dict[str, str], str]:
    """What is compared of a response: its status, the ``compared`` headers it has, its body."""
    headers = {name: response.headers[name] for name in compared if name in response.headers}
    return response.status_code, headers, response.text
