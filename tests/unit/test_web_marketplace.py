"""The Marketplace page, ``autostack plugins --json`` showing the same, one-click template
deploys and deploy buttons (``/new?template=``, ``/new?repository-url=``, the badge)."""

from __future__ import annotations

import asyncio
import html
import importlib.metadata
import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from autostack_core import __version__ as autostack_version
from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Deployment, Project, User
from autostack_core.services.marketplace import installed_version, marketplace_json
from tests.fixtures_auth import client_for, owner, token_for
from tests.serving import serving
from tests.web_fixtures import csrf_of, signed_in

__all__ = ["owner", "signed_in"]

Client = tuple[httpx.AsyncClient, str]
INDEX = {"catalog": 1, "entries": [
    {"name": "Redis", "kind": "service", "description": "A Redis server per project.",
     "package": "autostack-redis", "version": "1.2.0", "homepage": "https://example.com/r"},
    {"name": "Flask", "kind": "template", "template": "flask", "frameworks": ["flask"],
     "description": "Flask's quickstart.", "package": "autostack-template-flask",
     "version": "0.1.0"},
]}


async def cli(args: list[str]) -> Result:
    """The command line, in a thread: it runs its own event loop."""
    return await asyncio.to_thread(CliRunner().invoke, main, args)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(INDEX))
    return path


@pytest.fixture
def settings(settings: Settings, index: Path) -> Settings:
    return replace(settings, catalog_url=str(index))


async def test_the_page_lists_plugins_templates_and_the_catalog(signed_in: Client,
                                                                 autostack: AutoStack) -> None:
    http, _ = signed_in
    page = await http.get("/marketplace")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "pip install autostack-redis" in text and "pip install autostack-template-flask" in text
    assert 'href="https://example.com/r"' in page.text
    assert "installed 0.1.0" in text  # the Flask template package is installed here
    assert "autostack_plugins.builders.node" in text and "register_builders" in text
    for template in autostack.templates.values():
        assert f"[![Deploy to AutoStack](http://localhost:8000/deploy-button.svg)]" \
               f"(http://localhost:8000/new?template={template.slug})" in text


async def test_search_by_kind_and_framework_without_javascript(signed_in: Client) -> None:
    http, _ = signed_in
    templates = html.unescape((await http.get("/marketplace?kind=template&framework=flask")).text)
    assert "pip install autostack-template-flask" in templates
    assert "pip install autostack-redis" not in templates
    assert '<option value="template" selected>' in templates
    none = await http.get("/marketplace?kind=service&framework=flask")
    assert "No entry matches" in none.text
    bad = await http.get("/marketplace?kind=widget")
    assert bad.status_code == 422 and "kind: choose one of detector" in bad.text


