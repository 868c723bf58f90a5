"""The webhook secret and status endpoints, and repository URL matching."""

from __future__ import annotations

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.git.git_triggers import normalize_repository_url
from autostack_core.infrastructure.models import Project, Role, User
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.webhook_payloads import body_of, fixture, gitea_headers, post_webhook

__all__ = ["api", "owner"]


@pytest.mark.parametrize("url", [
    "https://github.com/Owner/Repo.git",
    "https://user:pw@github.com/owner/repo/",
    "git@github.com:owner/repo.git",
    "ssh://git@github.com:22/owner/repo.git",
    "git://github.com/owner/repo",
])
def test_repository_urls_normalize_alike(url: str) -> None:
    assert normalize_repository_url(url) == "github.com/owner/repo"


async def test_setting_a_secret_returns_it_once_and_stores_it_sealed(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await api.post("/api/v1/projects", json={
        "name": "hooks", "git_url": "http://localhost:3000/gitea/webhooks.git"})
    response = await api.post("/api/v1/projects/hooks/webhook-secret")
    assert response.status_code == 200, response.text
    secret = response.json()["secret"]
    assert response.json()["urls"]["gitea"].endswith("/api/v1/webhooks/gitea")
    project = await Project.get(name="hooks")
    assert project.webhook_secret == secret
    assert secret not in (project.webhook_secret_sealed or "")
    status = await api.get("/api/v1/projects/hooks/webhook")
    assert status.json()["secret_set"] is True
    assert "secret" not in status.json()

    body = body_of(fixture("gitea-push.json"))
    async with client_for(autostack) as anonymous:
        sent = await post_webhook(anonymous, "gitea", body, gitea_headers("push", body, secret))
    assert sent.status_code == 200, sent.text
    [delivery] = (await api.get("/api/v1/projects/hooks/webhook")).json()["deliveries"]
    assert delivery["result"] == "deployed"
    assert delivery["provider"] == "gitea"

    rotated = await api.post("/api/v1/projects/hooks/webhook-secret",
                             json={"secret": "a-secret-pasted-from-the-host"})
    assert rotated.json()["secret"] == "a-secret-pasted-from-the-host"
    async with client_for(autostack) as anonymous:
        old = await post_webhook(anonymous, "gitea", body, gitea_headers("push", body, secret))
    assert old.status_code == 401


async def test_only_admins_set_the_secret(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    await api.post("/api/v1/projects", json={"name": "hooks"})
    member = await add_user(await personal_team(owner), "m@example.com", Role.MEMBER)
    async with client_for(autostack, await token_for(member)) as http:
        response = await http.post("/api/v1/projects/hooks/webhook-secret")
    assert response.status_code == 403
