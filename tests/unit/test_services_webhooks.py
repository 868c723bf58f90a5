"""The webhook status the API and the dashboard both show (services.webhooks)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.git import git_triggers
from autostack_core.infrastructure.models import AuditEvent
from autostack_core.interfaces.git_host import GitHost, WebhookFormat
from autostack_core.plugins import get_plugin_manager
from autostack_core.security import accounts
from autostack_core.services.webhooks import RECENT_DELIVERIES, webhook_info
from tests.conftest import started
from tests.fixtures_auth import PASSWORD
from tests.webhook_payloads import git_project

FORGE = WebhookFormat(name="forge", signature_headers=("x-forge-signature",),
                      delivery_headers=(), verify=lambda headers, body, secret: False,
                      parse=lambda headers, payload: [])


class ForgePlugin:
    """A third-party git host, registered as any plugin would be."""

    @hookimpl
    def register_git_hosts(self, settings: Settings) -> list[GitHost]:
        return [FORGE]


@pytest.fixture
async def with_forge(settings: Settings) -> AsyncIterator[AutoStack]:
    loaded = get_plugin_manager(load_entry_points=False)
    loaded.manager.register(ForgePlugin(), name="forge")
    async with started(settings, loaded) as app:
        yield app


async def test_the_urls_are_those_of_every_registered_git_host(with_forge: AutoStack) -> None:
    owner = await accounts.create_user("owner@example.com", PASSWORD, "Olivia")
    project = await git_project(owner, "site", "https://forge.example/o/site.git", secret=None)
    info = await webhook_info(with_forge, project)
    base = with_forge.settings.server_url.rstrip("/")
    assert info["urls"]["forge"] == f"{base}/api/v1/webhooks/forge"
    assert {"github", "gitlab", "bitbucket", "gitea", "forge"} == set(info["urls"])
    assert info["secret_set"] is False
    assert info["repository"] == "https://forge.example/o/site.git"


async def test_only_the_last_deliveries_are_listed_newest_first(with_forge: AutoStack) -> None:
    owner = await accounts.create_user("owner@example.com", PASSWORD, "Olivia")
    project = await git_project(owner, "site", "https://forge.example/o/site.git")
    for number in range(RECENT_DELIVERIES + 3):
        await AuditEvent.create(team_id=project.team_id,  # type: ignore[attr-defined]
                                action=git_triggers.AUDIT_ACTION, target_type="project",
                                target_id=str(project.id), data={"delivery_id": str(number)})
    info = await webhook_info(with_forge, project)
    listed = [delivery["delivery_id"] for delivery in info["deliveries"]]
    assert listed == [str(number) for number in range(RECENT_DELIVERIES + 2, 2, -1)]
    assert info["secret_set"] is True and all("received_at" in d for d in info["deliveries"])
