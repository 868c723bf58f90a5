"""Server apps end to end through ``autostack up``: run, proxy, logs, redeploy, sleep, survive.

The app is a prebuilt Build Output folder (``server.json`` + ``server/``)
copied into ``.vercel/output`` by the build command, so these tests do not
depend on the Node or Python builders.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.steady_load import answered, steady_load

pytestmark = pytest.mark.e2e

APP = """\
import http.server, os, signal, sys
TOKEN = os.urandom(4).hex()
REDIRECTS = {"/old": f"http://localhost:{os.environ['PORT']}/new?from=old",
             "/login": "http://127.0.0.1:8976/callback"}
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path in REDIRECTS:  # as Next.js 15 builds them: from its own listener
            self.send_response(307)
            self.send_header("Location", REDIRECTS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = f"{VERSION} {os.environ.get('GREETING', '-')} {TOKEN}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
print("listening on", os.environ["PORT"], flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def write_app(folder: Path, version: str, command: str = "python3 server.py") -> Path:
    """A project whose build publishes a prebuilt server app."""
    prebuilt = folder / "prebuilt"
    (prebuilt / "server").mkdir(parents=True, exist_ok=True)
    (prebuilt / "static").mkdir(exist_ok=True)
    (prebuilt / "static" / "robots.txt").write_text("User-agent: *\n")
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(json.dumps(
        {"runtime": "python", "command": command, "health_path": "/", "directory": "server"}))
    (prebuilt / "server" / "server.py").write_text(f"VERSION = {version!r}\n{APP}")
    (folder / "index.html").write_text("<h1>not served: the output is prebuilt</h1>")
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output",
        "outputDirectory": "prebuilt/static",
    }))
    return folder


@pytest.fixture
def runtime_server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    """Like ``server``, with short drain, idle and health timeouts (the health timeout long
    enough for a Python app to start on a loaded CI machine: the deaf app waits it out)."""
    with signed_in_server(tmp_path, database_url, AUTOSTACK_RUNTIME_DRAIN_SECONDS="1",
                          AUTOSTACK_PREVIEW_IDLE_SECONDS="2",
                          AUTOSTACK_HEALTH_TIMEOUT_SECONDS="10") as instance:
        yield instance


def deploy(server: Server, folder: Path, *args: str, check: bool = True) -> dict:
    result = server.cli("deploy", str(folder), "--json", *args, check=check)
    return json.loads(result.stdout)


def host_of(url: str) -> str:
    return httpx.URL(url).host


