"""Gitea and Forgejo webhooks with the documented push sample and a pull request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Alias, AliasKind, Deployment, DeploymentState, User
from autostack_plugins.git_hosts import gitea
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner
from tests.null_edge import unbound
from tests.webhook_payloads import (
    body_of,
    fixture,
    git_project,
    gitea_headers,
    hex_hmac,
    post_webhook,
)

__all__ = ["owner"]

REPO = "http://localhost:3000/gitea/webhooks.git"


@pytest.fixture
async def anonymous(autostack: AutoStack) -> Any:
    async with client_for(autostack) as http:
        yield http


async def send(http: httpx.AsyncClient, event: str, payload: dict[str, Any],
               **kwargs: Any) -> httpx.Response:
    body = body_of(payload)
    return await post_webhook(http, "gitea", body, gitea_headers(event, body, **kwargs))


def test_push_sample_is_parsed() -> None:
    [event] = gitea.parse({"x-gitea-event": "push"}, fixture("gitea-push.json"))
    assert (event.repository, event.branch) == ("gitea/webhooks", "develop")
    assert event.changed_files == {"docs/webhooks.md"}


async def test_push_deploys_a_preview(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "hooks", REPO, branch="master")
    response = await send(anonymous, "push", fixture("gitea-push.json"))
    assert response.status_code == 200, response.text
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert (deployment.branch, deployment.target) == ("develop", "preview")
    assert deployment.commit_sha == "bffeb74224043ba2feb48d137756c8a9331c449a"


async def test_monorepo_watch_paths_decide(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "docs", REPO, settings={"watch_paths": ["docs/*.md"]})
    await git_project(owner, "app", REPO, root_directory="app")
    response = await send(anonymous, "push", fixture("gitea-push.json"))
    results = {r["project"]: r["result"] for r in response.json()["results"]}
    assert results == {"docs": "deployed", "app": "skipped"}


async def test_forgejo_headers_are_accepted(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "hooks", REPO)
    body = body_of(fixture("gitea-push.json"))
    response = await post_webhook(anonymous, "gitea", body, {
        "X-Forgejo-Event": "push", "X-Forgejo-Delivery": "f-1",
        "X-Forgejo-Signature": hex_hmac(body)})
    assert response.json()["results"][0]["result"] == "deployed"


async def test_pull_request_opened_then_closed(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User
) -> None:
    project = await git_project(owner, "hooks", REPO)
    opened = await send(anonymous, "pull_request", fixture("gitea-pull-request.json"))
    deployment = await Deployment.get(id=opened.json()["results"][0]["deployment"])
    assert deployment.pull_request == 3
    await Deployment.filter(id=deployment.id).update(state=DeploymentState.READY)
    await Alias.create(project=project, deployment=deployment, kind=AliasKind.PULL_REQUEST,
                       hostname="hooks-pr-3.localhost")
    payload = fixture("gitea-pull-request.json")
    payload["action"] = "closed"
    await send(anonymous, "pull_request", payload)
    assert unbound(null_edge) == ["hooks-pr-3.localhost"]


async def test_a_wrong_signature_is_401(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "hooks", REPO)
    response = await send(anonymous, "push", fixture("gitea-push.json"),
                          secret="not-the-secret-at-all")
    assert response.status_code == 401
    assert await Deployment.all().count() == 0
