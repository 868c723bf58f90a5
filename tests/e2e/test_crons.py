"""Crons through the real server, queue scheduler and Caddy edge.

A project with a Node function and ``vercel.json`` crons runs every minute:
the function answers 200 only when the request carries ``Authorization:
Bearer <CRON_SECRET>`` and Vercel's cron user agent, so a 200 in the run
history is the function's word that the secret arrived. Production is
password-protected, so the request also has to pass deployment protection
with the bypass. A preview deployment with its own cron never runs. The
double-run guarantee (two schedulers, one request) is tested on the null
pair: tests/unit/test_crons.py.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_deploy import deploy

pytestmark = pytest.mark.e2e

SECRET = "e2e-cron-secret-9f3a"
FUNCTION = """module.exports = (req, res) => {
  const ok = req.headers.authorization === `Bearer ${process.env.CRON_SECRET}`
    && req.headers['user-agent'] === 'vercel-cron/1.0';
  res.statusCode = ok ? 200 : 401;
  res.end(ok ? 'cron ran' : 'refused');
};
"""


def write_site(folder: Path, crons: list[dict[str, str]]) -> Path:
    (folder / "api").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text("<h1>ticker</h1>")
    (folder / "api" / "cron.js").write_text(FUNCTION)
    (folder / "vercel.json").write_text(json.dumps({"crons": crons}))
    return folder


def runs(server: Server, project: str) -> list[dict[str, Any]]:
    result = server.cli("crons", "runs", "--project", project, "--json")
    found: list[dict[str, Any]] = json.loads(result.stdout)["runs"]
    return found


def wait_for_runs(server: Server, project: str, count: int, seconds: float,
                  since: str = "") -> list[dict[str, Any]]:
    """The finished runs created after ``since`` (ISO time), once there are ``count``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [run for run in runs(server, project) if run["created_at"] > since
                 and (run["status_code"] is not None or run["error"])]
        if len(found) >= count:
            return found
        time.sleep(1)
    raise AssertionError(f"no {count} finished cron runs in {seconds} s: {runs(server, project)}"
                         f"\nserver log:\n{server.log_path.read_text()[-3000:]}")


def test_a_scheduled_cron_reaches_the_protected_production_function_with_the_secret(
    server: Server, tmp_path: Path
) -> None:
    site = write_site(tmp_path / "site", [{"path": "/api/cron", "schedule": "* * * * *"}])
    deploy(server, site, "--prod", "--project", "ticker")
    server.cli("env", "add", "CRON_SECRET", SECRET, "-e", "production", "--project", "ticker")
    server.cli("protection", "set", "ticker", "--production", "password", "--password",
               "cron door 12345")
    production = deploy(server, site, "--prod", "--project", "ticker")
    assert production["state"] == "ready", production
    refused = server.edge_get("ticker.localhost", "/api/cron")
    assert refused.status_code == 401 and "cron ran" not in refused.text  # protected

    preview_site = write_site(tmp_path / "preview",
                              [{"path": "/api/cron?from=preview", "schedule": "* * * * *"}])
    preview = deploy(server, preview_site, "--project", "ticker")
    assert preview["state"] == "ready" and preview["target"] == "preview"

    listed = json.loads(server.cli("crons", "list", "--project", "ticker", "--json").stdout)
    assert listed["deployment"] == production["id"]
    assert [cron["path"] for cron in listed["crons"]] == ["/api/cron"]

    # A minute that began during the set-up may have raced the deploys and the protection
    # change (its request then saw the edge mid-change); the first run after it is the test.
    set_up = datetime.now(UTC).isoformat()
    first = wait_for_runs(server, "ticker", 1, seconds=150, since=set_up)[0]
    assert (first["path"], first["status_code"], first["manual"]) == ("/api/cron", 200, False)
    assert first["duration_ms"] >= 0 and first["error"] is None
    assert first["scheduled_for"].endswith(":00+00:00")

    server.cli("crons", "run-now", "/api/cron", "--project", "ticker")
    with_manual = wait_for_runs(server, "ticker", 2, seconds=30, since=set_up)
    assert any(run["manual"] and run["status_code"] == 200 for run in with_manual)

    with server.api() as api:
        history = api.get("/api/v1/projects/ticker/crons/runs")
    assert history.status_code == 200
    assert all(run["path"] == "/api/cron" for run in history.json()["runs"]), \
        "the preview deployment's cron must never run"
    assert SECRET not in history.text and SECRET not in server.log_path.read_text()

    bad = write_site(tmp_path / "bad", [{"path": "/api/cron", "schedule": "0 0 * * MON"}])
    failed = server.cli("deploy", str(bad), "--json", "--prod", "--project", "ticker",
                        check=False)
    assert "crons[0].schedule '0 0 * * MON': day of week" in failed.stdout + failed.stderr

    server.cli("crons", "disable", "--project", "ticker")
    assert json.loads(server.cli("crons", "--project", "ticker", "--json").stdout)[
        "enabled"] is False
