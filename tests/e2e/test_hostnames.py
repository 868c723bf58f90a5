"""A hostname stays with its project, through the real server, git remote and Caddy edge.

Team A's branch preview ``alpha-git-feature`` is served for team A whatever
team B names its projects, in both orders (preview first, or name first).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, git
from tests.e2e.test_deploy import deploy, wait_for_final

pytestmark = pytest.mark.e2e


def push_branch(server: Server, project: str, site: Path, branch: str, text: str) -> dict:
    """Push ``branch`` with a page saying ``text`` to ``project``'s built-in remote."""
    repo = site.parent / f"{project}-{branch}"
    subprocess.run(["cp", "-r", str(site), str(repo)], check=True)
    (repo / "index.html").write_text(f"<h1>{text}</h1>\n")
    git("init", "--initial-branch", branch, cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-m", text, cwd=repo)
    remote = f"http://dev%40example.com:{server.token}@127.0.0.1:{server.port}/git/{project}.git"
    git("push", remote, branch, cwd=repo)
    with server.api() as api:
        deployment = api.get(f"/api/v1/deployments/{wait_for_final(api, project)['id']}").json()
    assert deployment["state"] == "ready", deployment["error"]
    return dict(deployment)


def sign_up(server: Server, email: str) -> str:
    """Another user, in their own team; returns their API token."""
    response = httpx.post(f"{server.url}/api/v1/auth/signup", json={
        "email": email, "password": "correct horse battery", "token_name": "cli"}, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def test_another_team_cannot_take_a_branch_preview(server: Server, site: Path) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "alpha"}).status_code == 201
    push_branch(server, "alpha", site, "feature", "team A preview")
    assert "team A preview" in server.edge_get("alpha-git-feature.localhost").text

    team_b = sign_up(server, "mallory@example.com")
    taken = httpx.post(f"{server.url}/api/v1/projects", json={"name": "alpha-git-feature"},
                       headers={"Authorization": f"Bearer {team_b}"}, timeout=30)
    assert taken.status_code == 422 and taken.json()["error"]["field"] == "name", taken.text
    # Team B deploying to that name (the CLI creates the project on first deploy) fails too.
    a_token, server.token = server.token, team_b
    (site / "index.html").write_text("<h1>team B</h1>\n")
    refused = server.cli("deploy", str(site), "--prod", "--project", "alpha-git-feature",
                         "--json", check=False)
    server.token = a_token
    assert refused.returncode != 0
    assert "team A preview" in server.edge_get("alpha-git-feature.localhost").text


def test_a_branch_preview_never_lands_on_another_teams_project(server: Server,
                                                               site: Path) -> None:
    team_b = sign_up(server, "bob@example.com")
    a_token, server.token = server.token, team_b
    (site / "index.html").write_text("<h1>team B production</h1>\n")
    assert deploy(server, site, "--prod", "--project", "beta-git-feature")["state"] == "ready"
    server.token = a_token

    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "beta"}).status_code == 201
    preview = push_branch(server, "beta", site, "feature", "team A preview")
    branch_alias = next(host for host in (httpx.URL(url).host for url in preview["aliases"])
                        if "-git-feature" in host)
    assert branch_alias.startswith("beta-git-feature-") and branch_alias.endswith(".localhost")
    assert "team A preview" in server.edge_get(branch_alias).text
    assert "team B production" in server.edge_get("beta-git-feature.localhost").text
