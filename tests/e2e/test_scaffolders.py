"""Projects as today's scaffolders make them, deployed through everything (issue 17, 15-18).

Each test uploads a project with the real CLI to a real ``autostack up``: npm
installs from the npm registry, the build in the bubblewrap sandbox, the
output in the content store, and requests through the Caddy edge.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def write(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def deploy(server: Server, folder: Path, project: str) -> dict:
    result = server.cli("deploy", str(folder), "--prod", "--json", "--project", project,
                        timeout=900, check=False)
    return dict(json.loads(result.stdout))


BUILD_MJS = """\
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { marked } from 'marked';

mkdirSync('dist', { recursive: true });
writeFileSync('dist/index.html', marked.parse(readFileSync('README.md', 'utf8')));
console.log('rendered README.md');
"""


def test_a_package_json_with_only_a_build_script_publishes_the_folder_it_wrote(
    server: Server, tmp_path: Path
) -> None:
    folder = write(tmp_path / "readme", {
        "package.json": json.dumps({
            "name": "readme-site", "private": True, "type": "module",
            "scripts": {"build": "node build.mjs"},
            "devDependencies": {"marked": "^15.0.0"}}),
        "build.mjs": BUILD_MJS,
        "README.md": "# Built by its own script\n\nNo framework here.\n",
    })
    deployment = deploy(server, folder, "readme")
    assert deployment["state"] == "ready", deployment
    assert deployment["detection"]["framework"] == "other"
    page = server.edge_get("readme.localhost", "/")
    assert page.status_code == 200
    assert "<h1>Built by its own script</h1>" in page.text
    assert server.edge_get("readme.localhost", "/build.mjs").status_code == 404
    logs = server.cli("logs", deployment["id"]).stdout
    assert "rendered README.md" in logs
    assert "output directory: `dist/`" in logs


def test_a_build_script_that_writes_no_output_folder_fails_saying_so(
    server: Server, tmp_path: Path
) -> None:
    folder = write(tmp_path / "nothing", {
        "package.json": json.dumps({"name": "nothing", "private": True,
                                    "scripts": {"build": "node -e \"console.log('done')\""}}),
        "src/main.js": "console.log(1);\n",
    })
    deployment = deploy(server, folder, "nothing")
    assert deployment["state"] == "error"
    assert "none of the output directories dist, build, public, out" in deployment["error"]
