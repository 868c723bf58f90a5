"""Repositories on git hosts through the API: listing a person's repositories and connecting
one with its webhook, on the neutral routes and on the GitHub-named ones kept from before.

The host is the GitHub plugin. GitHub's servers cannot be reached from here: these
tests talk to a local HTTP stand-in on 127.0.0.1 (:mod:`tests.github_standin`) that
speaks GitHub's documented REST shapes (``/user/repos`` paginated with ``Link``,
``/repos/{owner}/{repo}/hooks``).
"""

from __future__ import annotations

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.git.git_connections import connected_repository
from autostack_core.infrastructure.models import GitConnection, Project, Role, User
from autostack_plugins.git_hosts.github import rest
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.github_standin import Account, StandIn, grant, link_github, settings, standin

__all__ = ["api", "owner", "settings", "standin"]


async def connect_github(user: User, standin: StandIn) -> Account:
    """Give ``user`` the GitHub token of the stand-in's ``octocat``, as signing in would."""
    assert standin.approving is not None
    await link_github(user, standin.approving)
    await grant(user, standin.issue(standin.approving))
    return standin.approving


async def test_repositories_need_a_connected_github_account(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/github/repositories")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "github_not_connected"


async def test_repositories_follow_every_page(
    api: httpx.AsyncClient, owner: User, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await connect_github(owner, standin)
    for number in range(5):
        standin.add_repository(account, f"site-{number}", private=number % 2 == 0)
    standin.add_repository(Account(id=9, login="someone", email="s@example.com"), "hidden")
    monkeypatch.setattr(rest, "PAGE_SIZE", 2)
    response = await api.get("/api/v1/github/repositories")
    assert response.status_code == 200, response.text
    names = [repo["full_name"] for repo in response.json()["repositories"]]
    assert sorted(names) == [f"octocat/site-{number}" for number in range(5)]
    assert sum(1 for line in standin.requests if line == "GET /user/repos") == 3
    first = response.json()["repositories"][0]
    assert first["clone_url"].startswith(f"{standin.url}/octocat/")
    assert first["default_branch"] == "main"


async def test_connect_sets_the_repository_and_creates_the_webhook(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    account = await connect_github(owner, standin)
    full_name = standin.add_repository(account, "site")
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    response = await api.post("/api/v1/projects/site/github/connect", json={"repo": full_name})
    assert response.status_code == 200, response.text
    body = response.json()
    project = await Project.get(name="site")
    assert await connected_repository(project) == "octocat/site"
    assert project.git_url == f"{standin.url}/octocat/site.git" == body["git_url"]
    hooks = standin.hooks[full_name]
    assert len(hooks) == 1
    assert hooks[0]["secret"] == project.webhook_secret
    assert hooks[0]["json"]["config"]["url"] == "http://localhost:8000/api/v1/webhooks/github"
    assert hooks[0]["json"]["events"] == ["push", "pull_request", "delete"]
    assert body["webhook"]["id"] == hooks[0]["json"]["id"]
    assert body["webhook"]["last_response"]["status"] == "unused"
    assert "AUTOSTACK_PUBLIC_URL" in body["warning"]
    assert project.webhook_secret not in (project.webhook_secret_sealed or "")


async def test_connecting_again_updates_the_one_webhook(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    account = await connect_github(owner, standin)
    full_name = standin.add_repository(account, "site")
    await api.post("/api/v1/projects", json={"name": "site"})
    for _ in range(2):
        response = await api.post("/api/v1/projects/site/github/connect",
                                  json={"repo": full_name})
        assert response.status_code == 200, response.text
    assert len(standin.hooks[full_name]) == 1
    assert "PATCH /repos/octocat/site/hooks/1" in standin.requests


async def test_connect_refuses_a_repository_the_token_cannot_see(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    await connect_github(owner, standin)
    standin.add_repository(Account(id=9, login="someone", email="s@example.com"), "private")
    await api.post("/api/v1/projects", json={"name": "site"})
    response = await api.post("/api/v1/projects/site/github/connect",
                              json={"repo": "someone/private"})
    assert response.status_code == 404
    project = await Project.get(name="site")
    assert await connected_repository(project) is None and project.git_url is None


async def test_connect_needs_the_admin_role(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    await api.post("/api/v1/projects", json={"name": "site"})
    member = await add_user(await personal_team(owner), "member@example.com", Role.MEMBER)
    await connect_github(member, standin)
    async with client_for(autostack, await token_for(member)) as http:
        response = await http.post("/api/v1/projects/site/github/connect",
                                   json={"repo": "octocat/site"})
    assert response.status_code == 403


async def test_connect_validates_the_repository_name(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    await connect_github(owner, standin)
    await api.post("/api/v1/projects", json={"name": "site"})
    response = await api.post("/api/v1/projects/site/github/connect",
                              json={"repo": "../../user"})
    assert response.status_code == 422


async def test_the_neutral_routes_answer_as_the_github_ones(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    account = await connect_github(owner, standin)
    full_name = standin.add_repository(account, "site")
    listed = await api.get("/api/v1/git-hosts/github/repositories")
    assert listed.json() == (await api.get("/api/v1/github/repositories")).json()
    assert [repo["full_name"] for repo in listed.json()["repositories"]] == [full_name]
    await api.post("/api/v1/projects", json={"name": "site"})
    response = await api.post("/api/v1/projects/site/git-connection",
                              json={"host": "github", "repo": full_name})
    assert response.status_code == 200, response.text
    connection = await GitConnection.get(project__name="site")
    assert (connection.host, connection.repository) == ("github", "octocat/site")
    assert connection.connected_by_id == owner.id  # type: ignore[attr-defined]
    assert len(standin.hooks[full_name]) == 1
    got = await api.get("/api/v1/projects/site")
    assert got.json()["project"]["github_repo"] == "octocat/site"


async def test_a_host_that_connects_no_accounts_is_refused(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    """GitLab is installed (its webhooks deploy) but connects no accounts here."""
    await connect_github(owner, standin)
    await api.post("/api/v1/projects", json={"name": "site"})
    for host in ("gitlab", "nowhere"):
        listed = await api.get(f"/api/v1/git-hosts/{host}/repositories")
        assert listed.status_code == 404, listed.text
        assert "hosts that do: github" in listed.json()["error"]["message"]
        tried = await api.post("/api/v1/projects/site/git-connection",
                               json={"host": host, "repo": "octocat/site"})
        assert tried.status_code == 404
    assert not await GitConnection.exists()
