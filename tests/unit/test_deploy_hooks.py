"""Deploy hooks: create, list, revoke through the API and the CLI, and trigger by URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from click.testing import CliRunner

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.cli import hooks as cli_hooks
from autostack_core.infrastructure.models import (
    CreatorType,
    DeployHook,
    Deployment,
    DeploymentState,
    Role,
    User,
)
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

GIT_URL = "https://github.com/Codertocat/Hello-World.git"


async def make_project(api: httpx.AsyncClient, git_url: str | None = GIT_URL) -> None:
    body = {"name": "site", "branch": "main", **({"git_url": git_url} if git_url else {})}
    response = await api.post("/api/v1/projects", json=body)
    assert response.status_code == 201, response.text


async def create_hook(api: httpx.AsyncClient, **body: str) -> dict:
    response = await api.post("/api/v1/projects/site/deploy-hooks", json=body)
    assert response.status_code == 201, response.text
    hook: dict = response.json()["deploy_hook"]
    return hook


async def test_a_hook_deploys_its_branch(autostack: AutoStack, api: httpx.AsyncClient) -> None:
    await make_project(api)
    hook = await create_hook(api, name="CMS", branch="staging")
    assert hook["url"].startswith("http://localhost:8000/api/v1/deploy-hooks/")
    async with client_for(autostack) as anonymous:
        response = await anonymous.post(hook["url"].removeprefix("http://localhost:8000"))
    assert response.status_code == 201, response.text
    assert response.json()["deployment"]["target"] == "preview"
    deployment = await Deployment.get(id=response.json()["deployment"]["id"])
    assert (deployment.branch, deployment.git_url, deployment.source_type) == (
        "staging", GIT_URL, "git")
    assert deployment.creator_type == CreatorType.DEPLOY_HOOK
    assert deployment.state == DeploymentState.QUEUED
    assert deployment.target == "preview"


async def test_the_default_branch_is_production(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await make_project(api)
    hook = await create_hook(api, name="nightly")
    assert hook["branch"] == "main"
    async with client_for(autostack) as anonymous:
        response = await anonymous.post(hook["url"].removeprefix("http://localhost:8000"))
    assert response.json()["deployment"]["target"] == "production"


async def test_the_token_is_stored_hashed_and_sealed(api: httpx.AsyncClient) -> None:
    await make_project(api)
    hook = await create_hook(api, name="CMS")
    token = hook["url"].rsplit("/", 1)[1]
    row = await DeployHook.get(id=hook["id"])
    assert token not in row.token_sealed
    assert row.token == token
    listed = await api.get("/api/v1/projects/site/deploy-hooks")
    assert [h["url"] for h in listed.json()["deploy_hooks"]] == [hook["url"]]


async def test_a_revoked_or_unknown_token_is_404(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await make_project(api)
    hook = await create_hook(api, name="CMS")
    response = await api.delete(f"/api/v1/projects/site/deploy-hooks/{hook['id']}")
    assert response.status_code == 204
    async with client_for(autostack) as anonymous:
        gone = await anonymous.post(hook["url"].removeprefix("http://localhost:8000"))
        unknown = await anonymous.post("/api/v1/deploy-hooks/not-a-token")
    assert gone.status_code == unknown.status_code == 404
    assert await Deployment.all().count() == 0
    again = await api.delete(f"/api/v1/projects/site/deploy-hooks/{hook['id']}")
    assert again.status_code == 404


def push_to_builtin_remote(autostack: AutoStack, work: Path, branch: str) -> str:
    """Commit a page and push it to the project's built-in bare repository, as
    ``git push`` to ``/git/site.git`` stores it; returns the commit."""
    bare = autostack.settings.path("git", "site.git")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "HOME": str(work.parent), "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(bare)], check=True)
    work.mkdir()
    (work / "index.html").write_text("<h1>from the built-in remote</h1>\n")
    for command in (["init", "--quiet", "-b", branch], ["add", "."],
                    ["commit", "--quiet", "-m", "first"], ["push", "--quiet", str(bare), branch]):
        subprocess.run(["git", *command], cwd=work, env=env, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


async def test_a_hook_deploys_a_built_in_remote_projects_pushed_branch(
    autostack: AutoStack, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    await make_project(api, git_url=None)
    hook = await create_hook(api, name="nightly", branch="staging")
    path = hook["url"].removeprefix("http://localhost:8000")
    async with client_for(autostack) as anonymous:
        early = await anonymous.post(path)
        assert early.status_code == 409
        assert early.json()["error"]["field"] == "branch"
        assert "staging has not been pushed" in early.json()["error"]["message"]
        assert await Deployment.all().count() == 0
        sha = push_to_builtin_remote(autostack, tmp_path / "work", "staging")
        response = await anonymous.post(path)
    assert response.status_code == 201, response.text
    deployment = await Deployment.get(id=response.json()["deployment"]["id"])
    assert (deployment.source_type, deployment.branch, deployment.commit_sha) == (
        "push", "staging", sha)
    assert deployment.creator_type == CreatorType.DEPLOY_HOOK
    assert deployment.target == "preview"
    await run_deployment(autostack, deployment.id)
    built = await Deployment.get(id=deployment.id)
    assert built.state == DeploymentState.READY, built.error


async def test_bad_branch_names_are_422(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/site/deploy-hooks",
                              json={"name": "x", "branch": "../../etc"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "branch"


async def test_roles(autostack: AutoStack, api: httpx.AsyncClient, owner: User) -> None:
    await make_project(api)
    hook = await create_hook(api, name="CMS")
    team = await personal_team(owner)
    viewer = await add_user(team, "v@example.com", Role.VIEWER)
    member = await add_user(team, "m@example.com", Role.MEMBER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/site/deploy-hooks")).status_code == 403
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.get("/api/v1/projects/site/deploy-hooks")).status_code == 200
        created = await http.post("/api/v1/projects/site/deploy-hooks", json={"name": "x"})
        deleted = await http.delete(f"/api/v1/projects/site/deploy-hooks/{hook['id']}")
    assert created.status_code == deleted.status_code == 403


def test_cli_group_lists_its_commands() -> None:
    result = CliRunner().invoke(cli_hooks.deploy_hooks, ["--help"])
    assert result.exit_code == 0
    assert all(name in result.output for name in ("ls", "add", "rm"))