async def test_a_bad_catalog_is_explained_on_the_page_and_in_the_cli(
        signed_in: Client, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index.write_text('{"catalog": 1, "entries": [{"name": "x"}]}')
    http, _ = signed_in
    page = await http.get("/marketplace")
    assert page.status_code == 200
    assert f"catalog {index}: entries[0]: kind must be a non-empty string" in page.text
    assert "autostack_plugins.builders.node" in page.text  # the rest of the page is there
    monkeypatch.setenv("AUTOSTACK_CATALOG_URL", str(index))
    result = await cli(["plugins"])
    assert result.exit_code == 1 and "entries[0]: kind must be" in result.output


async def test_the_cli_shows_what_the_page_shows(autostack: AutoStack, index: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOSTACK_CATALOG_URL", str(index))
    result = await cli(["plugins", "--json", "--kind", "template"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    shown = await marketplace_json(autostack.settings, autostack.plugins,
                                   autostack.templates.values(), "template")
    assert printed["catalog"] == shown["catalog"]
    assert printed["templates"] == shown["templates"]
    # The test server leaves the local runtime out (the null one stands in); every
    # plugin both load is listed alike.
    by_name = {plugin["name"]: plugin for plugin in printed["plugins"]}
    assert all(by_name[plugin["name"]] == plugin for plugin in shown["plugins"]
               if plugin["name"] in by_name)
    assert [e["name"] for e in printed["catalog"]["entries"]] == ["Flask"]
    text = await cli(["plugins", "--kind", "service"])
    assert "service   Redis 1.2.0: pip install autostack-redis" in text.output
    refused = await cli(["plugins", "--kind", "widget"])
    assert refused.exit_code == 2 and "choose one of detector" in refused.output


async def test_a_template_deploys_in_one_click_from_the_page(signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get("/marketplace")
    assert '<input type="hidden" name="template" value="flask">' in page.text
    posted = await http.post("/new/template", data={
        "template": "flask", "team": "olivia", "name": "", "csrf_token": csrf_of(page)})
    assert posted.status_code == 303, posted.text
    deployment = await Deployment.get(project__name="flask")
    assert posted.headers["location"] == f"/deployments/{deployment.id}"
    assert deployment.source_type == "template"


async def test_a_template_deploy_button_preselects_it(signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get("/new?template=flask")
    assert page.status_code == 200
    assert 'value="flask" checked' in page.text
    unknown = await http.get("/new?template=nope")
    assert unknown.status_code == 404
    assert "template: no template &#39;nope&#39; is installed on this server" in unknown.text


@pytest.mark.parametrize("refused", [
    "http://github.com/acme/app", "file:///etc/passwd", "https://user:pw@github.com/acme/app",
    "https://github.com/", "ssh://git@github.com/acme/app", "https://github.com/a/b?x=1",
])
async def test_a_repository_button_takes_an_https_repository_url_only(
        signed_in: Client, refused: str) -> None:
    http, _ = signed_in
    page = await http.get("/new", params={"repository-url": refused})
    assert page.status_code == 422
    assert "repository-url: give the https:// URL of a git repository" in page.text
    assert await Project.all().count() == 0


async def test_a_repository_button_fills_in_the_import(signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get("/new", params={"repository-url": "https://github.com/acme/app"})
    assert page.status_code == 200
    assert 'value="https://github.com/acme/app"' in page.text
    assert "A deploy button filled in this repository" in page.text
    assert await Project.all().count() == 0  # nothing is created before the user continues
    made = html.unescape((await http.get(
        "/marketplace", params={"repository_url": "https://github.com/acme/app"})).text)
    assert "[![Deploy to AutoStack](http://localhost:8000/deploy-button.svg)](http://" \
           "localhost:8000/new?repository-url=https%3A%2F%2Fgithub.com%2Facme%2Fapp)" in made
    bad = await http.get("/marketplace", params={"repository_url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "repository-url: give the https://" in bad.text


async def test_the_badge_is_public_and_the_pages_are_not(autostack: AutoStack) -> None:
    async with client_for(autostack) as http:
        badge = await http.get("/deploy-button.svg")
        assert badge.status_code == 200
        assert badge.headers["content-type"] == "image/svg+xml"
        assert "Deploy to AutoStack" in badge.text
        for path in ("/marketplace", "/new?template=flask"):
            page = await http.get(path)
            assert page.status_code in (302, 303) and "/login" in page.headers["location"]


async def test_templates_ls_and_the_api_show_the_page_s_templates_and_catalog(
        autostack: AutoStack, owner: User) -> None:
    token = await token_for(owner)
    async with client_for(autostack, token) as api:
        document = (await api.get("/api/v1/marketplace", params={"kind": "template"})).json()
        refused = await api.get("/api/v1/marketplace", params={"kind": "widget"})
        assert refused.status_code == 422 and "kind: choose one of" in refused.text
        listed = (await api.get("/api/v1/templates")).json()
    assert document == await marketplace_json(autostack.settings, autostack.plugins,
                                              autostack.templates.values(), "template")
    assert listed["templates"] == document["templates"]
    async with serving(autostack.asgi()) as server:
        env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token,
               "XDG_CONFIG_HOME": "/nonexistent"}
        printed = await asyncio.to_thread(CliRunner().invoke, main,
                                          ["templates", "ls", "--json"], env=env)
        text = await asyncio.to_thread(CliRunner().invoke, main,
                                       ["templates", "ls", "--framework", "flask"], env=env)
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == {"templates": document["templates"],
                                          "catalog": document["catalog"]}
    assert "    flask                Flask 0.1.0 [installed]: pip install " \
           "autostack-template-flask" in text.output


def test_an_entry_with_extras_is_installed_only_with_their_requirements() -> None:
    assert installed_version("autostack[dev]") == autostack_version  # pytest runs this
    try:
        importlib.metadata.version("azure-identity")
        azure: str | None = autostack_version
    except importlib.metadata.PackageNotFoundError:
        azure = None
    assert installed_version("autostack[azure]") == azure
    assert installed_version("autostack[dev,azure]") == azure
    assert installed_version("no-such-package-here") is None
