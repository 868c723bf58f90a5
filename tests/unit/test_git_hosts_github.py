"""GitHub webhooks end to end through the API, with the payloads of
``@octokit/webhooks-examples`` signed here with a test secret.

No queue consumer runs: the tests check the deployments created (queued), the
deployments canceled and the aliases removed, not the builds.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    AuditEvent,
    CreatorType,
    Deployment,
    DeploymentState,
    GitConnection,
    Project,
    User,
    WebhookDelivery,
)
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner
from tests.null_edge import bound, stored_output, unbound
from tests.webhook_payloads import (
    body_of,
    git_project,
    github_example,
    github_headers,
    octokit,
    post_webhook,
)

__all__ = ["octokit", "owner"]

REPO_URL = "https://github.com/Codertocat/Hello-World.git"
Examples = dict[str, list[dict[str, Any]]]


@pytest.fixture
async def anonymous(autostack: AutoStack) -> Any:
    async with client_for(autostack) as http:
        yield http


def push(octokit: Examples, branch: str = "master", sha: str | None = None,
         files: list[str] | None = None) -> dict[str, Any]:
    payload = github_example(octokit, "push", ref="refs/heads/master")
    payload["ref"] = f"refs/heads/{branch}"
    payload["created"] = False
    if sha:
        payload["after"] = sha
        payload["head_commit"]["id"] = sha
    if files is not None:
        payload["commits"][0]["added"] = files
    return payload


def pull_request(octokit: Examples, action: str, **changes: Any) -> dict[str, Any]:
    payload = github_example(octokit, "pull_request", action=action)
    payload["pull_request"].update(changes)
    return payload


async def send(http: httpx.AsyncClient, event: str, payload: dict[str, Any],
               **kwargs: Any) -> httpx.Response:
    body = body_of(payload)
    return await post_webhook(http, "github", body, github_headers(event, body, **kwargs))


async def test_push_to_the_production_branch_deploys_production(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    project = await git_project(owner, "hello", REPO_URL, branch="master")
    response = await send(anonymous, "push", push(octokit))
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["result"] == "deployed"
    deployment = await Deployment.get(id=result["deployment"])
    assert deployment.project_id == project.id  # type: ignore[attr-defined]
    assert deployment.state == DeploymentState.QUEUED
    assert deployment.target == "production"
    assert deployment.branch == "master"
    assert deployment.commit_sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert deployment.commit_message == "Initial commit"
    assert deployment.creator_type == CreatorType.WEBHOOK
    assert deployment.source_type == "git"
    assert deployment.git_url == REPO_URL
    assert deployment.pull_request is None


async def test_push_to_another_branch_deploys_a_preview(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL, branch="master")
    response = await send(anonymous, "push", push(octokit, branch="feature/login"))
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert deployment.target == "preview"
    assert deployment.branch == "feature/login"


async def test_a_connected_repository_matches_without_a_git_url(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    project = await git_project(owner, "hello", "", branch="master")
    await GitConnection.create(project=project, host="github",
                               repository="codertocat/hello-world")
    await Project.filter(id=project.id).update(git_url=None)
    response = await send(anonymous, "push", push(octokit))
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert deployment.git_url == REPO_URL


async def test_a_newer_push_cancels_older_queued_deployments_of_its_branch(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    first = await send(anonymous, "push", push(octokit, "feature", sha="a" * 40))
    other = await send(anonymous, "push", push(octokit, "other", sha="b" * 40))
    second = await send(anonymous, "push", push(octokit, "feature", sha="c" * 40))
    first_id = first.json()["results"][0]["deployment"]
    assert second.json()["results"][0]["canceled"] == [first_id]
    assert (await Deployment.get(id=first_id)).state == DeploymentState.CANCELED
    other_id = other.json()["results"][0]["deployment"]
    assert (await Deployment.get(id=other_id)).state == DeploymentState.QUEUED
    newest = second.json()["results"][0]["deployment"]
    assert (await Deployment.get(id=newest)).state == DeploymentState.QUEUED


async def test_a_newer_push_cancels_a_building_deployment(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    first = await send(anonymous, "push", push(octokit, "feature", sha="a" * 40))
    first_id = first.json()["results"][0]["deployment"]
    await Deployment.filter(id=first_id).update(state=DeploymentState.BUILDING)
    await send(anonymous, "push", push(octokit, "feature", sha="c" * 40))
    building = await Deployment.get(id=first_id)
    assert building.cancel_requested
    assert building.state == DeploymentState.BUILDING  # the pipeline finishes the cancel


async def test_pull_request_opened_deploys_a_preview_with_its_number(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await send(anonymous, "pull_request", pull_request(octokit, "opened"))
    assert response.status_code == 200, response.text
    deployment = await Deployment.get(id=response.json()["results"][0]["deployment"])
    assert deployment.pull_request == 2
    assert deployment.branch == "changes"
    assert deployment.commit_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert deployment.target == "preview"


@pytest.mark.parametrize("action", ["synchronize", "reopened"])
async def test_pull_request_updates_deploy_again(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples, action: str
) -> None:
    await git_project(owner, "hello", REPO_URL)
    payload = pull_request(octokit, action)
    payload["pull_request"]["head"]["sha"] = "d" * 40
    response = await send(anonymous, "pull_request", payload)
    assert response.json()["results"][0]["result"] == "deployed"


async def test_a_push_and_its_pull_request_share_one_deployment(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    pushed = await send(anonymous, "push", push(octokit, "changes", sha=sha))
    opened = await send(anonymous, "pull_request", pull_request(octokit, "opened"))
    deployment_id = pushed.json()["results"][0]["deployment"]
    assert opened.json()["results"][0] == {
        "project": "hello", "result": "shared", "deployment": deployment_id,
        "reason": "this commit already has a deployment", "canceled": []}
    assert (await Deployment.get(id=deployment_id)).pull_request == 2
    assert await Deployment.all().count() == 1


async def test_pull_request_on_a_ready_deployment_points_the_alias_now(
    autostack: AutoStack, null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User,
    octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    pushed = await send(anonymous, "push", push(octokit, "changes", sha=sha))
    deployment_id = pushed.json()["results"][0]["deployment"]
    await Deployment.filter(id=deployment_id).update(
        state=DeploymentState.READY, output_manifest_hash=stored_output(autostack.settings))
    await send(anonymous, "pull_request", pull_request(octokit, "opened"))
    alias = await Alias.get(hostname="hello-pr-2.localhost")
    assert alias.deployment_id == deployment_id  # type: ignore[attr-defined]
    assert bound(null_edge) == ["hello-pr-2.localhost"]
    assert (await null_edge.fetch("hello-pr-2.localhost")).text == "<h1>ok</h1>"


@pytest.mark.parametrize("merged", [False, True])
async def test_closing_a_pull_request_removes_its_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User,
    octokit: Examples, merged: bool,
) -> None:
    project = await git_project(owner, "hello", REPO_URL)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    branch="changes", pull_request=2, source_type="git")
    queued = await Deployment.create(project=project, branch="changes", pull_request=2,
                                     source_type="git")
    await Alias.create(project=project, deployment=ready, hostname="hello-pr-2.localhost",
                       kind=AliasKind.PULL_REQUEST, branch="changes")
    await Alias.create(project=project, deployment=ready,
                       hostname=f"hello-{ready.id}.localhost", kind=AliasKind.DEPLOYMENT)
    response = await send(anonymous, "pull_request",
                          pull_request(octokit, "closed", merged=merged))
    [result] = response.json()["results"]
    assert result["result"] == "alias-removed"
    assert ("merged" if merged else "closed") in result["reason"]
    assert result["canceled"] == [queued.id]
    assert not await Alias.exists(hostname="hello-pr-2.localhost")
    assert await Alias.exists(hostname=f"hello-{ready.id}.localhost")
    assert unbound(null_edge) == ["hello-pr-2.localhost"]
    assert await Deployment.all().count() == 2  # nothing new deployed


async def test_other_pull_request_actions_are_ignored(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await send(anonymous, "pull_request", pull_request(octokit, "labeled"))
    assert response.status_code == 202
    assert await Deployment.all().count() == 0


async def test_pull_requests_from_forks_are_skipped(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    payload = pull_request(octokit, "opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    response = await send(anonymous, "pull_request", payload)
    assert response.json()["results"][0]["result"] == "skipped"
    assert await Deployment.all().count() == 0


@pytest.mark.parametrize("event", ["push", "delete"])
async def test_deleting_a_branch_removes_its_alias(
    null_edge: NullEdge, anonymous: httpx.AsyncClient, owner: User,
    octokit: Examples,
    event: str,
) -> None:
    project = await git_project(owner, "hello", REPO_URL)
    ready = await Deployment.create(project=project, state=DeploymentState.READY,
                                    branch="simple-tag", source_type="git")
    await Alias.create(project=project, deployment=ready, kind=AliasKind.BRANCH,
                       hostname="hello-git-simple-tag.localhost", branch="simple-tag")
    if event == "push":
        payload = github_example(octokit, "push", deleted=True)
        payload["ref"] = "refs/heads/simple-tag"
    else:
        payload = github_example(octokit, "delete")
        payload["ref_type"] = "branch"
    response = await send(anonymous, event, payload)
    assert response.json()["results"][0]["result"] == "alias-removed"
    assert not await Alias.exists(hostname="hello-git-simple-tag.localhost")
    assert unbound(null_edge) == ["hello-git-simple-tag.localhost"]


async def test_tag_pushes_are_ignored(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await send(anonymous, "push", github_example(octokit, "push",
                                                            ref="refs/tags/simple-tag"))
    assert response.status_code == 202


async def test_monorepo_push_outside_the_root_directory_is_skipped_and_recorded(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    project = await git_project(owner, "web", REPO_URL, root_directory="apps/web")
    response = await send(anonymous, "push", push(octokit, "main", files=["apps/api/x.py"]))
    [result] = response.json()["results"]
    assert result["result"] == "skipped"
    assert "'apps/web'" in result["reason"]
    assert await Deployment.all().count() == 0
    audit = await AuditEvent.get(action="git.webhook", target_id=str(project.id))
    assert audit.data["result"] == "skipped"
    assert audit.data["reason"] == result["reason"]
    assert audit.team_id == project.team_id  # type: ignore[attr-defined]


async def test_several_projects_share_one_repository(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "web", REPO_URL, root_directory="apps/web")
    await git_project(owner, "api", "git@github.com:Codertocat/Hello-World.git",
                      root_directory="apps/api")
    await git_project(owner, "docs", REPO_URL, root_directory="docs",
                      settings={"watch_paths": ["packages/ui/**"]})
    await git_project(owner, "elsewhere", "https://github.com/Codertocat/Other.git")
    response = await send(anonymous, "push", push(
        octokit, "main", files=["apps/web/index.html", "packages/ui/button.tsx"]))
    results = {r["project"]: r["result"] for r in response.json()["results"]}
    assert results == {"web": "deployed", "api": "skipped", "docs": "deployed"}



async def test_a_push_to_a_workspace_package_the_app_depends_on_deploys_the_app(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    """The app's last build recorded (in its detection) the workspace packages it depends
    on and the root's manifests; a change there counts as a change to the app."""
    project = await git_project(owner, "web", REPO_URL, root_directory="apps/web")
    await Deployment.create(project=project, state=DeploymentState.READY, branch="main",
                            detection={"framework": "nextjs",
                                       "watch_paths": ["packages/ui", "package-lock.json"]})
    for number, (files, expected) in enumerate((
        (["packages/ui/button.tsx"], "deployed"),
        (["package-lock.json"], "deployed"),
        (["packages/analytics/index.ts", "apps/docs/page.mdx"], "skipped"),
    )):
        response = await send(anonymous, "push", push(octokit, "main", sha=f"{number + 1:040x}",
                                                      files=files))
        [result] = response.json()["results"]
        assert result["result"] == expected, (files, result)
    assert "'packages/ui'" in result["reason"]

