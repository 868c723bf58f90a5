"""The shared file store, end to end: no team can rewrite another's files, sizes are bounded.

A real ``autostack up`` (API, queue, bubblewrap builds, Caddy edge) and the
real CLI. Two teams: the fixture's user, and a second user who signs up.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import AUTOSTACK, Server, make_env, queue_name

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
LIBRARY = "/* a popular library, byte for byte the same in many projects */\n" * 200


def sign_up(server: Server, email: str) -> str:
    response = httpx.post(f"{server.url}/api/v1/auth/signup", json={
        "email": email, "password": "correct horse battery", "token_name": "e2e"}, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def deploy_as(server: Server, token: str, folder: Path, project: str) -> dict:
    env = {**server.env, "AUTOSTACK_SERVER": server.url, "AUTOSTACK_TOKEN": token}
    result = subprocess.run([AUTOSTACK, "deploy", str(folder), "--json", "--project", project],
                            env=env, capture_output=True, text=True, timeout=300)
    return dict(json.loads(result.stdout))


def disk_bytes(*folders: Path) -> int:
    """Bytes the files under ``folders`` take on disk, each inode counted once."""
    inodes = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                st = path.stat()
                inodes[(st.st_dev, st.st_ino)] = st.st_blocks * 512
    return sum(inodes.values())


def test_a_build_cannot_rewrite_the_stored_file_another_team_serves(
    server: Server, tmp_path: Path
) -> None:
    """Workspaces were hard links into the store: a build chmod-ed and rewrote a shared object."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "index.html").write_text("<h1>victim</h1>")
    (victim / "lib.js").write_text(LIBRARY)
    served = deploy_as(server, server.token, victim, "victim")
    assert served["state"] == "ready", served

    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "lib.js").write_text(LIBRARY)
    (attacker / "autostack.json").write_text(json.dumps({
        "buildCommand": "chmod u+w lib.js; echo 'alert(\"poisoned\")' > lib.js; "
                        "mkdir -p out && cp lib.js out/index.html",
        "outputDirectory": "out"}))
    attacked = deploy_as(server, sign_up(server, "mallory@example.com"), attacker, "attacker")
    assert attacked["state"] == "ready", attacked
    assert "poisoned" in server.edge_get(httpx.URL(attacked["url"]).host).text

    page = server.edge_get(httpx.URL(served["url"]).host, "/lib.js")
    assert page.status_code == 200
    assert page.text == LIBRARY


def test_an_executable_listed_400_times_is_stored_and_deployed_once(server: Server) -> None:
    """One 1 MiB file listed 400 times as executable (a 50 KB request) wrote 800 MB before."""
    with server.api() as api:
        deploy_tools(api, server.data_dir)


def deploy_tools(api: httpx.Client, data_dir: Path) -> None:
    assert api.post("/api/v1/projects", json={"name": "tools"}).status_code == 201
    index, tool = b"<h1>tools</h1>", os.urandom(MIB)
    index_sha, tool_sha = hashlib.sha256(index).hexdigest(), hashlib.sha256(tool).hexdigest()
    for digest, content in ((index_sha, index), (tool_sha, tool)):
        assert api.put(f"/api/v1/projects/tools/files/{digest}", content=content) \
            .status_code == 201
    files = [{"file": "index.html", "sha": index_sha, "size": len(index)}]
    files += [{"file": f"bin/tool-{number}", "sha": tool_sha, "size": MIB, "mode": 0o755}
              for number in range(400)]
    before = disk_bytes(data_dir / "store", data_dir / "deployments")
    created = api.post("/api/v1/projects/tools/deployments", json={"files": files})
    assert created.status_code == 201, created.text
    assert len(created.request.content) < 60_000
    deployment = wait_final(api, created.json()["id"])
    assert deployment["state"] == "ready", deployment
    written = disk_bytes(data_dir / "store", data_dir / "deployments") - before
    assert written < 4 * MIB, f"{written / MIB:.0f} MiB written"
    tools = list((data_dir / "deployments" / deployment["id"]).rglob("tool-*"))
    assert len(tools) == 400 and all(os.access(path, os.X_OK) for path in tools)


def wait_final(api: httpx.Client, deployment_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = api.get(f"/api/v1/deployments/{deployment_id}").json()
        if row["state"] in ("ready", "error", "canceled"):
            return dict(row)
        time.sleep(0.5)
    raise AssertionError(f"deployment {deployment_id} did not finish")


@pytest.fixture
def limited_server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    """A server whose deployments may hold 1 MiB and teams store 3 MiB."""
    data_dir = tmp_path / "data"
    env = make_env(data_dir, database_url, queue_name("e2e", tmp_path))
    env.update(AUTOSTACK_MAX_DEPLOYMENT_BYTES=str(MIB),
               AUTOSTACK_TEAM_STORAGE_QUOTA_BYTES=str(3 * MIB))
    instance = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                      log_path=tmp_path / "server.log")
    instance.start()
    try:
        instance.token = sign_up(instance, "dev@example.com")
        yield instance
    finally:
        instance.stop()


def build_writing(tmp_path: Path, name: str, megabytes: float) -> Path:
    """A folder whose build writes ``megabytes`` of random bytes into its output."""
    folder = tmp_path / name
    folder.mkdir()
    size = int(megabytes * MIB)
    (folder / "autostack.json").write_text(json.dumps({
        "buildCommand": f"mkdir -p out && echo '<h1>{name}</h1>' > out/index.html && "
                        f"head -c {size} /dev/urandom > out/data.bin",
        "outputDirectory": "out"}))
    return folder


def test_a_build_output_over_the_deployment_limit_fails_and_stores_nothing(
    limited_server: Server, tmp_path: Path
) -> None:
    server = limited_server
    result = deploy_as(server, server.token, build_writing(tmp_path, "big", 1.5), "big")
    assert result["state"] == "error"
    assert "more than the deployment size limit of 1048576 bytes" in result["error"]
    assert disk_bytes(server.data_dir / "store") < 64 * 1024


def test_a_build_output_past_the_team_quota_fails_and_stores_nothing(
    limited_server: Server, tmp_path: Path
) -> None:
    server = limited_server
    for number in range(3):
        done = deploy_as(server, server.token, build_writing(tmp_path, f"s{number}", 0.9),
                         f"s{number}")
        assert done["state"] == "ready", done
    stored = disk_bytes(server.data_dir / "store")
    refused = deploy_as(server, server.token, build_writing(tmp_path, "s3", 0.9), "s3")
    assert refused["state"] == "error"
    assert "storage quota of 3145728 bytes would be exceeded" in refused["error"]
    assert disk_bytes(server.data_dir / "store") - stored < 64 * 1024
