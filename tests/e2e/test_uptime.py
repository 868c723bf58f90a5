"""Uptime checks through ``autostack up``: the real Caddy edge, a real server app, alerts.

A Python server app serves production; its replica's process group is stopped
(SIGSTOP: the process is there, the edge passes requests on, nobody answers)
and started again (SIGCONT). The checks are started with ``autostack uptime
check`` instead of waiting for the scheduler's minute ticks (the scheduled
path, claims and two workers are tested on the null pair:
tests/unit/test_uptime.py). The project's webhook notifier posts to a
stand-in on the loopback, as a team's webhook would get the alerts.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_server_apps import deploy
from tests.http_standin import StandIn, standin

pytestmark = pytest.mark.e2e

APP = """\
import http.server, os, signal, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        status = 500 if self.path.startswith("/boom") else 200
        body = b"boom" if status == 500 else b"watched app"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def write_app(folder: Path) -> Path:
    """A project whose build publishes a prebuilt Python server app."""
    prebuilt = folder / "prebuilt"
    (prebuilt / "server").mkdir(parents=True, exist_ok=True)
    (prebuilt / "static").mkdir(exist_ok=True)
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(
        json.dumps(
            {
                "runtime": "python",
                "command": "python3 server.py",
                "health_path": "/",
                "directory": "server",
            }
        )
    )
    (prebuilt / "server" / "server.py").write_text(APP)
    (folder / "index.html").write_text("<h1>not served: the output is prebuilt</h1>")
    (folder / "autostack.json").write_text(
        json.dumps(
            {
                "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output",
                "outputDirectory": "prebuilt/static",
            }
        )
    )
    return folder


def replica_group(server: Server, deployment_id: str) -> int:
    """The process group of the deployment's replica (its shim leads a session), from the
    local runtime's state file."""
    state = json.loads((server.data_dir / "runtime" / "state.json").read_text())
    [replica] = state["runtimes"][deployment_id]["replicas"]
    return int(replica["pid"])


def check(server: Server) -> dict[str, Any]:
    result = server.cli("uptime", "check", "--project", "watched", "--json")
    [row] = json.loads(result.stdout)["checks"]
    return dict(row)


def uptime_json(server: Server, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        server.cli("uptime", *args, "--project", "watched", "--json").stdout
    )
    return found


def wait_for_alerts(receiver: StandIn, wanted: list[str], seconds: float = 30) -> list[Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alerts = [
            request.json()
            for request in receiver.requests
            if request.json()["type"].startswith("uptime.")
        ]
        if [alert["type"] for alert in alerts] == wanted:
            return alerts
        time.sleep(0.2)
    raise AssertionError(f"alerts {[r.json()['type'] for r in receiver.requests]}, wanted {wanted}")


def test_a_stopped_app_opens_an_incident_and_its_restart_closes_it(
    tmp_path: Path, database_url: str | None
) -> None:
    with (
        standin(lambda request: (200, None)) as alerts,
        signed_in_server(tmp_path, database_url) as server,
    ):
        production = deploy(server, write_app(tmp_path / "app"), "--prod", "--project", "watched")
        assert production["state"] == "ready", production
        with server.api() as api:
            added = api.post(
                "/api/v1/projects/watched/notifiers", json={"type": "webhook", "url": alerts.url}
            )
            assert added.status_code == 201, added.text
        server.cli("uptime", "set", "--timeout", "2", "--project", "watched")

        first = check(server)
        assert (first["ok"], first["status_code"], first["hostname"]) == (
            True,
            200,
            "watched.localhost",
        )

        group = replica_group(server, production["id"])
        os.killpg(group, signal.SIGSTOP)
        try:
            blip = check(server)
            assert (blip["ok"], blip["cause"]) == (False, "timeout")
            assert uptime_json(server, "incidents")["incidents"] == []  # one blip: none
            check(server)
            status = uptime_json(server, "status")
            assert status["hostnames"][0]["status"] == "down"
            [incident] = status["incidents"]
            assert (incident["cause"], incident["checks_failed"], incident["ended_at"]) == (
                "timeout",
                2,
                None,
            )
        finally:
            os.killpg(group, signal.SIGCONT)

        back = check(server)
        assert back["ok"] is True and back["status_code"] == 200
        [incident] = uptime_json(server, "incidents")["incidents"]
        assert incident["ended_at"] is not None
        down, up = wait_for_alerts(alerts, ["uptime.down", "uptime.up"])
        assert down["project"] == "watched" and down["data"]["cause"] == "timeout"
        assert down["data"]["url"].startswith("http://watched.localhost:")
        assert up["data"]["incident"] == down["data"]["incident"]

        # A 5xx spike in the edge's counts: 12 of the hostname's requests answered 500.
        for _ in range(12):
            assert server.edge_get("watched.localhost", "/boom").status_code == 500
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            check(server)
            if uptime_json(server, "status")["hostnames"][0]["status"] == "errors":
                break
            time.sleep(1)
        spikes = [
            row for row in uptime_json(server, "incidents")["incidents"] if row["kind"] == "errors"
        ]
        assert len(spikes) == 1 and spikes[0]["ended_at"] is None, spikes
        assert "requests answered 5xx" in spikes[0]["detail"]
        wait_for_alerts(alerts, ["uptime.down", "uptime.up", "uptime.errors"])
