"""Cloning a private GitHub repository with the connecting user's stored token, for
the repository that user connected and no other.

GitHub cannot be reached from here: the repository lives on a local stand-in
(:mod:`tests.github_standin`, 127.0.0.1) that serves git's smart HTTP through
``git http-backend`` and, like GitHub for a private repository, answers 401
unless HTTP Basic carries a valid token. The pipeline really clones from it,
and the stand-in records every ``Authorization`` header it received.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from tortoise import Tortoise

from autostack_core.app import AutoStack
from autostack_core.build.pipeline import run_deployment
from autostack_core.config import Settings
from autostack_core.git import git_credentials
from autostack_core.git.git_connections import connected_repository
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentLog,
    Project,
    Role,
    TeamMember,
    User,
)
from autostack_core.interfaces.git_host import CloneCredential
from autostack_core.services import deployments
from autostack_plugins.git_hosts.github.config import GitHubConfig
from autostack_plugins.git_hosts.github.host import repository_of
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.github_standin import (
    Account,
    StandIn,
    grant,
    link_github,
    push_site,
    settings,
    standin,
    with_plugin_settings,
)
from tests.web_fixtures import log_in

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
    await grant(owner, token)
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

    await grant(owner, None)
    refused = await deploy(autostack, project)
    assert refused.state == "error"
    assert "git fetch failed" in (refused.error_message or "")
    assert refused.commit_sha is None

    await grant(owner, token)
    assert token not in await everything_stored()


def test_the_token_goes_only_to_the_repository_it_was_granted_for(settings: Settings) -> None:
    github_url = GitHubConfig.of(settings).url
    url = f"{github_url}/octocat/site.git"
    env = git_credentials.token_env(url, CloneCredential("x-access-token", "gho_secret"))
    assert env["GIT_CONFIG_KEY_0"] == f"http.{url}.extraHeader"
    assert "gho_secret" not in env["GIT_CONFIG_VALUE_0"]
    assert repository_of(settings, url) == "octocat/site"
    assert repository_of(settings, url[:-4] + "/") == "octocat/site"
    for other in ("https://gitlab.example/o/r.git",
                  github_url.replace("http://", "https://") + "/o/r.git",
                  github_url.replace("//", "//x@") + "/o/r.git",
                  f"{github_url}/o/r/tree/main", f"{github_url}/o/r?x=1",
                  f"{github_url}/o", f"{github_url}/../r"):
        assert repository_of(settings, other) is None, other


async def connected_site(api: httpx.AsyncClient, owner: User, standin: StandIn,
                         tmp_path: Path) -> tuple[str, str]:
    """The owner (GitHub's octocat) connects ``octocat/site``; returns their token and
    ``octocat/secret``, another private repository of theirs never connected here."""
    assert standin.approving is not None
    token = standin.issue(standin.approving)
    await link_github(owner, standin.approving)
    await grant(owner, token)
    site = standin.add_repository(standin.approving, "site", private=True)
    push_site(standin, site, tmp_path / "site")
    secret = standin.add_repository(standin.approving, "secret", private=True)
    push_site(standin, secret, tmp_path / "secret")
    await api.post("/api/v1/projects", json={"name": "site"})
    connected = await api.post("/api/v1/projects/site/github/connect", json={"repo": site})
    assert connected.status_code == 200, connected.text
    return token, secret


async def test_an_admin_repointing_the_project_cannot_clone_with_the_connecting_users_token(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    token, secret = await connected_site(api, owner, standin, tmp_path)
    admin = await add_user(await personal_team(owner), "admin@example.com", Role.ADMIN)
    alice = Account(id=7, login="alice", email="alice@example.com")
    await link_github(admin, alice)
    await grant(admin, standin.issue(alice))
    async with client_for(autostack, await token_for(admin)) as http:
        moved = await http.patch("/api/v1/projects/site",
                                 json={"git_url": f"{standin.url}/{secret}.git"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["project"]["github_repo"] is None
        before = len(standin.authorizations)

        refused = await deploy(autostack, await Project.get(name="site"))
        assert refused.state == "error" and refused.commit_sha is None
        assert "reconnect the repository" in (refused.error_message or ""), \
            refused.error_message
        assert f"GET /{secret}.git/info/refs" in standin.requests
        assert not any(token in header for _, header in standin.authorizations[before:])

        # The admin's own GitHub access does not cover octocat's private repository.
        tried = await http.post("/api/v1/projects/site/github/connect", json={"repo": secret})
        assert tried.status_code == 404, tried.text

    # The owner, whose access covers it, reconnects: it deploys.
    again = await api.post("/api/v1/projects/site/github/connect", json={"repo": secret})
    assert again.status_code == 200, again.text
    cloned = await deploy(autostack, await Project.get(name="site"))
    assert cloned.state == "ready", cloned.error_message


async def test_a_url_changed_behind_the_api_s_back_still_gets_no_credential(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    token, secret = await connected_site(api, owner, standin, tmp_path)
    project = await Project.get(name="site")
    # The connected repository itself, named through another host (GitLab, Bitbucket,
    # Gitea, or the same server under another name): no credential either.
    for elsewhere in (standin.url.replace("127.0.0.1", "localhost") + "/octocat/site.git",
                      "https://gitlab.example/octocat/site.git"):
        assert await git_credentials.access_for_project(
            autostack, project, elsewhere) == git_credentials.CloneAccess()
    await Project.filter(name="site").update(git_url=f"{standin.url}/{secret}.git")
    before = len(standin.authorizations)
    refused = await deploy(autostack, await Project.get(name="site"))
    assert refused.state == "error"
    assert "reconnect the repository" in (refused.error_message or "")
    assert not any(token in header for _, header in standin.authorizations[before:])


async def test_the_dashboard_drops_the_connection_when_the_git_url_changes(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    token, secret = await connected_site(api, owner, standin, tmp_path)
    admin = await add_user(await personal_team(owner), "admin@example.com", Role.ADMIN)
    async with client_for(autostack) as http:
        csrf = await log_in(http, admin.email)
        saved = await http.post("/projects/site/settings/general", data={
            "csrf_token": csrf, "git_url": f"{standin.url}/{secret}.git", "branch": "main"})
    assert saved.status_code == 200, saved.text
    assert "reconnect" in saved.text.lower()
    project = await Project.get(name="site")
    assert await connected_repository(project) is None
    before = len(standin.authorizations)
    refused = await deploy(autostack, project)
    assert "reconnect the repository" in (refused.error_message or "")
    assert not any(token in header for _, header in standin.authorizations[before:])

    # The admin has no GitHub access: Connect sends them to grant theirs first.
    async with client_for(autostack) as http:
        csrf = await log_in(http, admin.email)
        sent = await http.post("/projects/site/settings/git/connect", data={"csrf_token": csrf})
    assert sent.status_code == 303
    assert sent.headers["location"] == "/auth/github/connect?next=/projects/site/settings"
    # The owner, whose GitHub account can read it, reconnects from the same page.
    async with client_for(autostack) as http:
        csrf = await log_in(http)
        page = await http.get("/projects/site/settings")
        assert "Not connected" in page.text and f"Connect {secret}" in page.text
        done = await http.post("/projects/site/settings/git/connect", data={"csrf_token": csrf})
    assert done.status_code == 200, done.text
    assert f"{secret} is connected with your GitHub access" in done.text
    assert "owner@example.com's, for octocat/secret only" in done.text
    cloned = await deploy(autostack, await Project.get(name="site"))
    assert cloned.state == "ready", cloned.error_message


async def test_a_connecting_user_who_left_the_team_lends_no_access(
    autostack: AutoStack, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    team = await personal_team(owner)
    member = await add_user(team, "member@example.com", Role.ADMIN)
    async with client_for(autostack, await token_for(member)) as http:
        token, _ = await connected_site(http, member, standin, tmp_path)
    await TeamMember.filter(team=team, user=member).delete()
    before = len(standin.authorizations)
    refused = await deploy(autostack, await Project.get(name="site"))
    assert "reconnect the repository" in (refused.error_message or "")
    assert not any(token in header for _, header in standin.authorizations[before:])


async def test_with_a_github_app_clones_use_an_installation_token_for_that_repository_alone(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    """The stand-in checks the App's RS256 JWT and opens a repository to an installation
    token only if the token was issued for it, as GitHub does."""
    token, secret = await connected_site(api, owner, standin, tmp_path)
    key_file = tmp_path / "app.pem"
    key_file.write_text(standin.app_private_key())
    autostack.settings = with_plugin_settings(
        autostack.settings, AUTOSTACK_GITHUB_APP_ID=standin.app_id,
        AUTOSTACK_GITHUB_APP_PRIVATE_KEY_FILE=str(key_file))
    project = await Project.get(name="site")

    uninstalled = await deploy(autostack, project)
    assert "install it on the repository's account" in (uninstalled.error_message or "")

    assert standin.approving is not None
    standin.install(standin.approving)
    before = len(standin.authorizations)
    cloned = await deploy(autostack, project)
    assert cloned.state == "ready", cloned.error_message
    sent = [header for line, header in standin.authorizations[before:] if ".git/" in line]
    assert sent and not any(token in header for _, header in standin.authorizations[before:])
    [issued] = standin.installation_tokens
    assert standin.installation_tokens[issued] == {"octocat/site"}
    assert standin.sent(issued) and all(".git/" in line for line in standin.sent(issued))

    admin = await add_user(await personal_team(owner), "admin@example.com", Role.ADMIN)
    async with client_for(autostack, await token_for(admin)) as http:
        moved = await http.patch("/api/v1/projects/site",
                                 json={"git_url": f"{standin.url}/{secret}.git"})
    assert moved.status_code == 200, moved.text
    asked = len(standin.requests)
    refused = await deploy(autostack, await Project.get(name="site"))
    assert "reconnect the repository" in (refused.error_message or "")
    assert not any("access_tokens" in line for line in standin.requests[asked:])
    assert set(standin.installation_tokens.values()) == {frozenset({"octocat/site"})}

    again = await api.post("/api/v1/projects/site/github/connect", json={"repo": secret})
    assert again.status_code == 200, again.text
    assert (await deploy(autostack, await Project.get(name="site"))).state == "ready"
    assert frozenset({"octocat/secret"}) in standin.installation_tokens.values()


async def test_a_member_deploying_another_url_gets_no_credential(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, standin: StandIn, tmp_path: Path
) -> None:
    """The deployments API takes any git URL from a member: only the connected one is
    cloned with the connecting user's token."""
    token, secret = await connected_site(api, owner, standin, tmp_path)
    member = await add_user(await personal_team(owner), "member@example.com", Role.MEMBER)
    async with client_for(autostack, await token_for(member)) as http:
        created = await http.post("/api/v1/projects/site/deployments", json={
            "git": {"url": f"{standin.url}/{secret}.git", "ref": "main"}})
    assert created.status_code == 201, created.text
    before = len(standin.authorizations)
    await run_deployment(autostack, created.json()["id"])
    refused = await Deployment.get(id=created.json()["id"])
    assert refused.state == "error" and refused.commit_sha is None
    assert "reconnect the repository" in (refused.error_message or "")
    assert not any(token in header for _, header in standin.authorizations[before:])
