"""The Python builder: start commands, dependency sources, and a real sandboxed build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import Detection
from autostack_plugins.builders import python
from autostack_plugins.builders.python import PythonBuilder, missing_servers, serving_command
from autostack_plugins.builders.python_deps import EXPORTED, dependencies
from tests.build_harness import Build

pytestmark = pytest.mark.dbless


def detection(**fields: Any) -> Detection:
    base: dict[str, Any] = {
        "framework": "python", "name": "Python", "runtime": "python", "confidence": 0.5,
        "package_manager": "pip",
    }
    return Detection(**(base | fields))


def test_serving_commands_listen_on_the_loopback_with_production_servers(
    tmp_path: Path,
) -> None:
    assert serving_command("uvicorn main:app --host 0.0.0.0 --port $PORT", tmp_path) == (
        "exec /usr/bin/python3 -m uvicorn main:app --host 127.0.0.1 --port $PORT")
    assert serving_command("uv run gunicorn app:app --bind 0.0.0.0:$PORT", tmp_path) == (
        "exec /usr/bin/python3 -m gunicorn app:app --bind 127.0.0.1:$PORT")
    assert serving_command("flask --app app:app run --host 0.0.0.0 --port $PORT",
                           tmp_path).endswith("-m gunicorn app:app --bind 127.0.0.1:$PORT")
    (tmp_path / "manage.py").write_text(
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n")
    assert serving_command("python manage.py runserver 0.0.0.0:$PORT", tmp_path).endswith(
        "-m gunicorn mysite.wsgi --bind 127.0.0.1:$PORT")
    assert serving_command("python3 worker.py", tmp_path) == "python3 worker.py"


def test_missing_servers_are_added_only_when_the_project_lacks_them(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fastapi\nuvicorn[standard]==0.30\n")
    assert missing_servers("exec python3 -m uvicorn main:app", tmp_path) == []
    assert missing_servers("exec python3 -m gunicorn app:app", tmp_path) == ["gunicorn"]
    assert missing_servers("python3 server.py", tmp_path) == []


def test_dependencies_come_from_each_tool(tmp_path: Path) -> None:
    assert dependencies(tmp_path).pip_args == []
    (tmp_path / "Pipfile.lock").write_text(json.dumps({"default": {
        "flask": {"version": "==3.0.3"},
        "colorama": {"version": "==0.4.6", "markers": "sys_platform == 'win32'"},
    }}))
    assert dependencies(tmp_path).pip_args == ["-r", EXPORTED]
    assert (tmp_path / EXPORTED).read_text() == (
        "colorama==0.4.6; sys_platform == 'win32'\nflask==3.0.3\n")
    (tmp_path / "Pipfile.lock").unlink()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["a"]\n')
    assert dependencies(tmp_path).pip_args == ["."]
    (tmp_path / "pyproject.toml").write_text("[tool.black]\n")
    with pytest.raises(BuildError, match=r"add a requirements\.txt"):
        dependencies(tmp_path)
    (tmp_path / "requirements.txt").write_text("")
    assert dependencies(tmp_path).pip_args == ["-r", "requirements.txt"]


async def test_no_start_command_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no start command"):
        await Build(tmp_path).run(PythonBuilder(), detection())


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
async def test_a_wsgi_app_is_built_into_server_and_answers_on_port(tmp_path: Path) -> None:
    build = Build(tmp_path)
    build.write({
        "requirements.txt": "# nothing from PyPI: the test runs offline\n",
        "Procfile": "web: python server.py\n",
        "server.py": (
            "import os, sys\n"
            "from wsgiref.simple_server import make_server\n"
            "def app(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
            "    return [f'{sys.executable} {os.environ[\"PYTHONPATH\"]}'.encode()]\n"
            "make_server('127.0.0.1', int(os.environ['PORT']), app).serve_forever()\n"
        ),
        ".venv/bin/python": "not shipped",
    })
    await build.run(PythonBuilder(), detection(start_command="python server.py"))
    assert [step for step, _ in build.commands] == ["install"]
    assert "--target .autostack/python -r requirements.txt" in build.commands[0][1]
    server = build.json("server.json")
    assert server["runtime"] == "python" and server["directory"] == "server"
    assert 'PYTHONPATH="$PWD/.python"' in server["command"]
    files = build.files("server")
    assert "server.py" in files and ".python/bin/python" in files
    assert not any(name.startswith((".venv", ".autostack")) for name in files)
    with build.serve() as url:
        assert httpx.get(url).text == f"/usr/bin/python3 {build.output / 'server' / '.python'}"


def test_an_exported_requirements_file_is_never_written_through_a_link(tmp_path: Path) -> None:
    """``.autostack -> <server folder>`` made the host write requirements.txt there, as root."""
    host = tmp_path / "host"
    host.mkdir()
    root = tmp_path / "app"
    root.mkdir()
    (root / ".autostack").symlink_to(host)
    (root / "Pipfile.lock").write_text(json.dumps({"default": {"flask": {"version": "==3.0"}}}))
    with pytest.raises(BuildError, match="goes through a symlink"):
        dependencies(root)
    assert list(host.iterdir()) == []


def test_a_pipfile_lock_linked_outside_is_refused_not_turned_into_requirements(
    tmp_path: Path,
) -> None:
    """pip echoes requirement lines into the build log: a server JSON file must not become them."""
    (tmp_path / "server.json").write_text(json.dumps({"default": {"s3cr3t": {}}}))
    root = tmp_path / "app"
    root.mkdir()
    (root / "Pipfile.lock").symlink_to(tmp_path / "server.json")
    with pytest.raises(BuildError, match=r"Pipfile\.lock is a symlink") as error:
        dependencies(root)
    assert "s3cr3t" not in str(error.value)
    assert not (root / EXPORTED).exists()


def test_the_python_shim_is_never_written_through_a_link_of_the_source(tmp_path: Path) -> None:
    """A repository's ``.python/bin -> /usr/bin`` made the host overwrite ``/usr/bin/python``."""
    host = tmp_path / "host"
    host.mkdir()
    (host / "python").write_text("the server's python")
    workspace = tmp_path / "src"
    (workspace / ".python").mkdir(parents=True)
    (workspace / ".python" / "bin").symlink_to(host)
    (workspace / "app.py").write_text("app = None\n")
    output = tmp_path / "output"
    output.mkdir()
    assert python.lay_out(workspace, output) == [".python/bin"]
    assert (host / "python").read_text() == "the server's python"
    shim = output / "server" / ".python" / "bin" / "python"
    assert not shim.parent.is_symlink() and shim.read_text().startswith("#!/bin/sh")


def test_python_builder_claims_python_apps_only() -> None:
    assert PythonBuilder().can_build(detection())
    assert not PythonBuilder().can_build(detection(runtime="node"))


def test_hook_register_builders_returns_the_python_builder() -> None:
    (builder,) = python.register_builders(settings=None)
    assert isinstance(builder, PythonBuilder)
