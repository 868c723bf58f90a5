"""A Dockerfile app end to end through ``autostack up``: buildah, the registry, podman, the edge.

The server pushes to Debian's docker-registry on the loopback
(``AUTOSTACK_REGISTRY``) and the Dockerfile starts from a Python base image
made from this host's files (:mod:`tests.containers_standin`).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers_standin import CONTAINERS_ENV, base_image, image_registry
from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.steady_load import answered, steady_load

__all__ = ["base_image", "image_registry"]
pytestmark = pytest.mark.e2e

APP = '''\
import os, socket
from http.server import BaseHTTPRequestHandler, HTTPServer

VERSION = open("/app/version.txt").read().strip()


def control_plane():
    try:
        socket.create_connection(("127.0.0.1", int(os.environ["CONTROL_PORT"])), 2).close()
        return "reached"
    except OSError as error:
        return f"refused ({error.__class__.__name__})"


def memory_limit():
    for path in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"):
        if os.path.exists(path):
            return open(path).read().strip()
    return "unknown"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        print(f"GET {self.path}", flush=True)
        if self.path == "/isolation":
            body = f"control plane {control_plane()}; memory {memory_limit()}"
        else:
            body = f"{VERSION} {os.environ.get('GREETING', '-')}"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


print(f"listening on {os.environ['PORT']}", flush=True)
HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
'''


def write_app(folder: Path, base: str, version: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "server.py").write_text(APP)
    (folder / "Dockerfile").write_text(
        f"FROM {base}\nCOPY server.py /app/server.py\n"
        f"RUN echo {version} > /app/version.txt\n"
        'CMD ["python3", "-u", "/app/server.py"]\n')
    return folder


def deploy(server: Server, folder: Path, *args: str, check: bool = True) -> dict:
    result = server.cli("deploy", str(folder), "--json", *args, check=check)
    return json.loads(result.stdout or "{}")


@pytest.fixture
def container_server(tmp_path: Path, database_url: str | None,
                     image_registry: str) -> Iterator[Server]:
    """A server pushing to the test registry; its containers are removed afterwards."""
    with signed_in_server(tmp_path, database_url, AUTOSTACK_REGISTRY=image_registry,
                          AUTOSTACK_HEALTH_TIMEOUT_SECONDS="30",
                          AUTOSTACK_RUNTIME_MEMORY_MB="256") as instance:
        try:
            yield instance
        finally:
            instance.stop()
            owner = hashlib.sha256(str(instance.data_dir.resolve()).encode()).hexdigest()[:12]
            names = subprocess.run(
                ["podman", "ps", "-a", "-q", "--filter", f"label=autostack.owner={owner}"],
                env=CONTAINERS_ENV, capture_output=True, text=True).stdout.split()
            if names:
                subprocess.run(["podman", "rm", "-f", *names], env=CONTAINERS_ENV,
                               capture_output=True)


def test_a_dockerfile_app_runs_in_a_container_behind_the_edge(
        container_server: Server, tmp_path: Path, base_image: str, image_registry: str) -> None:
    server, registry = container_server, image_registry
    # On the default runtime, the error names the one that runs images.
    failed = deploy(server, write_app(tmp_path / "v0", base_image, "v0"), "--prod",
                    "--project", "dock", check=False)
    log = server.cli("logs", failed["id"], check=False).stdout
    installed = re.search(r"installed: ([a-z, ]+)\)", log)
    assert installed is not None and "containers" in installed[1].split(", "), log
    with server.api() as api:
        answer = api.patch("/api/v1/projects/dock", json={"provider": "containers"})
        assert answer.status_code == 200, answer.text
    server.cli("env", "add", "GREETING", "bonjour", "-e", "production", "--project", "dock")
    server.cli("env", "add", "CONTROL_PORT", str(server.port), "-e", "production",
               "--project", "dock")

    first = deploy(server, write_app(tmp_path / "v1", base_image, "v1"), "--prod",
                   "--project", "dock")
    assert first["state"] == "ready", first
    home = server.edge_get("dock.localhost")
    assert (home.status_code, home.text) == (200, "v1 bonjour")
    isolation = server.edge_get("dock.localhost", "/isolation").text
    assert isolation == f"control plane refused (ConnectionRefusedError); memory {256 << 20}"

    with steady_load(server.edge_port, "dock.localhost") as load:
        second = deploy(server, write_app(tmp_path / "v2", base_image, "v2"), "--prod",
                        "--project", "dock")
        answered(load, "v2")  # production moves right after the deployment is ready
    assert second["state"] == "ready", second
    assert load.failures == []
    assert {"v1", "v2"} <= set(load.seen) and load.seen[-1] == "v2"

    logs = server.cli("logs", second["id"], "--runtime").stdout
    assert "[server-0] listening on" in logs and "[server-0] GET /" in logs, logs
    build_log = server.cli("logs", second["id"]).stdout
    assert re.search(rf"pushed {re.escape(registry)}/dock:\w+ \(sha256:[0-9a-f]{{64}}\)",
                     build_log), build_log
