"""Symlinks in a user's files never make the host read outside the project (issue 12, item 2).

A repository or a build can create any symlink it likes. The host reads
routing files, copies functions and stores the output after the sandboxed
build: each of those reads must stay inside the project, whatever the links
say, and no error may quote what a file outside it holds. Real ``autostack
up``, real git pushes to the built-in remote, real bubblewrap builds.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Server, git

pytestmark = pytest.mark.e2e


def push(server: Server, repo: Path, project: str) -> dict:
    """Commit ``repo`` and push it to ``project``'s built-in remote; the final deployment."""
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": project}).status_code == 201
    git("init", "--initial-branch", "main", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", "links", cwd=repo)
    remote = f"http://dev%40example.com:{server.token}@127.0.0.1:{server.port}/git/{project}.git"
    git("push", remote, "main", cwd=repo)
    with server.api() as api:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = api.get(f"/api/v1/projects/{project}/deployments").json()["deployments"]
            if rows and rows[0]["state"] in ("ready", "error", "canceled"):
                return dict(rows[0])
            time.sleep(0.3)
    raise AssertionError(f"no final deployment of {project}")


def shown_to_the_user(server: Server, deployment: dict) -> str:
    """Everything the project's members can read about a deployment: its error and its logs."""
    logs = server.cli("logs", deployment["id"]).stdout
    return f"{deployment.get('error') or ''}\n{logs}"


def test_a_headers_file_linked_to_the_key_file_or_the_environment_is_never_read(
    server: Server, tmp_path: Path
) -> None:
    key = (server.data_dir / "secret.key").read_text().split()[0]
    server_environ = (Path("/proc") / str(server.process.pid) / "environ").read_bytes()  # type: ignore[union-attr]
    assert b"AUTOSTACK_DATA_DIR=" in server_environ
    for project, target in (("keyed", server.data_dir / "secret.key"),
                            ("environ", Path("/proc/self/environ"))):
        repo = tmp_path / project
        repo.mkdir()
        (repo / "index.html").write_text("<h1>links</h1>")
        os.symlink(target, repo / "_headers")
        deployment = push(server, repo, project)
        seen = shown_to_the_user(server, deployment)
        assert key not in seen
        assert "AUTOSTACK_DATA_DIR=" not in seen and str(server.data_dir) not in seen
        assert deployment["state"] == "error", deployment
        assert "_headers" in deployment["error"] and "outside" in deployment["error"]


FUNCTION = """\
const fs = require('fs');
module.exports = (req, res) => {
  const found = ['_db', '_key'].map((name) => {
    try { return fs.readFileSync(`${__dirname}/${name}`).toString('latin1') }
    catch (error) { return `${name}: ${error.code}` }
  });
  res.end(found.join('\\n'));
};
"""


def test_a_build_linking_the_database_into_a_function_never_serves_it(
    server: Server, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "api").mkdir(parents=True)
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "api" / "peek.js").write_text(FUNCTION)
    (site / "autostack.json").write_text(json.dumps({
        "buildCommand": f"ln -s {server.data_dir}/autostack.db api/_db"
                        f" && ln -s {server.data_dir}/secret.key api/_key",
        "outputDirectory": ".",
    }))
    result = server.cli("deploy", str(site), "--json", "--prod", "--project", "peek", check=False)
    deployment = json.loads(result.stdout)
    key = (server.data_dir / "secret.key").read_text().split()[0]
    assert deployment["state"] == "ready", (deployment, shown_to_the_user(server, deployment))
    served = server.edge_get("peek.localhost", "/api/peek").text
    assert "SQLite format 3" not in served and key not in served
    assert served == "_db: ENOENT\n_key: ENOENT"
    logs = shown_to_the_user(server, deployment)
    assert "api/_db" in logs and "outside" in logs
    assert key not in logs


def test_symlinks_that_stay_inside_the_project_keep_working(
    server: Server, tmp_path: Path
) -> None:
    repo = tmp_path / "inside"
    (repo / "docs").mkdir(parents=True)
    (repo / "index.html").write_text("<h1>home</h1>")
    (repo / "v2.html").write_text("<h1>version two</h1>")
    (repo / "latest.html").symlink_to("v2.html")
    (repo / "docs" / "current.html").symlink_to("../v2.html")
    (repo / "headers.txt").write_text("/*\n  X-Served-By: autostack\n")
    (repo / "_headers").symlink_to("headers.txt")
    deployment = push(server, repo, "inside")
    assert deployment["state"] == "ready", deployment
    assert "version two" in server.edge_get("inside.localhost", "/latest.html").text
    page = server.edge_get("inside.localhost", "/docs/current.html")
    assert "version two" in page.text
    assert page.headers.get("x-served-by") == "autostack"


def test_a_build_that_links_its_cache_folder_to_a_server_folder_leaves_that_folder_alone(
    server: Server, tmp_path: Path
) -> None:
    """The build writes ``/cache``; saving the build cache used to empty what ``build`` named."""
    elsewhere = tmp_path / "server-folder"
    (elsewhere / "keep").mkdir(parents=True)
    (elsewhere / "keep" / "file").write_text("still here")
    site = tmp_path / "cached"
    site.mkdir()
    (site / "package.json").write_text(json.dumps(
        {"name": "cached", "private": True, "devDependencies": {"vite": "^5.4.0"}}))
    (site / "autostack.json").write_text(json.dumps({
        "installCommand": "mkdir -p node_modules/vite",
        "buildCommand": "mkdir -p dist && echo '<h1>cached</h1>' > dist/index.html"
                        f" && rm -rf /cache/build && ln -s {elsewhere} /cache/build",
        "outputDirectory": "dist",
    }))
    result = server.cli("deploy", str(site), "--json", "--project", "cached", check=False)
    deployment = json.loads(result.stdout)
    logs = shown_to_the_user(server, deployment)
    assert "build cache: saved node_modules" in logs, logs
    assert (elsewhere / "keep" / "file").read_text() == "still here"
    assert sorted(path.name for path in elsewhere.iterdir()) == ["keep"]
    assert deployment["state"] == "ready", logs


def test_a_build_that_swaps_the_root_directory_for_a_link_is_stopped(
    server: Server, tmp_path: Path
) -> None:
    """The host publishes the root directory after the build: it must still be the same folder."""
    elsewhere = tmp_path / "server-folder"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("server-only")
    with server.api() as api:
        created = api.post("/api/v1/projects", json={"name": "rooted", "root_directory": "app"})
        assert created.status_code == 201, created.text
    site = tmp_path / "rooted"
    (site / "app").mkdir(parents=True)
    (site / "app" / "index.html").write_text("<h1>app</h1>")
    (site / "app" / "autostack.json").write_text(json.dumps({
        "buildCommand": f"cd .. && mv app app-built && ln -s {elsewhere} app",
        "outputDirectory": ".",
    }))
    result = server.cli("deploy", str(site), "--json", "--project", "rooted", check=False)
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "error", deployment
    assert "replaced the root directory 'app'" in deployment["error"]
    assert server.edge_get("rooted.localhost", "/secret.txt").status_code == 404
    assert server.edge_get(deployment["url"].split("//")[1].split(":")[0],
                           "/secret.txt").status_code == 404
