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

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import Server, make_env, queue_name
from tests.web_fixtures import csrf_of

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

CHECKOUT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
OLD_RELEASE = "f15374c51f402ac5140457d1aff19a01139c2fe7"
"""AutoStack 0.1.0 before migrations 4 to 6 (git connections, team files, audit indexes)."""


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


def installed_server(venv: Path, tmp_path: Path) -> Server:
    """``autostack up`` of the venv's installation, its DNS and ACME kept on the loopback."""
    data_dir = tmp_path / "data"
    env = make_env(data_dir, None, queue_name("package", tmp_path))
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env["AUTOSTACK_DNS_RESOLVERS"] = f"127.0.0.1:{free_port()}"
    env["AUTOSTACK_ACME_CA"] = f"http://127.0.0.1:{free_port()}/directory"
    return Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                  log_path=tmp_path / "server.log", autostack=str(venv / "bin" / "autostack"))


@pytest.fixture
def server(installation: Installation, tmp_path: Path) -> Iterator[Server]:
    """``autostack up`` of the installed wheel, run from a folder outside the checkout."""
    instance = installed_server(installation.venv, tmp_path)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def test_the_package_carries_the_dashboard_assets_and_the_templates(
        installation: Installation) -> None:
    wheels = sorted(path.name for path in installation.dist.glob("*.whl"))
    templates = sorted(f"autostack_template_{folder.name.replace('-', '_')}"
                       for folder in (CHECKOUT / "marketplace").iterdir() if folder.is_dir())
    assert [name.split("-")[0] for name in wheels] == ["autostack", *templates]
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


@pytest.fixture(scope="module")
def old_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of :data:`OLD_RELEASE`, built from git's copy of that commit."""
    exported = subprocess.run(["git", "archive", OLD_RELEASE], cwd=CHECKOUT,
                              capture_output=True, check=False)
    if exported.returncode != 0:
        pytest.skip(f"commit {OLD_RELEASE} is not in this clone (shallow?): git fetch --unshallow")
    root = tmp_path_factory.mktemp("old")
    with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as archive:
        archive.extractall(root / "src", filter="data")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"),
                    str(root / "src")], check=True, capture_output=True)
    return next((root / "dist").glob("autostack-*.whl"))


def test_an_upgrade_from_an_older_release_keeps_everything(
        installation: Installation, old_wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "-q"]
    subprocess.run([*pip, str(old_wheel)], check=True, capture_output=True)
    server = installed_server(venv, tmp_path)
    assert server.cli("--version").stdout.strip() == "autostack, version 0.1.0"
    server.start()
    signup = httpx.post(f"{server.url}/api/v1/auth/signup", json={
        "email": "owner@example.com", "password": PASSWORD, "token_name": "before"}, timeout=30)
    assert signup.status_code in (200, 201), signup.text
    server.token = signup.json()["token"]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>deployed by 0.1.0</h1>")
    first = json.loads(server.cli("deploy", str(site), "--prod", "--project", "docs",
                                  "--json").stdout)
    server.cli("env", "add", "SECRET", "s3cret value", "-e", "production", "--project", "docs")
    server.cli("domains", "add", "www.example.test", "--project", "docs")
    hostnames = ["docs.localhost", httpx.URL(first["url"]).host]
    server.stop()

    subprocess.run([*pip, *map(str, installation.dist.glob("autostack-*.whl"))], check=True,
                   capture_output=True)
    assert server.cli("--version").stdout.strip() != "autostack, version 0.1.0"
    server.start()  # migrates the database by itself
    try:
        log = server.log_path.read_text()
        assert "database migrated: 4_" in log, log[-2000:]
        for hostname in hostnames:
            assert server.edge_get(hostname).text == "<h1>deployed by 0.1.0</h1>"
        with server.api() as api:
            assert api.get("/api/v1/user").status_code == 200  # the token still works
            domains = api.get("/api/v1/projects/docs/domains").json()["domains"]
        assert [domain["name"] for domain in domains] == ["www.example.test"]
        pulled = tmp_path / "pulled.env"
        server.cli("env", "pull", str(pulled), "-e", "production", "--project", "docs")
        assert "s3cret value" in pulled.read_text()  # the secret still decrypts
    finally:
        server.stop()
