"""Stopping the service stops the control plane only: apps keep serving and are re-adopted.

The unit (``autostack service install``) sends SIGTERM to ``autostack up``
alone (``KillMode=process``) with ``AUTOSTACK_KEEP_APPS_RUNNING=1``; here the
real ``autostack up`` gets the same signal and setting, without systemd. The
database plays no part (``dbless``: once in CI).
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import AUTOSTACK, Server, make_env
from tests.e2e.test_server_apps import deploy, write_app

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


@pytest.fixture
def service_server(tmp_path: Path) -> Iterator[Server]:
    """``autostack up`` as the unit runs it; torn down by a start and a full stop without it."""
    data_dir = tmp_path / "data"
    env = make_env(data_dir, None, f"e2e-{tmp_path.name}")
    env["AUTOSTACK_KEEP_APPS_RUNNING"] = "1"
    instance = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                      log_path=tmp_path / "server.log")
    subprocess.run([AUTOSTACK, "users", "create", "--email", "dev@example.com", "--password",
                    "correct horse battery", "--data-dir", str(data_dir)],
                   env=env, check=True, capture_output=True)
    instance.start()
    try:
        response = httpx.post(f"{instance.url}/api/v1/auth/login", json={
            "email": "dev@example.com", "password": "correct horse battery",
            "token_name": "e2e"}, timeout=30)
        instance.token = response.json()["token"]
        yield instance
    finally:
        instance.stop()
        del instance.env["AUTOSTACK_KEEP_APPS_RUNNING"]  # the last stop ends the apps too
        instance.start()
        instance.stop()


def test_a_service_stop_leaves_apps_serving_and_the_next_start_readopts_them(
    service_server: Server, tmp_path: Path
) -> None:
    server = service_server
    deploy(server, write_app(tmp_path / "app", "v1"), "--prod", "--project", "kept")
    token = server.edge_get("kept.localhost").text
    assert token.startswith("v1 ")
    server.stop(signal.SIGTERM)
    assert "Application shutdown complete" in server.log_path.read_text()  # a clean stop
    assert server.edge_get("kept.localhost").text == token  # the same process serves
    server.start()
    assert server.edge_get("kept.localhost").text == token  # re-adopted, not restarted
