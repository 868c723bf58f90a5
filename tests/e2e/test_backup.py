"""``autostack backup create`` of a running server, restored onto a new data dir (and database).

The backup is taken online, while ``autostack up`` serves; the restored server
runs on other ports with a fresh data directory (and, on PostgreSQL, a new
empty database) and must serve the same deployments (a static site, a server
app reading a secret environment variable), decrypt the same secrets and
accept the same API token.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import free_port, scratch_database
from tests.e2e.conftest import AUTOSTACK, Server, make_env, queue_name
from tests.e2e.test_server_apps import deploy, write_app

pytestmark = pytest.mark.e2e


@pytest.fixture
async def empty_database_url() -> AsyncIterator[str | None]:
    """A second, empty PostgreSQL database to restore into (None on SQLite)."""
    async with scratch_database("autostack_r") as url:
        yield url


def test_a_restored_backup_serves_the_same_deployments_with_the_same_secrets(
    server: Server, tmp_path: Path, site: Path, empty_database_url: str | None
) -> None:
    app = write_app(tmp_path / "app", "v1")
    deploy(server, app, "--prod", "--project", "api")
    server.cli("env", "add", "GREETING", "bonjour", "-e", "production", "--project", "api")
    deploy(server, app, "--prod", "--project", "api")
    deploy(server, site, "--prod", "--project", "docs")
    served = {host: server.edge_get(host).text for host in ("api.localhost", "docs.localhost")}
    assert served["api.localhost"].startswith("v1 bonjour ")

    archive = tmp_path / "backups" / "autostack.tar.gz"
    created = server.cli("backup", "create", str(archive), "--data-dir", str(server.data_dir))
    assert "wrote" in created.stdout and archive.stat().st_mode & 0o077 == 0
    server.stop()

    data_dir = tmp_path / "restored" / "data"
    env = make_env(data_dir, empty_database_url, queue_name("e2e-restored", tmp_path))
    restored = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                      log_path=tmp_path / "restored.log", token=server.token)
    result = subprocess.run(
        [AUTOSTACK, "backup", "restore", str(archive), "--data-dir", str(data_dir)],
        env={**env, "AUTOSTACK_EDGE_PORT": str(restored.edge_port)}, capture_output=True,
        text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    restored.start()
    try:
        assert restored.edge_get("docs.localhost").text == served["docs.localhost"]
        assert restored.edge_get("api.localhost").text.startswith("v1 bonjour ")
        pulled = tmp_path / "pulled.env"
        restored.cli("env", "pull", str(pulled), "-e", "production", "--project", "api")
        assert "GREETING" in pulled.read_text() and "bonjour" in pulled.read_text()
    finally:
        restored.stop()


def test_restore_refuses_a_data_dir_in_use(server: Server, tmp_path: Path) -> None:
    archive = tmp_path / "autostack.tar"
    server.cli("backup", "create", str(archive), "--data-dir", str(server.data_dir))
    before = sorted(path.name for path in server.data_dir.iterdir())
    refused = server.cli("backup", "restore", str(archive), "--data-dir", str(server.data_dir),
                         check=False)
    assert refused.returncode == 1
    assert f"{server.data_dir} is not empty: restore onto a new data directory" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sorted(path.name for path in server.data_dir.iterdir()) == before
