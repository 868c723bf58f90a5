"""AutoStack as users install it: the built wheel in a fresh virtual environment.

The tree is copied as a clean checkout would be (git's files, no
``web/static/dist``, no ``.venv``), built with ``scripts/build_dist`` (the
documented command: npm inside the package build, then ``python -m build``,
the wheel made from the sdist) and installed with pip, not editable, into a
virtual environment in a temporary folder. Every command runs from that folder
with the venv's own ``autostack``, so nothing imports the checkout. Runs once
in CI: a second database adds nothing here (``dbless``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import Server, make_env
from tests.web_fixtures import csrf_of

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

CHECKOUT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


@dataclass
class Installation:
    venv: Path
    dist: Path

    @property
    def autostack(self) -> str:
        return str(self.venv / "bin" / "autostack")


def clean_checkout(target: Path) -> None:
    """Copy the files git knows (tracked, or new and not ignored), as a fresh clone has them."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = CHECKOUT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
            (target / name).chmod(source.stat().st_mode)


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    root = tmp_path_factory.mktemp("package")
    checkout, dist, venv = root / "checkout", root / "dist", root / "venv"
    clean_checkout(checkout)
    assert not (checkout / "web" / "static" / "dist").exists()
    subprocess.run([str(checkout / "scripts" / "build_dist"), str(dist)], check=True,
                   env={**os.environ, "PYTHON": sys.executable}, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *map(str, dist.glob("*.whl"))],
                   check=True, cwd=root, capture_output=True)
    return Installation(venv=venv, dist=dist)


class AssetLinks(HTMLParser):
    """Every script, stylesheet, icon and image a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.links: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        link = found.get("src") if tag in ("script", "img") else (
            found.get("href") if tag == "link" else None)
        if link:
            self.links.add(link)


def asset_paths(page: httpx.Response) -> set[str]:
    """The paths of the assets ``page`` loads from the server that answered it."""
    parser = AssetLinks()
    parser.feed(page.text)
    resolved = {page.url.join(link) for link in parser.links}
    return {url.path for url in resolved if url.netloc == page.url.netloc}


@pytest.fixture
def server(installation: Installation, tmp_path: Path) -> Iterator[Server]:
    """``autostack up`` of the installed wheel, run from a folder outside the checkout."""
    data_dir = tmp_path / "data"
    env = make_env(data_dir, None, f"package-{tmp_path.name}")
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{installation.venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(installation.venv)
    instance = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                      log_path=tmp_path / "server.log", autostack=installation.autostack)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def test_the_package_carries_the_dashboard_assets_and_the_templates(
        installation: Installation) -> None:
    wheels = sorted(path.name for path in installation.dist.glob("*.whl"))
    assert [name.split("-")[0] for name in wheels] == [
        "autostack", "autostack_template_static_starter"]
    assert list(installation.dist.glob("autostack-*.tar.gz"))
    where = subprocess.run(
        [str(installation.venv / "bin" / "python"), "-c",
         "import autostack_core, autostack_web; print(autostack_core.__file__)"],
        cwd=installation.dist, env={"PATH": os.environ["PATH"]}, check=True,
        capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(installation.venv), where
    version = subprocess.run([installation.autostack, "--version"], check=True,
                             capture_output=True, text=True, cwd=installation.dist).stdout
    assert version.startswith("autostack, version ")


def test_the_installed_server_signs_up_deploys_and_serves_every_asset(
        server: Server, tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url, timeout=30, follow_redirects=True) as browser:
        pages = [browser.get("/"), form := browser.get("/signup")]
        dashboard = browser.post("/signup", data={
            "email": "owner@example.com", "name": "Owner", "password": PASSWORD,
            "csrf_token": csrf_of(form)})
        assert dashboard.status_code == 200, dashboard.text
        assert dashboard.url.path == "/dashboard"
        pages += [dashboard, browser.get("/new"), browser.get("/account")]
        links = set().union(*map(asset_paths, pages))
        assert "/static/dist/htmx.min.js" in links
        for link in sorted(links):
            assert browser.get(link).status_code == 200, link

    login = httpx.post(f"{server.url}/api/v1/auth/login", json={
        "email": "owner@example.com", "password": PASSWORD, "token_name": "package"},
        timeout=30)
    server.token = login.json()["token"]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Site</title><h1>from a wheel</h1>\n")
    server.cli("deploy", str(site), "--prod", "--project", "docs", cwd=tmp_path)
    assert "from a wheel" in server.edge_get("docs.localhost").text

    server.cli("templates", "deploy", "static-starter", "--project", "hello", "--prod",
               cwd=tmp_path)
    assert server.edge_get("hello.localhost").status_code == 200
