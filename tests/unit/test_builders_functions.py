"""Functions from ``api/``: discovery, the ``.func`` layout, and static sites with functions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from autostack_core.interfaces import Detection
from autostack_plugins.builders import functions
from autostack_plugins.builders.api_functions import (
    find_functions,
    production_packages,
    write_function,
)
from autostack_plugins.builders.functions import StaticFunctionsBuilder
from tests.build_harness import Build

pytestmark = pytest.mark.dbless


def detection(**fields: Any) -> Detection:
    base: dict[str, Any] = {
        "framework": "static", "name": "Static HTML", "runtime": "static", "confidence": 0.1,
        "output_directory": ".",
    }
    return Detection(**(base | fields))


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def test_functions_are_js_and_py_files_of_api_except_helpers(tmp_path: Path) -> None:
    write(tmp_path, {
        "api/hello.js": "", "api/users/[id].mjs": "", "api/index.py": "",
        "api/_lib/db.js": "", "api/.hidden.js": "", "api/types.d.ts": "", "api/edge.ts": "",
        "api/README.md": "", "api/node_modules/x/index.js": "", "lib/other.js": "",
    })
    found, warnings = find_functions(tmp_path)
    assert [(f.route, f.runtime) for f in found] == [
        ("api/hello", "nodejs20.x"), ("api/index", "python3.11"),
        ("api/users/[id]", "nodejs20.x"),
    ]
    assert len(warnings) == 1 and warnings[0].startswith("api/edge.ts skipped")


def test_production_packages_follow_dependencies_not_dev_dependencies(tmp_path: Path) -> None:
    def package(folder: str, **fields: Any) -> None:
        write(tmp_path, {f"{folder}/package.json": json.dumps(fields)})

    package(".", dependencies={"a": "1"}, devDependencies={"vite": "5"})
    package("node_modules/a", dependencies={"b": "1", "c": "1"})
    package("node_modules/b")
    package("node_modules/a/node_modules/c", dependencies={"b": "1"})
    package("node_modules/vite")
    assert production_packages(tmp_path) == [
        "node_modules/a", "node_modules/a/node_modules/c", "node_modules/b",
    ]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
def test_a_dependency_name_cannot_climb_out_of_node_modules(tmp_path: Path) -> None:
    """``"../../../../<server folder>"`` as a dependency copied that folder into the output."""
    host = tmp_path / "host"
    (host / "data").mkdir(parents=True)
    project = tmp_path / "deep" / "project"
    write(project, {
        "package.json": json.dumps({"dependencies": {"../../../host/data": "*", "ok": "*"}}),
        "node_modules/ok/package.json": json.dumps({"dependencies": {"../../../../../host": "*"}}),
    })
    assert production_packages(project) == ["node_modules/ok"]


def test_a_helper_linked_outside_the_project_is_left_out_of_the_function(
    tmp_path: Path,
) -> None:
    (tmp_path / "autostack.db").write_bytes(b"SQLite format 3\0")
    root = tmp_path / "site"
    write(root, {"api/peek.js": "module.exports = () => {}", "api/_lib.js": "x"})
    (root / "api" / "_db").symlink_to(tmp_path / "autostack.db")
    output = tmp_path / "output"
    output.mkdir()
    (function,), _ = find_functions(root)
    assert write_function(root, output, function) == ["api/_db"]
    folder = output / "functions" / "api" / "peek.func" / "api"
    assert sorted(path.name for path in folder.iterdir()) == ["_lib.js", "peek.js"]


async def test_a_plain_static_site_gets_static_files_and_both_kinds_of_functions(
    tmp_path: Path,
) -> None:
    build = Build(tmp_path)
    build.write({
        "index.html": "<h1>home</h1>",
        "api/hello.py": "def app(environ, start_response): ...\n",
        "api/_util.py": "X = 1\n",
        "api/time.js": "export default (req, res) => res.send('now')\n",
        "requirements.txt": "# offline\n",
    })
    await build.run(StaticFunctionsBuilder(), detection())
    assert build.files("static") == ["index.html"]
    assert build.files("functions") == [
        "api/hello.func/.vc-config.json", "api/hello.func/api/_util.py",
        "api/hello.func/api/hello.py", "api/time.func/.vc-config.json",
        "api/time.func/api/_util.py", "api/time.func/api/time.js",
    ]
    assert build.json("functions/api/hello.func/.vc-config.json") == {
        "runtime": "python3.11", "handler": "api/hello.py"}
    assert [step for step, _ in build.commands] == ["install"]
    assert any(line == "functions: /api/hello, /api/time" for line in build.log)


def test_static_functions_builder_sits_between_static_and_the_language_builders() -> None:
    builder = StaticFunctionsBuilder()
    assert 10 < builder.priority < 30
    assert builder.can_build(detection())
    assert not builder.can_build(detection(package_manager="npm"))
    assert not builder.can_build(detection(runtime="python", output_directory=None))


def test_hook_register_builders_returns_the_static_functions_builder() -> None:
    (builder,) = functions.register_builders(settings=None)
    assert isinstance(builder, StaticFunctionsBuilder)
