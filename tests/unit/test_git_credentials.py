"""Cloning a private GitHub repository with the connecting user's stored token.

GitHub cannot be reached from here: the repository lives on a local stand-in
(:mod:`tests.github_standin`, 127.0.0.1) that serves git's smart HTTP through
``git http-backend`` and, like GitHub for a private repository, answers 401
unless HTTP Basic carries a valid token. The pipeline really clones from it.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from tortoise import Tortoise

from autostack_core import deployments, git_credentials
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.models import Deployment, DeploymentLog, Project, User
from autostack_core.pipeline import run_deployment
from tests.fixtures_auth import api, owner
from tests.github_standin import StandIn, push_site, settings, standin

__all__ = ["api", "owner", "settings", "standin"]


async def everything_stored() -> str:
    """Every row of every table as text: where a leaked token would show."""
    connection = Tortoise.get_connection("default")
    text = []
    for model in Tortoise.apps["models"].values():
        _, rows = await connection.execute_query(f'SELECT * FROM "{model._meta.db_table}"')
        text.extend(str(dict(row)) for row in rows)
    return "\n".join(text)


async def deploy(autostack: AutoStack, project: Project) -> Deployment:
    deployment = await deployments.create_deployment(
        autostack, project, source_type="git", git_url=project.git_url, branch="main",
    )
    await run_deployment(autostack, deployment.id)
    return await Deployment.get(id=deployment.id)


async def test_a_private_repository_clones_with_the_stored_token_only(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    assert standin.approving is not None
    token = standin.issue(standin.approving)
    owner.github_token = token
    await owner.save()
    full_name = standin.add_repository(standin.approving, "site", private=True)
    sha = push_site(standin, full_name, tmp_path / "work")
    await api.post("/api/v1/projects", json={"name": "site"})
    connected = await api.post("/api/v1/projects/site/github/connect", json={"repo": full_name})
    assert connected.status_code == 200, connected.text
    project = await Project.get(name="site")

    cloned = await deploy(autostack, project)
    lines = [row.line for row in await DeploymentLog.filter(deployment_id=cloned.id)]
    assert cloned.commit_sha == sha, (cloned.error_message, lines)
    assert f"Cloning {standin.url}/octocat/site.git at main" in lines
    assert any(line.startswith(f"Checked out {sha[:12]}") for line in lines)

    owner.github_token = None
    await owner.save()
    refused = await deploy(autostack, project)
    assert refused.state == "error"
    assert "git fetch failed" in (refused.error_message or "")
    assert refused.commit_sha is None

    owner.github_token = token
    await owner.save()
    assert token not in await everything_stored()


def test_the_token_goes_only_to_the_github_host(settings: Settings) -> None:
    env = git_credentials.token_env(settings, "gho_secret")
    assert env["GIT_CONFIG_KEY_0"] == f"http.{settings.github_url}/.extraHeader"
    assert "gho_secret" not in env["GIT_CONFIG_VALUE_0"]
    assert git_credentials.is_github_url(settings, f"{settings.github_url}/o/r.git")
    assert not git_credentials.is_github_url(settings, "https://gitlab.example/o/r.git")
    assert not git_credentials.is_github_url(settings, settings.github_url.replace(
        "http://", "https://") + "/o/r.git")
