"""Template export round trip (issue 18 item 2): a project pushed to one server is exported
with ``autostack templates export``, ``pip install``-ed into a fresh virtual environment, and
a second server started from that environment lists the template and deploys it, with
the project's output directory (a build setting) carried over.

The fresh environment reuses the checkout's installed dependencies through a ``.pth``
line (``site.addsitedir``), as tests/e2e/test_package.py reuses its build: the package
under test is the exported one, installed by pip with its own isolated build (setuptools
from PyPI), not AutoStack itself. Real git push, real pip, real servers and edges.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import Server, git, make_env, queue_name
from tests.e2e.test_push_report import push

# The second server is on SQLite whatever the pass; the first's database paths (a push,
# a deploy) run on PostgreSQL in test_deploy, so CI's second pass skips this.
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

SECRET = "export-secret-9f1c3a-never-in-a-package"
PASSWORD = "correct horse battery"
PAGE = "<!doctype html><title>Brochure</title><h1>exported brochure</h1>\n"


def fresh_environment(root: Path) -> Path:
    """A new venv that sees the checkout's packages, with ``autostack`` and Caddy of its own."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True)  # pip comes from the checkout (--python): 15 s saved
    purelib = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "checkout_packages.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    script = venv / "bin" / "autostack"
    script.write_text(f"#!{venv / 'bin' / 'python'}\n"
                      "from autostack_core.cli import main\nmain()\n")
    script.chmod(0o755)
    (venv / "bin" / "caddy").symlink_to(Path(sys.executable).parent / "caddy")  # the wheel's
    return venv


def server_of(venv: Path, tmp_path: Path) -> Server:
    data_dir = tmp_path / "data"
    env = make_env(data_dir, None, queue_name("export", tmp_path))
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    autostack = str(venv / "bin" / "autostack")
    subprocess.run([autostack, "users", "create", "--email", "dev@example.com", "--password",
                    PASSWORD, "--data-dir", str(data_dir)], env=env, check=True,
                   capture_output=True)
    return Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                  log_path=tmp_path / "server.log", autostack=autostack)


def test_an_exported_project_installs_with_pip_and_deploys_on_another_server(
        server: Server, tmp_path: Path) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "brochure"}).status_code == 201
        assert api.patch("/api/v1/projects/brochure", json={  # must travel with the template
            "output_directory": "site"}).status_code == 200
        assert api.post("/api/v1/projects/brochure/env", json={
            "key": "MAILER_TOKEN", "value": SECRET,
            "environments": ["production"]}).status_code == 201
    work = tmp_path / "work"
    work.mkdir()
    (work / "site").mkdir()
    (work / "site" / "index.html").write_text(PAGE)
    (work / "README.md").write_text("not served\n")
    git("init", "--initial-branch", "main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "-m", "brochure", cwd=work)
    push(work, f"http://dev%40example.com:{server.token}@localhost:{server.port}"
               "/git/brochure.git", "main")

    package = tmp_path / "package"
    printed = server.cli("templates", "export", "brochure", str(package)).stdout
    assert "files from the repository's main" in printed and "MAILER_TOKEN" in printed
    written = [path for path in package.rglob("*") if path.is_file()]
    assert written and not any(SECRET.encode() in path.read_bytes() for path in written)
    refused = server.cli("templates", "export", "brochure", str(package), check=False)
    assert refused.returncode == 1 and "is not empty" in refused.stderr

    other = tmp_path / "other"
    other.mkdir()
    venv = fresh_environment(other)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "-q", str(package)], check=True, capture_output=True, cwd=other)
    assert subprocess.run(  # the template is in the fresh environment only
        [sys.executable, "-c", "import importlib.util as u; "
         "print(u.find_spec('autostack_template_brochure'))"],
        check=True, capture_output=True, text=True, cwd=other).stdout.strip() == "None"

    second = server_of(venv, other)
    second.start()
    try:
        second.token = httpx.post(f"{second.url}/api/v1/auth/login", json={
            "email": "dev@example.com", "password": PASSWORD, "token_name": "e2e"},
            timeout=30).json()["token"]
        listed = second.cli("templates", "ls").stdout
        assert "brochure" in listed and "MAILER_TOKEN" in listed
        second.cli("templates", "deploy", "brochure", "--project", "copy", "--prod",
                   cwd=other)
        assert "exported brochure" in second.edge_get("copy.localhost").text
        with second.api() as api:
            copy = api.get("/api/v1/projects/copy").json()["project"]
        assert copy["output_directory"] == "site"
    finally:
        second.stop()
