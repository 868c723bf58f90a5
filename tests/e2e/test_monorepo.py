"""A monorepo's app deployed through everything (issue 20 item 4).

An npm-workspaces repository with two apps and a workspace package, locked by
the real npm; the project's root directory is ``apps/web``. The real CLI
uploads it to a real ``autostack up``: npm installs the workspace at its root
in the bubblewrap sandbox, the app builds in ``apps/web`` requiring the
workspace package, and its output is served through the Caddy edge. A second
deploy takes the workspace root's node_modules from the build cache.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

BUILD_JS = """\
const fs = require('fs');
const greet = require('@mono/greet');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', `<h1>${greet(process.argv[2])}</h1>\\n`);
console.log('built with the workspace package');
"""


def app(name: str) -> dict[str, str]:
    return {
        f"apps/{name}/package.json": json.dumps({
            "name": name, "version": "1.0.0", "private": True,
            "scripts": {"build": f"node build.js {name}"},
            "dependencies": {"@mono/greet": "1.0.0"}}),
        f"apps/{name}/build.js": BUILD_JS,
    }


def monorepo(folder: Path) -> Path:
    files = {
        "package.json": json.dumps({"name": "mono", "private": True,
                                    "workspaces": ["apps/*", "packages/*"]}),
        "packages/greet/package.json": json.dumps({"name": "@mono/greet", "version": "1.0.0",
                                                   "main": "index.js"}),
        "packages/greet/index.js": "module.exports = (who) => `Hello from ${who}!`;\n",
        **app("web"), **app("docs"),
    }
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    # The lockfile a user commits, written by the real npm (workspace links only: no download).
    subprocess.run(["npm", "install", "--package-lock-only", "--ignore-scripts"], cwd=folder,
                   check=True, capture_output=True, timeout=120)
    return folder


def test_an_app_of_an_npm_workspace_installs_at_the_root_and_builds_in_its_folder(
    server: Server, tmp_path: Path
) -> None:
    folder = monorepo(tmp_path / "mono")
    listed = json.loads(server.cli("detect", str(folder), "--json", check=False).stdout)
    assert [(a["directory"], a["framework"]) for a in listed["apps"]] == [
        ("apps/docs", "other"), ("apps/web", "other"), ("packages/greet", None)]
    with server.api() as api:
        created = api.post("/api/v1/projects", json={"name": "mono-web",
                                                      "root_directory": "apps/web"})
        assert created.status_code == 201, created.text
    result = server.cli("deploy", str(folder), "--prod", "--json", "--project", "mono-web",
                        timeout=600, check=False)
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready", deployment
    assert deployment["detection"]["install_command"] == "npm ci --prefix=../.."
    page = server.edge_get("mono-web.localhost", "/")
    assert page.status_code == 200
    assert "<h1>Hello from web!</h1>" in page.text
    assert server.edge_get("mono-web.localhost", "/build.js").status_code == 404
    logs = server.cli("logs", deployment["id"]).stdout
    assert "$ npm ci --prefix=../.." in logs
    assert "built with the workspace package" in logs
    assert deployment["detection"]["watch_paths"] == [
        "packages/greet", "package.json", "package-lock.json"]
    # A change to the app rebuilds it with the root's node_modules from the build cache.
    (folder / "apps/web/build.js").write_text(BUILD_JS + "// changed\n")
    again = json.loads(server.cli("deploy", str(folder), "--prod", "--json", "--project",
                                  "mono-web", timeout=600, check=False).stdout)
    assert again["state"] == "ready", again
    logs = server.cli("logs", again["id"]).stdout
    assert "build cache: restored" in logs and "skipping the install step" in logs, logs
    assert "<h1>Hello from web!</h1>" in server.edge_get("mono-web.localhost", "/").text


def test_a_root_directory_named_by_autostack_json_is_where_the_build_runs(
    server: Server, tmp_path: Path
) -> None:
    """Detection moved into the folder a config file names; install and build run there too."""
    folder = monorepo(tmp_path / "mono")
    (folder / "autostack.json").write_text(json.dumps({"rootDirectory": "apps/docs"}))
    result = server.cli("deploy", str(folder), "--prod", "--json", "--project", "mono-docs",
                        timeout=600, check=False)
    deployment = json.loads(result.stdout)
    assert deployment["state"] == "ready", deployment
    page = server.edge_get("mono-docs.localhost", "/")
    assert page.status_code == 200 and "<h1>Hello from docs!</h1>" in page.text
