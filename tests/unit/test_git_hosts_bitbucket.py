"""Bitbucket Cloud webhooks with the documented ``repo:push`` and pull request samples."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Alias, AliasKind, Deployment, DeploymentState, User
from autostack_core.interfaces.git_host import EventKind
from autostack_plugins.git_hosts import bitbucket
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner
from tests.null_edge import unbound
from tests.webhook_payloads import (
    bitbucket_headers,
    body_of,
    fixture,
    git_project,
    post_webhook,
)

__all__ = ["owner"]

REPO = "https://bitbucket.org/team_name/repo_name.git"


@pytest.fixture
async def anonymous(autostack: AutoStack) -> Any:
    async with client_for(autostack) as http:
        yield http


async def send(http: httpx.AsyncClient, event: str, payload: dict[str, Any],
               **kwargs: Any) -> httpx.Response:
    body = body_of(payload)
    return await post_webhook(http, "bitbucket", body, bitbucket_headers(event, body, **kwargs))


def test_push_sample_is_parsed() -> None:
    [event] = bitbucket.parse({"x-event-key": "repo:push"}, fixture("bitbucket-push.json"))
    assert (event.kind, event.repository, event.branch) == (
        EventKind.PUSH, "team_name/repo_name", "main")
    assert event.commit_sha == "709d658dc5b6d6afcd46049c2f332ee3f515a67d"
    assert event.changed_files is None


async def test_push_deploys_production(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "repo", REPO)
    response = await send(anonymous, "repo:push", fixture("bitbucket-push.json"))
    assert response.status_code == 200, response.text
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert deployment.target == "production"
    assert deployment.state == DeploymentState.QUEUED


async def test_pull_request_created_deploys_a_preview(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "repo", "git@bitbucket.org:team_name/repo_name.git")
    response = await send(anonymous, "pullrequest:created",
                          fixture("bitbucket-pullrequest-created.json"))
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert (deployment.pull_request, deployment.branch) == (7, "feature/landing")


async def test_declined_pull_request_removes_its_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User
) -> None:
    project = await git_project(owner, "repo", REPO)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    pull_request=7, source_type="git")
    await Alias.create(project=project, deployment=ready, kind=AliasKind.PULL_REQUEST,
                       hostname="repo-pr-7.localhost")
    await send(anonymous, "pullrequest:rejected", fixture("bitbucket-pullrequest-created.json"))
    assert unbound(null_edge) == ["repo-pr-7.localhost"]


async def test_a_closed_branch_loses_its_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User
) -> None:
    project = await git_project(owner, "repo", REPO)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    branch="main", source_type="git")
    await Alias.create(project=project, deployment=ready, kind=AliasKind.BRANCH,
                       hostname="repo-git-main.localhost", branch="main")
    payload = fixture("bitbucket-push.json")
    payload["push"]["changes"][0].update(new=None, closed=True)
    await send(anonymous, "repo:push", payload)
    assert unbound(null_edge) == ["repo-git-main.localhost"]


async def test_a_wrong_signature_is_401(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "repo", REPO)
    response = await send(anonymous, "repo:push", fixture("bitbucket-push.json"),
                          secret="not-the-secret-at-all")
    assert response.status_code == 401


async def test_a_redelivered_event_deploys_once(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "repo", REPO)
    for _ in range(2):
        await send(anonymous, "repo:push", fixture("bitbucket-push.json"), delivery="req-1")
    assert await Deployment.all().count() == 1
