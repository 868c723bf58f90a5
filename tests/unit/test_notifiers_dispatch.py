"""Per-project notifiers: configured through the API with sealed secrets, delivered in the
background with the event's URLs, and never able to fail a deployment."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import DeploymentState, Project
from autostack_core.services import deployments, notifications
from tests.fixtures_auth import api, owner
from tests.http_standin import standin

__all__ = ["api", "owner"]


async def make_project(api: httpx.AsyncClient) -> Project:
    response = await api.post("/api/v1/projects", json={"name": "site"})
    assert response.status_code == 201, response.text
    return await Project.get(name="site")


async def test_secrets_are_sealed_and_never_shown(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/site/notifiers", json={
        "type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "hush-hush"})
    assert response.status_code == 201, response.text
    [listed] = response.json()["notifiers"]
    assert listed["secret"] == "(set)"
    assert listed["url"] == "http://127.0.0.1:9/hook"
    stored = (await Project.get(name="site")).settings["notifiers"][0]
    assert "hush-hush" not in json.dumps(stored)
    assert notifications.open_config(stored)["secret"] == "hush-hush"
    removed = await api.delete("/api/v1/projects/site/notifiers/0")
    assert removed.json() == {"notifiers": []}
    assert (await api.delete("/api/v1/projects/site/notifiers/0")).status_code == 404


async def test_unknown_notifier_types_are_422(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/site/notifiers", json={"type": "pager"})
    assert response.status_code == 422
    assert "slack" in response.json()["error"]["message"]


async def test_events_reach_the_configured_notifiers_with_their_urls(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    project = await make_project(api)
    with standin(lambda request: (200, None)) as remote:
        await api.post("/api/v1/projects/site/notifiers", json={
            "type": "webhook", "url": remote.url, "events": ["deployment.created"]})
        deployment = await deployments.create_deployment(
            autostack, project, source_type="git", git_url="https://example.com/a.git",
            branch="feature/x", pull_request=4)
        await notifications.drain()
    [request] = remote.requests
    body = request.json()
    assert body["type"] == "deployment.created"
    assert body["deployment"] == deployment.id
    assert body["data"]["branch"] == "feature/x"
    assert body["data"]["pull_request_url"] == deployments.url_for(
        autostack, "site-pr-4.localhost")
    assert body["data"]["branch_url"] == deployments.url_for(
        autostack, "site-git-feature-x.localhost")


async def test_a_failing_notifier_never_fails_the_deployment(
    autostack: AutoStack, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01,))
    project = await make_project(api)
    with standin(lambda request: (500, None)) as broken, \
            standin(lambda request: (200, None)) as working:
        for url in (broken.url, "http://127.0.0.1:1/refused", working.url):
            await api.post("/api/v1/projects/site/notifiers", json={"type": "webhook",
                                                                    "url": url})
        deployment = await deployments.create_deployment(autostack, project,
                                                         source_type="upload")
        await notifications.drain()
    assert deployment.state == DeploymentState.QUEUED
    assert len(broken.requests) == 2  # the first try and one retry
    assert len(working.requests) == 1


async def test_a_notifier_added_during_a_build_gets_its_next_events(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    project = await make_project(api)
    with standin(lambda request: (200, None)) as remote:
        deployment = await deployments.create_deployment(autostack, project,
                                                         source_type="upload")
        assert await deployments.transition(autostack, deployment, DeploymentState.BUILDING)
        await api.post("/api/v1/projects/site/notifiers", json={"type": "webhook",
                                                                "url": remote.url})
        # The project the build holds was read before the notifier was added.
        assert await deployments.transition(autostack, deployment, DeploymentState.DEPLOYING)
        assert await deployments.transition(autostack, deployment, DeploymentState.READY)
        await notifications.drain()
    assert [request.json()["type"] for request in remote.requests] == ["deployment.ready"]


@pytest.mark.parametrize(("config", "field", "reason"), [
    ({"type": "webhook", "url": "http://127.0.0.1:6379/hook"}, "url", "Loopback"),
    ({"type": "webhook", "url": "http://localhost:8000/api"}, "url", "resolves to 127.0.0.1"),
    ({"type": "slack", "webhook_url": "http://169.254.169.254/latest/meta-data/"},
     "webhook_url", "Cloud metadata"),
    ({"type": "github", "token": "t", "api_url": "http://[::1]:8000"}, "api_url", "Loopback"),
    ({"type": "email", "host": "10.0.0.5", "to": "a@example.com"}, "host", "Private-Use"),
])
async def test_destinations_on_the_servers_own_network_are_refused(
    autostack: AutoStack, api: httpx.AsyncClient, config: dict[str, str], field: str,
    reason: str,
) -> None:
    autostack.settings = replace(autostack.settings, outbound_allow=())
    await make_project(api)
    response = await api.post("/api/v1/projects/site/notifiers", json=config)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ") and reason in error["message"]
    assert (await Project.get(name="site")).settings.get("notifiers") in (None, [])


@pytest.mark.parametrize(("config", "field", "message"), [
    ({"type": "webhook"}, "url", "url: use an https:// (or http://) URL"),
    ({"type": "webhook", "url": "ftp://example.com/hook"}, "url",
     "url: use an https:// (or http://) URL"),
    ({"type": "email", "to": "a@example.com"}, "host", "host: name a host"),
])
async def test_a_missing_destination_is_422(
    api: httpx.AsyncClient, config: dict[str, str], field: str, message: str
) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/site/notifiers", json=config)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {"code": "invalid", "message": message, "field": field}
