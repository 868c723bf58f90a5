"""Rolling releases through the real server, CLI, queue and edge (issue 16, item 3).

Production serves a static site under steady load (new visitors every time,
so each request draws its variant afresh). ``autostack promote NEW --rolling``
then moves production to a new deployment in stages. A new deployment that
answers 500 on purpose (a server app whose health check passes) is aborted by
the watcher, from the edge's access log, with no more failed requests than
the failure budget, and production is back at 100% on the old deployment. A
healthy one goes through a timed stage and an approval to an ordinary promote.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.e2e.steady_load import steady_load

pytestmark = pytest.mark.e2e

PROJECT = "rolling"
HOST = f"{PROJECT}.localhost"
BUDGET = 40

FAILING_APP = """\
import http.server, os
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        status = 200 if self.path == "/healthz" else 500
        body = b"v2 broken"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def static_site(folder: Path, marker: str) -> Path:
    folder.mkdir()
    (folder / "index.html").write_text(f"{marker} site")
    return folder


def failing_app(folder: Path) -> Path:
    """A prebuilt server app that answers 500 everywhere but its health check."""
    prebuilt = folder / "prebuilt"
    (prebuilt / "server").mkdir(parents=True)
    (prebuilt / "static").mkdir()
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(json.dumps(
        {"runtime": "python", "command": "python3 server.py", "health_path": "/healthz",
         "directory": "server"}))
    (prebuilt / "server" / "server.py").write_text(FAILING_APP)
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output",
        "outputDirectory": "prebuilt/static"}))
    return folder


def deploy(server: Server, folder: Path, *args: str) -> str:
    result = json.loads(server.cli("deploy", str(folder), "--project", PROJECT, "--json",
                                   *args).stdout)
    assert result["state"] == "ready", result
    return str(result["id"])


def rollout(server: Server) -> dict:
    shown = json.loads(server.cli("rollout", "status", PROJECT, "--json").stdout)
    return dict(shown["rolling_release"])


def wait_for_state(server: Server, states: set[str], seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while (current := rollout(server))["state"] not in states:
        assert time.monotonic() < deadline, current
        time.sleep(0.3)
    return current


def answers(server: Server, count: int = 20) -> set[str]:
    with httpx.Client(timeout=10) as fresh:
        seen = set()
        for _ in range(count):
            fresh.cookies.clear()
            reply = fresh.get(f"http://127.0.0.1:{server.edge_port}/", headers={"Host": HOST})
            seen.add(f"{reply.status_code} {reply.text}")
    return seen


def answers_including(server: Server, wanted: set[str], seconds: float = 30) -> set[str]:
    """Fresh visitors' answers until ``wanted`` is among them: a stage is saved (and shown by
    ``rollout status``) before the edge applies its weights, so they may lag a moment."""
    deadline = time.monotonic() + seconds
    seen: set[str] = set()
    while not wanted <= seen:
        assert time.monotonic() < deadline, seen
        seen |= answers(server)
    return seen


def test_a_failing_deployment_is_aborted_within_the_failure_budget(
    server: Server, tmp_path: Path
) -> None:
    old = deploy(server, static_site(tmp_path / "v1", "v1"), "--prod")
    new = deploy(server, failing_app(tmp_path / "v2"))
    assert answers(server, 3) == {"200 v1 site"}
    with steady_load(server.edge_port, HOST, fresh_visitors=True) as load:
        time.sleep(1)
        server.cli("promote", new, "--rolling", "5,50,100", "--stage-minutes", "10",
                   "--failure-budget", str(BUDGET))
        aborted = wait_for_state(server, {"aborted", "completed"})
        # The requests after the abort (a few in flight aside) are all the old deployment's.
        after = len(load.seen) + 10
        deadline = time.monotonic() + 60
        while len(load.seen) < after + 50:
            assert time.monotonic() < deadline, len(load.seen)
            time.sleep(0.1)
    assert aborted["state"] == "aborted", aborted
    assert "5xx rate" in aborted["reason"] or "failure budget" in aborted["reason"]
    assert aborted["weights"] == {old: 100, new: 0}
    failed = [failure for failure in load.failures if failure.startswith("500")]
    assert failed, "the broken deployment got its 5% share before the abort"
    assert len(load.failures) == len(failed) <= BUDGET, load.failures
    assert set(load.seen[after:]) == {"v1"}
    assert answers(server) == {"200 v1 site"}
    table = server.cli("rollout", "status", PROJECT).stdout
    assert "aborted" in table and "Reason:" in table
    refused = server.cli("rollout", "advance", PROJECT, check=False)
    assert refused.returncode != 0 and "none is under way" in refused.stdout + refused.stderr


def test_a_healthy_deployment_goes_through_its_stages_to_production(
    server: Server, tmp_path: Path
) -> None:
    deploy(server, static_site(tmp_path / "v1", "v1"), "--prod")
    new = deploy(server, static_site(tmp_path / "v2", "v2"))
    with steady_load(server.edge_port, HOST, fresh_visitors=True) as load:
        started = json.loads(server.cli("promote", new, "--rolling", "10:0.05,50:approve",
                                        "--json").stdout)["rolling_release"]
        assert started["state"] == "running" and started["weights"][new] == 10
        waiting = wait_for_state(server, {"awaiting_approval", "aborted"})
        assert waiting["state"] == "awaiting_approval" and waiting["weights"][new] == 50
        answers_including(server, {"200 v1 site", "200 v2 site"})
        assert waiting["measure"]["new"]["requests"] > 0
        server.cli("rollout", "advance", PROJECT)
        time.sleep(0.5)
    assert load.failures == []
    assert rollout(server)["state"] == "completed"
    assert answers(server) == {"200 v2 site"}
    inspected = json.loads(server.cli("inspect", new, "--json").stdout)
    assert any(HOST in alias for alias in inspected["aliases"]), inspected
