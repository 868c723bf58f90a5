"""The dashboard's GitHub parts: sign-in buttons, and importing from the repository list.

GitHub cannot be reached from here: the repositories live on a local stand-in
(:mod:`tests.github_standin`, 127.0.0.1) speaking GitHub's documented REST
shapes and git's smart HTTP, private repositories only with a token.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.infrastructure.models import Deployment, GitConnection, Project, User
from tests.fixtures_auth import client_for, owner
from tests.github_standin import (
    StandIn,
    grant,
    push_site,
    settings,
    standin,
    with_plugin_settings,
)
from tests.web_fixtures import log_in

__all__ = ["owner", "settings", "standin"]


async def test_sign_in_buttons_show_only_for_configured_providers(autostack: AutoStack) -> None:
    async with client_for(autostack) as http:
        for page in ("/login", "/signup"):
            text = (await http.get(page)).text
            assert 'href="/auth/github/login?next=' in text
            assert "Continue with Google" in text
        autostack.settings = with_plugin_settings(
            autostack.settings, AUTOSTACK_GOOGLE_CLIENT_ID=None,
            AUTOSTACK_GITHUB_CLIENT_SECRET=None)
        text = (await http.get("/login")).text
    assert "Continue with GitHub" not in text and "Continue with Google" not in text


async def test_new_project_offers_to_connect_github(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        await log_in(http)
        page = await http.get("/new")
    assert page.status_code == 200
    assert 'href="/auth/github/connect?next=/new"' in page.text


async def test_new_project_lists_repositories_and_imports_a_private_one(
    autostack: AutoStack, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    assert standin.approving is not None
    await grant(owner, standin.issue(standin.approving))
    full_name = standin.add_repository(standin.approving, "site", private=True)
    push_site(standin, full_name, tmp_path / "work")
    async with client_for(autostack) as http:
        await log_in(http)
        page = await http.get("/new")
        assert page.status_code == 200
        assert "octocat/site" in page.text and "private" in page.text
        start = page.text.index('href="/new?git_url=')
        link = html.unescape(page.text[start + 6:page.text.index('"', start + 6)])
        configure = await http.get(link)
    assert configure.status_code == 200, configure.text
    assert "private site" in configure.text


async def test_importing_a_private_repository_connects_it_with_the_importers_access(
    autostack: AutoStack, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    assert standin.approving is not None
    await grant(owner, standin.issue(standin.approving))
    full_name = standin.add_repository(standin.approving, "site", private=True)
    push_site(standin, full_name, tmp_path / "work")
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        created = await http.post("/new", data={
            "csrf_token": csrf, "name": "site", "git_url": f"{standin.url}/{full_name}.git",
            "branch": "main", "env": "", "scan": "{}"})
        assert created.status_code == 303, created.text
        # This server's address is the loopback, which GitHub's servers cannot reach:
        # the page the import lands on says so and where to fix it.
        landed = await http.get(created.headers["location"])
    assert "its webhook created, but the git host cannot reach" in landed.text
    assert 'href="/projects/site/settings#git">Settings → Git</a>' in landed.text
    project = await Project.get(name="site")
    connection = await GitConnection.get(project=project)
    assert (connection.host, connection.repository) == ("github", full_name)
    assert connection.connected_by_id == owner.id  # type: ignore[attr-defined]
    assert len(standin.hooks[full_name]) == 1
    deployment = await Deployment.get(project=project)
    await run_deployment(autostack, deployment.id)
    assert (await Deployment.get(id=deployment.id)).state == "ready"


async def test_the_page_after_an_import_says_the_webhook_was_created(
    autostack: AutoStack, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    # A public address GitHub's servers can reach (plain HTTP: the test client's cookies).
    autostack.settings = replace(autostack.settings, public_url="http://deploy.example.com")
    assert standin.approving is not None
    await grant(owner, standin.issue(standin.approving))
    full_name = standin.add_repository(standin.approving, "site")
    push_site(standin, full_name, tmp_path / "work")
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        created = await http.post("/new", data={
            "csrf_token": csrf, "name": "site", "git_url": f"{standin.url}/{full_name}.git",
            "branch": "main", "env": "", "scan": "{}"})
        assert created.status_code == 303, created.text
        landed = await http.get(created.headers["location"])
    assert len(standin.hooks[full_name]) == 1, landed.text
    assert "Repository imported and its webhook created: every push deploys." in landed.text
    assert "settings#git" not in landed.text.split('class="notice flash"')[1].split("</div>")[0]