def test_server_app_gets_its_env_static_first_and_runtime_logs(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    app = write_app(tmp_path / "app", "v1")
    deploy(server, app, "--prod", "--project", "api")  # creates the project
    server.cli("env", "add", "GREETING", "bonjour", "-e", "production", "--project", "api")
    second = deploy(server, app, "--prod", "--project", "api")
    assert second["state"] == "ready", second
    response = server.edge_get("api.localhost")
    assert response.status_code == 200 and response.text.startswith("v1 bonjour ")
    assert server.edge_get("api.localhost", "/robots.txt").text == "User-agent: *\n"
    # A redirect to the app's own internal address stays on the visitor's hostname; one to
    # a loopback address of the visitor's machine (a CLI's login callback) is left alone.
    assert server.edge_get("api.localhost", "/old").headers["location"] == "/new?from=old"
    assert server.edge_get("api.localhost", "/login").headers["location"] == \
        "http://127.0.0.1:8976/callback"
    logs = server.cli("logs", second["id"], "--runtime").stdout
    assert "[server-0] listening on" in logs and "[supervisor] running" in logs


def test_redeploy_and_rollback_under_load_fail_no_request(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    first = deploy(server, write_app(tmp_path / "v1", "v1"), "--prod", "--project", "shop")
    with steady_load(server.edge_port, "shop.localhost") as load:
        second = deploy(server, write_app(tmp_path / "v2", "v2"), "--prod", "--project", "shop")
        # The first deployment drains (1 s) and scales to zero: polled, not slept (a loaded
        # machine takes longer, and the rollback must wake it to count).
        deadline = time.monotonic() + 30
        while "stopped (asleep)" not in server.cli("logs", first["id"], "--runtime").stdout:
            assert time.monotonic() < deadline, "the drained deployment never went to sleep"
            time.sleep(0.3)
        rolled = json.loads(server.cli("rollback", "--project", "shop", "--json").stdout)
        answered(load, "v1")
        server.cli("promote", second["id"], "--json")
        answered(load, "v2")
    assert rolled["id"] == first["id"]
    assert load.failures == []
    assert {"v1", "v2"} <= set(load.seen) and load.seen[-1] == "v2"
    first_logs = server.cli("logs", first["id"], "--runtime").stdout
    assert "stopped (asleep)" in first_logs and "waking up" in first_logs


def test_a_start_command_that_exits_fails_the_deployment_and_keeps_production(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    deploy(server, write_app(tmp_path / "good", "v1"), "--prod", "--project", "web")
    crash = write_app(tmp_path / "crash", "v2",
                      command="echo 'missing DATABASE_URL' >&2; exit 3")
    failed = deploy(server, crash, "--prod", "--project", "web", check=False)
    assert failed["state"] == "error"
    assert "exited with code 3" in failed["error"] and "missing DATABASE_URL" in failed["error"]
    deaf = write_app(tmp_path / "deaf", "v3", command="sleep 60")
    failed = deploy(server, deaf, "--prod", "--project", "web", check=False)
    assert failed["state"] == "error" and "never listened" in failed["error"]
    assert server.edge_get("web.localhost").text.startswith("v1 ")
    build_log = server.cli("logs", failed["id"]).stdout
    assert "never listened" in build_log


def test_idle_preview_scales_to_zero_and_the_next_request_waits(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    preview = deploy(server, write_app(tmp_path / "app", "v1"), "--project", "idle")
    hostname = host_of(preview["url"])
    token = server.edge_get(hostname).text.split()[-1]
    deadline = time.monotonic() + 30
    while "stopped (asleep)" not in server.cli("logs", preview["id"], "--runtime").stdout:
        assert time.monotonic() < deadline, "the preview never scaled to zero"
        time.sleep(0.5)
    # The wake's own evidence, not its speed (that is bench/runtime_bench.py's job): the
    # one request that reached the sleeping preview is answered, by a new process, and
    # the supervisor logged waking it up after it went to sleep.
    response = server.edge_get(hostname)
    assert response.status_code == 200 and response.text.startswith("v1 ")
    assert response.text.split()[-1] != token  # a new process answered
    runtime_log = server.cli("logs", preview["id"], "--runtime").stdout
    assert "waking up" in runtime_log.split("stopped (asleep)")[-1], runtime_log


def test_production_scales_to_zero_when_its_project_says_so(
    runtime_server: Server, tmp_path: Path
) -> None:
    """Off by default: ``always`` stays up while ``quiet``, idle no longer than it and with
    ``--scale-to-zero on``, goes to sleep; the next request through the edge wakes it."""
    server = runtime_server
    always = deploy(server, write_app(tmp_path / "always", "v1"), "--prod", "--project", "always")
    quiet = deploy(server, write_app(tmp_path / "quiet", "v1"), "--prod", "--project", "quiet")
    changed = server.cli("projects", "set", "quiet", "--scale-to-zero", "on").stdout
    assert changed.strip() == "quiet: scale to zero on"
    token = server.edge_get("quiet.localhost").text.split()[-1]
    deadline = time.monotonic() + 20
    while "stopped (asleep)" not in server.cli("logs", quiet["id"], "--runtime").stdout:
        assert time.monotonic() < deadline, "production never scaled to zero"
        time.sleep(0.5)
    with server.api() as api:
        assert api.get(f"/api/v1/deployments/{always['id']}").json()["runtime_status"] == "ready"
        assert api.get(f"/api/v1/deployments/{quiet['id']}").json()["runtime_status"] == "asleep"
    response = server.edge_get("quiet.localhost")
    assert response.status_code == 200 and response.text.startswith("v1 ")
    assert response.text.split()[-1] != token  # a new process answered


def test_apps_keep_serving_when_the_control_plane_is_killed_and_are_readopted(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    deploy(server, write_app(tmp_path / "app", "v1"), "--prod", "--project", "solid")
    token = server.edge_get("solid.localhost").text
    server.stop(signal.SIGKILL)
    assert server.edge_get("solid.localhost").text == token
    server.start()
    assert server.edge_get("solid.localhost").text == token  # the same process, re-adopted


def test_a_static_site_with_node_and_python_functions(
    runtime_server: Server, tmp_path: Path
) -> None:
    server = runtime_server
    site = tmp_path / "site"
    (site / "api").mkdir(parents=True)
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "api" / "hello.js").write_text(
        "module.exports = (req, res) => { res.end(`node ${process.env.GREETING}`) }\n")
    (site / "api" / "hi.py").write_text(
        "import os\n"
        "from http.server import BaseHTTPRequestHandler\n"
        "class handler(BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        body = f\"python {os.environ.get('GREETING')}\".encode()\n"
        "        self.send_response(200)\n"
        "        self.send_header('Content-Length', str(len(body)))\n"
        "        self.end_headers()\n"
        "        self.wfile.write(body)\n")
    deploy(server, site, "--prod", "--project", "fns")
    server.cli("env", "add", "GREETING", "hey", "-e", "production", "--project", "fns")
    result = deploy(server, site, "--prod", "--project", "fns")
    assert result["state"] == "ready", result
    assert "home" in server.edge_get("fns.localhost").text
    assert server.edge_get("fns.localhost", "/api/hello").text == "node hey"
    assert server.edge_get("fns.localhost", "/api/hi").text == "python hey"
    assert server.edge_get("fns.localhost", "/api/missing").status_code == 404
