"""A connected repository's webhook: created on the host when the person's access allows it,
hand set-up steps per host otherwise, deleted with the project or when the repository is
unlinked, and a rotated secret sent to it.

GitHub's servers cannot be reached from here: these tests talk to a local HTTP
stand-in on 127.0.0.1 (:mod:`tests.github_standin`) that speaks GitHub's
documented REST shapes for repository webhooks (``POST``/``PATCH``/``DELETE``
``/repos/{owner}/{repo}/hooks``) and, like GitHub, answers 404 to a token whose
account may not manage a repository's webhooks.
"""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import GitConnection, Project, Role, User
from autostack_core.security import accounts
from tests.fixtures_auth import (
    PASSWORD,
    add_user,
    api,
    client_for,
    owner,
    personal_team,
    token_for,
)
from tests.github_standin import Account, StandIn, grant, settings, standin

__all__ = ["api", "owner", "settings", "standin"]

HOOK_URL = "http://localhost:8000/api/v1/webhooks/github"


async def connected(api: httpx.AsyncClient, owner: User, standin: StandIn,
                    account: Account | None = None) -> str:
    """A project ``site`` connected to a public repository of ``account`` (default: the
    owner's own ``octocat``), with the owner's GitHub token; returns its full name."""
    assert standin.approving is not None
    await grant(owner, standin.issue(standin.approving))
    full_name = standin.add_repository(account or standin.approving, "site", private=False)
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    response = await api.post("/api/v1/projects/site/git-connection",
                              json={"host": "github", "repo": full_name})
    assert response.status_code == 200, response.text
    return full_name


async def test_connecting_records_the_webhook_and_status_shows_it(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    [hook] = standin.hooks[full_name]
    connection = await GitConnection.get(project__name="site")
    assert connection.webhook_id == str(hook["json"]["id"])
    status = (await api.get("/api/v1/projects/site/webhook")).json()
    assert status["webhook"] == {"host": "github", "id": str(hook["json"]["id"])}
    assert status["can_create"] is True
    # The repository's host is known: only its steps, with its URL.
    assert [step["host"] for step in status["setup"]] == ["github"]
    assert status["setup"][0]["url"] == HOOK_URL
    assert {"label": "Content type", "value": "application/json"} in status["setup"][0]["fields"]


async def test_create_webhook_again_after_it_was_deleted_on_github(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    standin.hooks[full_name].clear()
    response = await api.post("/api/v1/projects/site/webhook")
    assert response.status_code == 200, response.text
    [hook] = standin.hooks[full_name]
    project = await Project.get(name="site")
    assert hook["secret"] == project.webhook_secret
    assert hook["json"]["config"]["url"] == HOOK_URL
    assert hook["json"]["config"]["content_type"] == "json"
    assert {"push", "pull_request"} <= set(hook["json"]["events"])
    assert response.json()["webhook"]["id"] == hook["json"]["id"]
    assert (await GitConnection.get(project=project)).webhook_id == str(hook["json"]["id"])


async def test_a_token_that_may_not_manage_hooks_gets_the_steps(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    someone = Account(id=7, login="someone", email="s@example.com")
    full_name = await connected(api, owner, standin, account=someone)
    assert standin.hooks[full_name] == []
    assert (await GitConnection.get(project__name="site")).webhook_id is None
    response = await api.post("/api/v1/projects/site/webhook")
    assert response.status_code == 200
    body = response.json()
    assert "may not manage this repository's webhooks" in body["webhook"]["error"]
    [step] = body["setup"]
    assert (step["title"], step["url_label"], step["url"]) == ("GitHub", "Payload URL", HOOK_URL)
    reconnected = await api.post("/api/v1/projects/site/git-connection",
                                 json={"host": "github", "repo": full_name})
    assert "error" in reconnected.json()["webhook"]
    assert [step["host"] for step in reconnected.json()["setup"]] == ["github"]
    assert standin.hooks[full_name] == []


async def test_deleting_the_project_deletes_its_webhook(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    assert len(standin.hooks[full_name]) == 1
    assert (await api.delete("/api/v1/projects/site")).status_code == 204
    assert standin.hooks[full_name] == []
    assert any(line.startswith("DELETE /repos/octocat/site/hooks/")
               for line in standin.requests)


async def test_unlinking_the_repository_deletes_its_webhook(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    response = await api.patch("/api/v1/projects/site",
                               json={"git_url": "https://gitlab.com/other/site.git"})
    assert response.status_code == 200, response.text
    assert standin.hooks[full_name] == []
    assert await GitConnection.filter(project__name="site").count() == 0


async def test_a_rotated_secret_reaches_the_webhook(
    api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    response = await api.post("/api/v1/projects/site/webhook-secret", json={})
    assert response.status_code == 200
    secret = response.json()["secret"]
    assert response.json()["warning"] is None
    assert (await Project.get(name="site")).webhook_secret == secret
    [hook] = standin.hooks[full_name]
    assert hook["secret"] == secret


async def test_a_repository_on_a_host_without_accounts_gets_every_hosts_steps(
    api: httpx.AsyncClient
) -> None:
    response = await api.post("/api/v1/projects", json={
        "name": "site", "git_url": "https://gitlab.example.com/group/site.git"})
    assert response.status_code == 201, response.text
    status = (await api.get("/api/v1/projects/site/webhook")).json()
    assert status["webhook"] is None and status["can_create"] is False
    steps = {step["host"]: step for step in status["setup"]}
    assert {"github", "gitlab", "gitea", "bitbucket"} <= set(steps)
    assert steps["gitlab"]["secret_label"] == "Secret token"
    assert steps["gitea"]["url"] == "http://localhost:8000/api/v1/webhooks/gitea"
    created = await api.post("/api/v1/projects/site/webhook")
    assert created.status_code == 409
    assert created.json()["error"]["code"] == "not_connected"


async def test_only_admins_create_webhooks_and_rotate_secrets(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn
) -> None:
    full_name = await connected(api, owner, standin)
    standin.hooks[full_name].clear()
    team = await personal_team(owner)
    member = await add_user(team, "m@example.com", Role.MEMBER)
    before = (await Project.get(name="site")).webhook_secret
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.post("/api/v1/projects/site/webhook")).status_code == 403
        assert (await http.post("/api/v1/projects/site/webhook-secret",
                                json={})).status_code == 403
        assert (await http.get("/api/v1/projects/site/webhook")).status_code == 200
    outsider = await accounts.create_user("o@example.com", PASSWORD)
    async with client_for(autostack, await token_for(outsider)) as http:
        assert (await http.post("/api/v1/projects/site/webhook")).status_code == 404
    assert standin.hooks[full_name] == []
    assert (await Project.get(name="site")).webhook_secret == before
