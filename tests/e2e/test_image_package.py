"""A build without a Dockerfile (static files, a function, a server app) packaged as an image,
pushed with an ECR login to a registry that requires it, run by podman behind the edge.

Real parts: buildah, Debian's docker-registry on the loopback with basic
authentication (htpasswd, bcrypt), podman and the local edge's Caddy; the base
image is made from this host's files (:mod:`tests.containers_standin`). The
ECR repository and its login come from moto's server through
:meth:`Eks.push_target`. What is mocked: ECR's registry host (moto names one
under ``amazonaws.com`` that nothing here answers), so the repository's host is
replaced by the loopback registry, whose only user is the login ECR gave. The
containers runtime pulls with that login through ``REGISTRY_AUTH_FILE`` set by
the test (its own pull login for a private registry is not part of this work).
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces import BuildContext, Detection, PushTarget
from autostack_core.interfaces.runtime import Release, ScalePolicy
from autostack_core.utils import free_port, random_id
from autostack_plugins.builders.image_package import package_output
from autostack_plugins.providers.kubernetes.eks import Eks
from autostack_plugins.providers.local.containers import ContainerRuntime
from autostack_plugins.providers.local.local_edge import LocalEdge
from tests.conformance.pair import artifact
from tests.containers_standin import base_image, image_registry, need_tools
from tests.e2e.test_containers_runtime import stack
from tests.moto_standin import REGION, MotoServer, moto, moto_server, needs_moto

__all__ = ["base_image", "image_registry", "moto", "moto_server", "stack"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless, needs_moto]

SERVER_APP = """import http.server, os
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"server app {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""
FUNCTION = """from http.server import BaseHTTPRequestHandler
class handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"function {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
"""


def bcrypt_line(username: str, password: str) -> str:
    with warnings.catch_warnings():  # crypt: deprecated, and the only bcrypt here
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt

        return f"{username}:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))}\n"


class LoginRegistry:
    """Debian's docker-registry on the loopback, requiring one user's basic login."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, username: str, password: str) -> str:
        (self.folder / "htpasswd").write_text(bcrypt_line(username, password))
        config = self.folder / "config.yml"
        config.write_text(
            f"version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {self.folder}/data\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\nauth:\n  htpasswd:\n    realm: ecr\n"
            f"    path: {self.folder}/htpasswd\nlog:\n  level: warn\n")
        with (self.folder / "registry.log").open("wb") as log:
            self.process = subprocess.Popen(["docker-registry", "serve", str(config)],
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/v2/", timeout=1).status_code == 401:
                    return f"127.0.0.1:{self.port}"
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, \
                (self.folder / "registry.log").read_text()[-2000:]
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def login_registry(tmp_path: Path) -> Iterator[LoginRegistry]:
    need_tools()
    registry = LoginRegistry(tmp_path / "login-registry")
    registry.folder.mkdir()
    try:
        yield registry
    finally:
        registry.stop()


def build_output(output: Path) -> None:
    """What the static and Python builders write: static files, a function, a server app."""
    (output / "static").mkdir(parents=True)
    (output / "static" / "index.html").write_text("<h1>packaged home</h1>")
    function = output / "functions" / "api" / "hello.func"
    function.mkdir(parents=True)
    (function / "index.py").write_text(FUNCTION)
    (function / ".vc-config.json").write_text(
        json.dumps({"runtime": "python3.11", "handler": "index.py"}))
    (output / "server").mkdir()
    (output / "server" / "app.py").write_text(SERVER_APP)
    (output / "server.json").write_text(json.dumps(
        {"runtime": "python", "command": "python3 app.py", "health_path": "/",
         "directory": "server"}))


async def test_a_static_site_function_and_server_app_run_from_their_image_behind_the_edge(
        tmp_path: Path, moto: MotoServer, login_registry: LoginRegistry, base_image: str,
        stack: tuple[ContainerRuntime, LocalEdge]) -> None:
    runtime, _ = stack
    config = {"region": REGION, "cluster": "shop-prod", "aws_access_key_id": moto.key_id,
              "aws_secret_access_key": moto.secret, "endpoint_url": moto.url}
    ecr = Eks().push_target(config, "site")
    assert ecr.repository.endswith(".amazonaws.com/autostack/site") and ecr.username == "AWS"
    registry = login_registry.start(ecr.username, ecr.password)

    async def push_target() -> PushTarget:
        return PushTarget(f"{registry}/autostack/site", ecr.username, ecr.password)

    lines: list[str] = []

    async def log(line: str) -> None:
        lines.append(line)

    async def run(command: str, step: str = "build") -> int:
        raise AssertionError("packaging runs no sandbox command")

    output = tmp_path / "build" / "output"
    build_output(output)
    settings = Settings(data_dir=tmp_path / "data", package_base_image=base_image)
    context = BuildContext(
        workspace=tmp_path, output_dir=output, cache_dir=tmp_path / "cache",
        detection=Detection(framework="flask", name="Flask", runtime="python", confidence=1),
        env={}, run=run, log=log, project_name="site", settings=settings, provider="eks",
        image_runtimes=("containers", "eks"), push_target=push_target)
    await package_output(context)

    info = json.loads((output / "image.json").read_text())
    assert sorted(path.name for path in output.iterdir()) == ["image.json"]
    assert info["packaged"] == ["static", "server", "functions"]
    assert info["base"] == base_image
    assert info["reference"] == f"{registry}/autostack/site@{info['digest']}"
    tags = f"http://{registry}/v2/autostack/site/tags/list"
    assert httpx.get(tags, timeout=10).status_code == 401, "the registry requires the login"
    assert httpx.get(tags, auth=(ecr.username, ecr.password), timeout=10).json()["tags"] == \
        [info["tag"]], "pushed with ECR's login"
    assert not list(output.parent.glob(".auth-*")), "the login file is removed"
    assert ecr.password not in "\n".join(lines)

    auth_file = tmp_path / "pull-auth.json"
    auth = base64.b64encode(f"{ecr.username}:{ecr.password}".encode()).decode()
    auth_file.write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
    runtime.podman.env["REGISTRY_AUTH_FILE"] = str(auth_file)
    release_id = f"p{random_id(9)}"
    reference = await runtime.publish(artifact(
        release_id, {"image.json": (output / "image.json").read_bytes()}, runtime.accepts))
    release = Release(id=release_id, project="site", artifact=reference, env={},
                      policy=ScalePolicy(min_replicas=1, max_replicas=1),
                      hostnames=(f"{release_id}.localhost",))
    await runtime.deploy(release)
    async with httpx.AsyncClient(timeout=10) as http:
        async def get(path: str) -> tuple[int, str]:
            answer = await http.get(f"http://127.0.0.1:{runtime.settings.edge_port}{path}",
                                    headers={"Host": release.hostnames[0]})
            return answer.status_code, answer.text

        assert await get("/") == (200, "<h1>packaged home</h1>")
        assert await get("/index.html") == (200, "<h1>packaged home</h1>")
        assert await get("/api/hello?x=1") == (200, "function /api/hello?x=1")
        assert await get("/other/page") == (200, "server app /other/page")
        # As at the local edge: a function answers its own path only, the server the rest.
        assert await get("/api/other") == (200, "server app /api/other")
