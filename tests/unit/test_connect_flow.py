"""Connecting a person's repositories on a git host: ``/auth/{host}/connect``.

GitHub's servers cannot be reached from here: the flow runs against a local
HTTP stand-in on 127.0.0.1 (:mod:`tests.github_standin`) speaking GitHub's
documented OAuth web flow and REST shapes, checking the client secret, the
redirect URI and PKCE. The second host, ``forge``, is a git host this module
registers whose OAuth app is the same stand-in: the route is the same for any
host that declares one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import AuditEvent, GitAccount, User, UserIdentity
from autostack_core.interfaces.git_host import (
    GitHost,
    GitHostError,
    HostAccount,
    OAuthApp,
    WebhookFormat,
)
from tests.conftest import fast_plugins, started
from tests.fixtures_auth import Browser, browser, client_for, owner
from tests.github_standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    Account,
    StandIn,
    granted,
    link_github,
    linked_github_id,
    settings,
    standin,
    with_plugin_settings,
)
from tests.unit.test_oauth import finish, start

__all__ = ["browser", "owner", "settings", "standin"]


@dataclass(frozen=True)
class Forge(WebhookFormat):
    """A git host whose OAuth app and ``/user`` are the stand-in's."""

    url: str = ""

    def oauth_app(self, settings: Settings) -> OAuthApp | None:
        return OAuthApp(f"{self.url}/login/oauth/authorize",
                        f"{self.url}/login/oauth/access_token", ("read_repository",),
                        CLIENT_ID, CLIENT_SECRET)

    async def account(self, settings: Settings, credential: str) -> HostAccount:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{self.url}/user",
                                      headers={"Authorization": f"Bearer {credential}"})
        if response.status_code != 200:
            raise GitHostError(response.status_code, "the token names no account")
        user = response.json()
        return HostAccount(str(user["id"]), str(user["login"]))


@dataclass(frozen=True)
class ForgePlugin:
    url: str

    @hookimpl
    def register_git_hosts(self, settings: Settings) -> list[GitHost]:
        return [Forge("forge", ("x-forge-signature",), (), lambda *_: False, lambda *_: [],
                      url=self.url)]


@pytest.fixture
async def autostack(settings: Settings, standin: StandIn) -> AsyncIterator[AutoStack]:
    """The test server with the git host ``forge`` installed beside the built-in ones."""
    plugins = fast_plugins()
    plugins.manager.register(ForgePlugin(standin.url), name="forge")
    async with started(settings, plugins) as app:
        yield app


async def test_connecting_repositories_asks_repo_and_stores_that_token_sealed(
    autostack: AutoStack, standin: StandIn, browser: Browser, owner: User
) -> None:
    assert standin.approving is not None
    standin.add_repository(standin.approving, "private-site", private=True)
    done = await finish(browser.http, await start(browser.http, "github", "/new", "connect"))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/new"
    assert standin.asked_scopes == ["repo"]
    token = await granted(owner)
    assert await linked_github_id(owner) == 583231 and token in standin.tokens
    assert (await UserIdentity.get(user=owner, host="github")).login == "octocat"
    assert standin.scopes[token] == {"repo"}
    account = await GitAccount.get(user=owner, host="github")
    assert token not in account.credential_sealed
    assert await AuditEvent.exists(action="auth.repositories_connected", user=owner)
    listed = await browser.http.get("/api/v1/git-hosts/github/repositories")
    assert [repo["full_name"] for repo in listed.json()["repositories"]] == [
        "octocat/private-site"]


async def test_repositories_of_another_github_account_are_not_connected(
    autostack: AutoStack, standin: StandIn, browser: Browser, owner: User
) -> None:
    await link_github(owner, Account(id=42, login="someone", email="someone@example.com"))
    refused = await finish(browser.http, await start(browser.http, "github", "/new", "connect"))
    assert refused.status_code == 400
    assert "linked to another GitHub account" in refused.text
    assert await linked_github_id(owner) == 42 and await granted(owner) is None


async def test_connecting_repositories_needs_a_signed_in_user(
    autostack: AutoStack, standin: StandIn
) -> None:
    async with client_for(autostack) as http:
        response = await http.get("/auth/github/connect", params={"next": "/new"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert standin.asked_scopes == []


async def test_an_unknown_host_is_404_naming_it(
    autostack: AutoStack, standin: StandIn, browser: Browser
) -> None:
    response = await browser.http.get("/auth/sourcehut/connect")
    assert response.status_code == 404
    assert "no git host named &#x27;sourcehut&#x27; is installed here" in response.text
    assert "forge, github" in response.text
    assert standin.asked_scopes == []


async def test_a_host_without_an_oauth_app_says_it_connects_no_accounts(
    autostack: AutoStack, standin: StandIn, browser: Browser
) -> None:
    response = await browser.http.get("/auth/gitlab/connect")
    assert response.status_code == 404
    assert "gitlab connects no accounts: it has no OAuth app" in response.text


async def test_an_oauth_app_the_admin_did_not_configure_names_what_to_set(
    autostack: AutoStack, standin: StandIn, browser: Browser
) -> None:
    autostack.settings = with_plugin_settings(autostack.settings,
                                              AUTOSTACK_GITHUB_CLIENT_SECRET=None)
    response = await browser.http.get("/auth/github/connect")
    assert response.status_code == 503
    assert "AUTOSTACK_GITHUB_CLIENT_ID and AUTOSTACK_GITHUB_CLIENT_SECRET" in response.text
    assert standin.asked_scopes == []


async def test_a_second_host_connects_through_its_own_oauth_app(
    autostack: AutoStack, standin: StandIn, browser: Browser, owner: User
) -> None:
    begin = await browser.http.get("/auth/forge/connect", params={"next": "/new"})
    assert begin.status_code == 303
    assert begin.headers["location"].startswith(f"{standin.url}/login/oauth/authorize?")
    done = await finish(browser.http, await start(browser.http, "forge", "/new", "connect"))
    assert done.status_code == 303, done.text
    assert standin.asked_scopes[-1] == "read_repository"
    identity = await UserIdentity.get(user=owner, host="forge")
    assert (identity.external_id, identity.login) == ("583231", "octocat")
    token = (await GitAccount.get(user=owner, host="forge")).credential
    assert token in standin.tokens and standin.scopes[token] == {"read_repository"}
    assert await linked_github_id(owner) is None and await granted(owner) is None
    event = await AuditEvent.get(action="auth.repositories_connected", user=owner)
    assert event.data["provider"] == "forge"