async def test_a_redelivered_event_deploys_once(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    payload = push(octokit)
    first = await send(anonymous, "push", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    again = await send(anonymous, "push", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert await Deployment.all().count() == 1


@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature-256": "sha256=" + "0" * 64},
    {"X-Hub-Signature-256": "not-even-hex"},
])
async def test_a_missing_or_wrong_signature_is_401_and_changes_nothing(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples, headers: dict[str, str]
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await post_webhook(anonymous, "github", body_of(push(octokit)), {
        "X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1", **headers})
    assert response.status_code == 401
    assert await Deployment.all().count() == 0
    assert await WebhookDelivery.all().count() == 0
    assert await AuditEvent.filter(action="git.webhook").count() == 0


async def test_a_signature_with_another_secret_is_401(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await send(anonymous, "push", push(octokit), secret="someone-elses-secret")
    assert response.status_code == 401
    assert await Deployment.all().count() == 0


async def test_a_project_without_a_secret_never_deploys_from_webhooks(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL, secret=None)
    response = await send(anonymous, "push", push(octokit))
    assert response.status_code == 401


async def test_only_projects_whose_secret_signed_act(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "one", REPO_URL)
    await git_project(owner, "two", REPO_URL, secret="the-other-project-secret")
    response = await send(anonymous, "push", push(octokit))
    assert [r["project"] for r in response.json()["results"]] == ["one"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"ref": "refs/heads/main"}'])
async def test_malformed_payloads_are_400(
    anonymous: httpx.AsyncClient, owner: User, body: bytes
) -> None:
    await git_project(owner, "hello", REPO_URL)
    response = await post_webhook(anonymous, "github", body, github_headers("push", body))
    assert response.status_code == 400
    assert await Deployment.all().count() == 0


async def test_an_unknown_repository_answers_like_a_wrong_signature(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    """An unsigned sender cannot tell whether a repository is connected to this server."""
    await git_project(owner, "hello", "https://github.com/someone/else.git")
    unknown = await send(anonymous, "push", push(octokit), secret="a-guess")
    unknown_signed = await send(anonymous, "push", push(octokit))
    await git_project(owner, "hello-too", REPO_URL, secret="the-real-secret")
    connected = await send(anonymous, "push", push(octokit), secret="a-guess")
    answers = {(r.status_code, r.text) for r in (unknown, unknown_signed, connected)}
    assert len(answers) == 1, answers
    assert connected.status_code == 401
    assert "Hello-World" not in connected.text
    assert await Deployment.all().count() == 0


@pytest.mark.parametrize("depth", [10_000, 100_000])
async def test_deeply_nested_json_is_400(
    anonymous: httpx.AsyncClient, owner: User, depth: int
) -> None:
    await git_project(owner, "hello", REPO_URL)
    body = b'{"a": ' + b"[" * depth + b"]" * depth + b"}"
    response = await post_webhook(anonymous, "github", body, github_headers("push", body))
    assert response.status_code == 400, response.text
    assert "nested" in response.json()["error"]["message"]


async def test_ping_answers_once_the_signature_checks(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", "https://github.com/Octocoders/Hello-World.git")
    response = await send(anonymous, "ping", github_example(octokit, "ping"))
    assert response.json()["results"][0]["result"] == "pong"


async def test_disabled_auto_deploy_skips(
    anonymous: httpx.AsyncClient, owner: User, octokit: Examples
) -> None:
    await git_project(owner, "hello", REPO_URL, auto_deploy_enabled=False)
    response = await send(anonymous, "push", push(octokit))
    assert response.json()["results"][0]["result"] == "skipped"
    assert await Deployment.all().count() == 0


async def test_unknown_providers_are_404(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/api/v1/webhooks/svn", content=b"{}")
    assert response.status_code == 404
