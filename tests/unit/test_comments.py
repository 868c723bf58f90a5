"""Comments on deployments through the API: who may read and write, validation, edits,
resolving, deleting, and @mentions that notify the mentioned members only."""

from __future__ import annotations

import httpx
import pytest

from autostack_core import hookimpl
from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Deployment,
    DeploymentComment,
    Project,
    Role,
    User,
    UserNotification,
)
from autostack_core.interfaces import Event
from autostack_core.services import comments, deployments
from plugins.notifiers.email import build_message
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    async def notify(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture
def recorder(autostack: AutoStack) -> Recorder:
    recorder = Recorder()
    autostack.plugin_manager.register(recorder)
    return recorder


@pytest.fixture
async def deployment(autostack: AutoStack, owner: User) -> Deployment:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    return await deployments.create_deployment(autostack, project, source_type="upload")


async def client_as(autostack: AutoStack, user: User) -> httpx.AsyncClient:
    return client_for(autostack, await token_for(user))


def url(deployment: Deployment, suffix: str = "") -> str:
    return f"/api/v1/deployments/{deployment.id}/comments{suffix}"


async def test_a_comment_is_listed_with_its_author(
    api: httpx.AsyncClient, deployment: Deployment
) -> None:
    created = await api.post(url(deployment), json={"body": "  Looks **good** to me  "})
    assert created.status_code == 201, created.text
    comment = created.json()["comment"]
    assert comment["body"] == "Looks **good** to me"
    assert comment["author"]["email"] == "owner@example.com"
    listed = (await api.get(url(deployment))).json()["comments"]
    assert [row["id"] for row in listed] == [comment["id"]]
    assert await AuditEvent.filter(action="comment.created").count() == 1


@pytest.mark.parametrize(("body", "message"), [
    ("   ", "cannot be empty"), ("x" * (comments.MAX_BODY + 1), "at most 5000 characters")])
async def test_an_empty_or_too_long_comment_is_refused(
    api: httpx.AsyncClient, deployment: Deployment, body: str, message: str
) -> None:
    response = await api.post(url(deployment), json={"body": body})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body"
    assert message in response.json()["error"]["message"]
    assert await DeploymentComment.all().count() == 0


async def test_viewers_read_members_write_strangers_see_nothing(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, deployment: Deployment
) -> None:
    team = await personal_team(owner)
    viewer = await add_user(team, "vera@example.com", Role.VIEWER)
    member = await add_user(team, "mel@example.com", Role.MEMBER)
    stranger = await User.create(email="sam@example.com")
    await api.post(url(deployment), json={"body": "first"})
    async with await client_as(autostack, viewer) as http:
        assert len((await http.get(url(deployment))).json()["comments"]) == 1
        refused = await http.post(url(deployment), json={"body": "me too"})
        assert refused.status_code == 403
    async with await client_as(autostack, member) as http:
        assert (await http.post(url(deployment), json={"body": "me too"})).status_code == 201
    async with await client_as(autostack, stranger) as http:
        assert (await http.get(url(deployment))).status_code == 404
        assert (await http.post(url(deployment), json={"body": "hi"})).status_code == 404
    assert await DeploymentComment.all().count() == 2


async def test_only_the_author_edits_and_deletes_admins_delete_any(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, deployment: Deployment
) -> None:
    team = await personal_team(owner)
    member = await add_user(team, "mel@example.com", Role.MEMBER)
    other = await add_user(team, "otto@example.com", Role.MEMBER)
    async with await client_as(autostack, member) as http:
        comment = (await http.post(url(deployment), json={"body": "tpyo"})).json()["comment"]
        edited = await http.patch(url(deployment, f"/{comment['id']}"), json={"body": "typo"})
        assert edited.status_code == 200
        assert edited.json()["comment"]["body"] == "typo"
        assert edited.json()["comment"]["edited_at"] is not None
        nothing = await http.patch(url(deployment, f"/{comment['id']}"), json={})
        assert nothing.status_code == 422
    async with await client_as(autostack, other) as http:
        refused = await http.patch(url(deployment, f"/{comment['id']}"), json={"body": "mine"})
        assert refused.status_code == 403
        assert "author" in refused.json()["error"]["message"]
        assert (await http.delete(url(deployment, f"/{comment['id']}"))).status_code == 403
        resolved = await http.patch(url(deployment, f"/{comment['id']}"),
                                    json={"resolved": True})
        assert resolved.json()["comment"]["resolved_by"] == other.id
    assert (await DeploymentComment.get(id=comment["id"])).body == "typo"
    assert (await api.delete(url(deployment, f"/{comment['id']}"))).status_code == 204
    assert (await api.get(url(deployment, ""))).json()["comments"] == []
    assert (await api.delete(url(deployment, f"/{comment['id']}"))).status_code == 404


async def test_mentions_notify_the_mentioned_members_only(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, deployment: Deployment,
    recorder: Recorder,
) -> None:
    team = await personal_team(owner)
    ada = await add_user(team, "ada@example.com", Role.VIEWER)
    bob = await add_user(team, "bob@example.com", Role.MEMBER)
    await User.create(email="eve@example.com")  # not in the team: never notified
    body = "@ada please check; cc @eve and mail@ada (no mention) and @owner (myself)"
    created = await api.post(url(deployment), json={"body": body})
    assert created.json()["comment"]["mentions"] == [ada.id, owner.id]
    notes = await UserNotification.all()
    assert [(note.user_id, note.kind) for note in notes] == [  # type: ignore[attr-defined]
        (ada.id, "comment.mentioned")]
    comment_id = created.json()["comment"]["id"]
    assert notes[0].link == f"/deployments/{deployment.id}#comment-{comment_id}"
    assert "Olivia mentioned you on site" in notes[0].text
    [event] = [event for event in recorder.events if event.kind == "comment.mentioned"]
    assert event.data["mentioned"] == ["ada@example.com"]
    # The e-mail notifier writes to the mentioned members, not its configured list.
    message = build_message(event, {"to": "team@example.com"})
    assert message["To"] == "ada@example.com"
    assert "mentioned ada@example.com" in message["Subject"]
    # An edit notifies only the members it newly mentions.
    await api.patch(url(deployment, f"/{comment_id}"), json={"body": "@ADA and @bob@example.com"})
    assert [note.user_id for note in await UserNotification.all().order_by("id")] == [  # type: ignore[attr-defined]
        ada.id, bob.id]
    async with await client_as(autostack, ada) as http:
        inbox = (await http.get("/api/v1/notifications")).json()
        assert inbox["unread"] == 1
        assert (await http.post("/api/v1/notifications/read")).json() == {"marked": 1}
        assert (await http.get("/api/v1/notifications")).json()["unread"] == 0
