"""Presence: who is looking at a project or deployment, kept in the database so every
worker sees it, expired without a beat, announced live on the target's stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from autostack_core.api.comments import POLL_SECONDS, live
from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Presence, Project, Role, User
from autostack_core.services import comments, deployments, presence
from tests.conftest import fast_plugins
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]


async def next_of(stream: AsyncIterator[dict[str, str]], kind: str,
                  timeout: float = 3) -> Any:
    """The data of the stream's next ``kind`` event (other kinds skipped)."""
    while True:
        event = await asyncio.wait_for(anext(stream), timeout)
        if event["event"] == kind:
            return json.loads(event["data"])


def test_initials() -> None:
    assert presence.initials("Ada Lovelace") == "AL"
    assert presence.initials("ada.lovelace") == "AL"
    assert presence.initials("bob") == "B"


async def test_a_viewer_expires_without_a_beat_and_leaves_at_once(
    autostack: AutoStack, owner: User
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = await presence.beat(owner, "project:site", now=start)
    assert [v.id for v in await presence.viewers("project:site", now=start)] == [owner.id]
    later = start + timedelta(seconds=presence.EXPIRE_SECONDS - 1)
    assert len(await presence.viewers("project:site", now=later)) == 1
    gone = start + timedelta(seconds=presence.EXPIRE_SECONDS + 1)
    assert await presence.viewers("project:site", now=gone) == []
    await presence.beat(owner, "deployment:abc", now=gone)
    # The next beat, of any page, drops the stale row.
    assert [row.target for row in await Presence.all()] == ["deployment:abc"]
    await Presence.all().delete()
    # A second tab that beat since keeps the user on the page when the first one closes.
    await presence.beat(owner, "project:site", now=start)
    second = await presence.beat(owner, "project:site", now=start + timedelta(seconds=5))
    await presence.leave(owner, "project:site", first)
    assert await Presence.filter(seen_at=second).count() == 1
    await presence.leave(owner, "project:site", second)
    assert await Presence.all().count() == 0


async def test_the_stream_shows_arrivals_departures_and_comment_changes(
    autostack: AutoStack, owner: User
) -> None:
    team = await personal_team(owner)
    mel = await add_user(team, "mel@example.com", Role.MEMBER)
    project = await Project.create(name="site", team=team, user=owner)
    deployment = await deployments.create_deployment(autostack, project, source_type="upload")
    target = presence.deployment_target(deployment.id)
    mine = live(autostack, owner, target, deployment)
    first = await next_of(mine, "presence")
    assert [viewer["id"] for viewer in first["viewers"]] == [owner.id]
    assert await next_of(mine, "notifications") == {"unread": 0}
    theirs = live(autostack, mel, target, deployment)
    await asyncio.wait_for(anext(theirs), 3)
    arrived = await next_of(mine, "presence")
    assert [(v["id"], v["initials"]) for v in arrived["viewers"]] == [
        (owner.id, "O"), (mel.id, "M")]
    waiting = asyncio.ensure_future(anext(mine))
    await asyncio.sleep(0.05)
    await comments.create(autostack, deployment, project, mel, Role.MEMBER, "hello @owner")
    first_change = await asyncio.wait_for(waiting, 3)
    second_change = await asyncio.wait_for(anext(mine), 3)
    assert {event["event"]: json.loads(event["data"]) for event in (
        first_change, second_change)} == {"comments": {"count": 1},
                                          "notifications": {"unread": 1}}  # the mention
    await theirs.aclose()
    left = await next_of(mine, "presence")
    assert [viewer["id"] for viewer in left["viewers"]] == [owner.id]
    await mine.aclose()
    assert await Presence.all().count() == 0


async def test_presence_is_for_team_members_only(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    deployment = await deployments.create_deployment(autostack, project, source_type="upload")
    await presence.beat(owner, presence.project_target("site"))
    listed = (await api.get("/api/v1/projects/site/presence")).json()["viewers"]
    assert [viewer["name"] for viewer in listed] == ["Olivia"]
    assert (await api.get(f"/api/v1/deployments/{deployment.id}/presence")).json() == {
        "viewers": []}
    stranger = await User.create(email="sam@example.com")
    async with client_for(autostack, await token_for(stranger)) as http:
        assert (await http.get("/api/v1/projects/site/presence")).status_code == 404
        assert (await http.get("/api/v1/projects/site/presence/events")).status_code == 404
        assert (await http.get(
            f"/api/v1/deployments/{deployment.id}/presence/events")).status_code == 404


async def test_two_workers_see_the_same_viewers(
    autostack: AutoStack, settings: Settings, owner: User
) -> None:
    """A second AutoStack on the same database (and Redis, when the tests have one), as a
    second worker: a viewer whose stream it serves shows on the first worker's stream.
    Without Redis the first worker's stream finds it by its poll instead of at once."""
    team = await personal_team(owner)
    mel = await add_user(team, "mel@example.com", Role.MEMBER)
    await Project.create(name="site", team=team, user=owner)
    other = AutoStack(settings, plugins=fast_plugins())
    await other.startup()
    try:
        target = presence.project_target("site")
        mine = live(autostack, owner, target, None)
        assert [v["id"] for v in (await next_of(mine, "presence"))["viewers"]] == [owner.id]
        theirs = live(other, mel, target, None)
        await asyncio.wait_for(anext(theirs), 3)
        arrived = await next_of(mine, "presence", POLL_SECONDS + 3)
        assert [v["id"] for v in arrived["viewers"]] == [owner.id, mel.id]
        await theirs.aclose()
        await mine.aclose()
    finally:
        await other.shutdown()
