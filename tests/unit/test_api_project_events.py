"""Live lists: a project's and a team's deployment streams, and who may follow them."""

from __future__ import annotations

import asyncio
import json

import httpx

from autostack_core.api.project_events import changes
from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    Deployment,
    DeploymentState,
    Project,
    User,
)
from autostack_core.security import accounts
from autostack_core.services import deployments
from tests.eventually import eventually
from tests.fixtures_auth import PASSWORD, api, owner, personal_team
from tests.web_fixtures import Site, site

__all__ = ["api", "owner", "site"]


async def waiting_for_news(autostack: AutoStack, channel: str) -> None:
    """Until a stream on ``channel`` has read what it shows and waits for an announcement.

    A fixed pause lost the race on a loaded machine: the stream's first read came after
    the change, took it for the state it started from, and announced nothing. The bus
    has no public signal for "a subscriber waits", so this reads its waiting events.
    """
    def waiting() -> bool:
        return any(event._waiters for event in  # type: ignore[attr-defined]
                   autostack.events._waiters.get(channel, ()))

    await eventually(waiting, f"a stream waiting on {channel}")


async def test_a_new_deployment_and_its_state_changes_are_announced(
    autostack: AutoStack, owner: User
) -> None:
    team = await personal_team(owner)
    project = await Project.create(name="site", team=team)
    for channel, rows in ((deployments.project_channel("site"), Deployment.filter(project=project)),
                          (deployments.team_channel(team.id),
                           Deployment.filter(project__team_id=team.id))):
        stream = changes(autostack, channel, rows, Alias.filter(project=project))
        first = asyncio.ensure_future(anext(stream))
        await waiting_for_news(autostack, channel)  # the stream has read the list as it was
        created = await deployments.create_deployment(autostack, project, source_type="upload")
        event = json.loads((await asyncio.wait_for(first, 3))["data"])
        assert event == {"id": created.id, "project": "site", "state": "queued", "new": True}
        moved = asyncio.ensure_future(anext(stream))
        await deployments.transition(autostack, created, DeploymentState.CANCELED)
        event = json.loads((await asyncio.wait_for(moved, 3))["data"])
        assert (event["state"], event["new"]) == ("canceled", False)
        await stream.aclose()


async def test_production_moving_is_announced(autostack: AutoStack, site: Site) -> None:
    """A rollback changes no deployment's state; the pages showing production still hear of
    it, at once (the move wakes the stream), from the project's and the team's stream."""
    project = site.project
    for channel, aliases in ((deployments.project_channel("site"), Alias.filter(project=project)),
                             (deployments.team_channel(project.team_id),  # type: ignore[attr-defined]
                              Alias.filter(project__team_id=project.team_id))):  # type: ignore[attr-defined]
        stream = changes(autostack, channel, Deployment.filter(project=project), aliases)
        moved = asyncio.ensure_future(anext(stream))
        await waiting_for_news(autostack, channel)  # it has read where production points
        target = site.old if (await deployments.production_deployment(
            autostack, project)) == site.current else site.current
        await deployments.promote(autostack, project, target, rollback=True)
        event = await asyncio.wait_for(moved, 3)
        assert event["event"] == "alias"
        assert json.loads(event["data"]) == {"hostname": "site.localhost", "project": "site",
                                             "deployment": target.id}
        await stream.aclose()


async def test_only_members_may_follow(api: httpx.AsyncClient) -> None:
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    their_team = await personal_team(stranger)
    await Project.create(name="theirs", team=their_team)
    assert (await api.get("/api/v1/projects/theirs/events")).status_code == 404
    assert (await api.get(f"/api/v1/teams/{their_team.slug}/events")).status_code == 404
    assert (await api.get("/api/v1/teams/nope/events")).status_code == 404
