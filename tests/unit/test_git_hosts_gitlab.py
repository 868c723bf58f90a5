"""GitLab webhooks with the documented push and merge request samples, signed by token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Alias, AliasKind, Deployment, DeploymentState, User
from autostack_plugins.git_hosts import gitlab
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner
from tests.null_edge import unbound
from tests.webhook_payloads import (
    body_of,
    fixture,
    git_project,
    gitlab_headers,
    post_webhook,
)

__all__ = ["owner"]

DIASPORA = "http://example.com/mike/diaspora.git"
GITLAB_TEST = "git@example.com:gitlabhq/gitlab-test.git"


@pytest.fixture
async def anonymous(autostack: AutoStack) -> Any:
    async with client_for(autostack) as http:
        yield http


async def send(http: httpx.AsyncClient, event: str, payload: dict[str, Any],
               **kwargs: Any) -> httpx.Response:
    return await post_webhook(http, "gitlab", body_of(payload), gitlab_headers(event, **kwargs))


def test_push_sample_is_parsed() -> None:
    [event] = gitlab.parse({}, fixture("gitlab-push.json"))
    assert event.repository == "mike/diaspora"
    assert event.branch == "master"
    assert event.commit_sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert event.commit_message == "fixed readme"
    assert event.changed_files is None  # 4 commits pushed, 2 listed


def test_push_with_every_commit_listed_knows_its_files() -> None:
    payload = fixture("gitlab-push.json")
    payload["total_commits_count"] = 2
    [event] = gitlab.parse({}, payload)
    assert event.changed_files == {"CHANGELOG", "app/controller/application.rb"}


async def test_push_to_the_production_branch_deploys(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "diaspora", DIASPORA, branch="master")
    response = await send(anonymous, "Push Hook", fixture("gitlab-push.json"))
    assert response.status_code == 200, response.text
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert deployment.target == "production"
    assert deployment.commit_sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert deployment.state == DeploymentState.QUEUED


async def test_merge_request_opened_deploys_a_preview(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "gitlab-test", GITLAB_TEST, branch="master")
    response = await send(anonymous, "Merge Request Hook", fixture("gitlab-merge-request.json"))
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert (deployment.pull_request, deployment.branch) == (1, "ms-viewport")
    assert deployment.target == "preview"


async def test_merge_request_update_without_new_commits_is_ignored(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "gitlab-test", GITLAB_TEST)
    payload = fixture("gitlab-merge-request.json")
    payload["object_attributes"]["action"] = "update"
    response = await send(anonymous, "Merge Request Hook", payload)
    assert response.status_code == 202
    payload["object_attributes"]["oldrev"] = "95790bf891e76fee5e1747ab589903a6a1f80f22"
    response = await send(anonymous, "Merge Request Hook", payload)
    assert response.json()["results"][0]["result"] == "deployed"


async def test_merged_merge_request_removes_its_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User
) -> None:
    project = await git_project(owner, "gitlab-test", GITLAB_TEST)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    pull_request=1, branch="ms-viewport", source_type="git")
    await Alias.create(project=project, deployment=ready, kind=AliasKind.PULL_REQUEST,
                       hostname="gitlab-test-pr-1.localhost")
    payload = fixture("gitlab-merge-request.json")
    payload["object_attributes"].update(action="merge", state="merged")
    response = await send(anonymous, "Merge Request Hook", payload)
    assert "merged" in response.json()["results"][0]["reason"]
    assert unbound(null_edge) == ["gitlab-test-pr-1.localhost"]


async def test_a_push_of_zeros_deletes_the_branch_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User
) -> None:
    project = await git_project(owner, "diaspora", DIASPORA)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    branch="master", source_type="git")
    await Alias.create(project=project, deployment=ready, kind=AliasKind.BRANCH,
                       hostname="diaspora-git-master.localhost", branch="master")
    payload = fixture("gitlab-push.json")
    payload.update(after="0" * 40, checkout_sha=None, commits=[], total_commits_count=0)
    response = await send(anonymous, "Push Hook", payload)
    assert response.json()["results"][0]["result"] == "alias-removed"


async def test_a_wrong_token_is_401(anonymous: httpx.AsyncClient, owner: User) -> None:
    await git_project(owner, "diaspora", DIASPORA)
    response = await send(anonymous, "Push Hook", fixture("gitlab-push.json"),
                          secret="wrong-token-wrong-token")
    assert response.status_code == 401
    assert await Deployment.all().count() == 0


async def test_a_redelivered_event_deploys_once(
    anonymous: httpx.AsyncClient, owner: User
) -> None:
    await git_project(owner, "diaspora", DIASPORA)
    for _ in range(2):
        await send(anonymous, "Push Hook", fixture("gitlab-push.json"), delivery="uuid-1")
    assert await Deployment.all().count() == 1
