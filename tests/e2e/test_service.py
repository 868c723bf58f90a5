"""Stopping the service stops the control plane only: apps keep serving and are re-adopted.

The unit (``autostack service install``) sends SIGTERM to ``autostack up``
alone (``KillMode=process``) with ``AUTOSTACK_KEEP_APPS_RUNNING=1``; here the
real ``autostack up`` gets the same signal and setting, without systemd. The
database plays no part (``dbless``: once in CI).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_server_apps import deploy, write_app

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]


@pytest.fixture
def service_server(tmp_path: Path) -> Iterator[Server]:
    """``autostack up`` as the unit runs it; torn down by a start and a full stop without it."""
    with signed_in_server(tmp_path, None, AUTOSTACK_KEEP_APPS_RUNNING="1") as instance:
        yield instance
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
