"""The deployment page's comments and presence through the ASGI app: post, the Markdown
rendered without HTML injection, a refused comment at its field, edit, resolve, delete,
and what a viewer may do."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentComment,
    Project,
    Role,
    User,
    UserNotification,
)
from autostack_core.services import deployments
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import log_in, signed_in

__all__ = ["owner", "signed_in"]

HOSTILE = "**ship it** @mel <script>alert(1)</script> [x](javascript:alert(1)) ![p](http://e.test/p.png)"


async def make_deployment(autostack: AutoStack, owner: User) -> Deployment:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    return await deployments.create_deployment(autostack, project, source_type="upload")


async def test_a_comment_is_posted_rendered_safely_and_mentions_notify(
    autostack: AutoStack, owner: User, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, token = signed_in
    deployment = await make_deployment(autostack, owner)
    mel = await add_user(await personal_team(owner), "mel@example.com", Role.MEMBER)
    page = await http.get(f"/deployments/{deployment.id}")
    assert 'data-presence="/api/v1/deployments/' in page.text
    assert "No comments yet." in page.text
    posted = await http.post(f"/deployments/{deployment.id}/comments",
                             data={"csrf_token": token, "body": HOSTILE})
    assert posted.status_code == 303
    comment = await DeploymentComment.get()
    assert posted.headers["location"] == f"/deployments/{deployment.id}#comment-{comment.id}"
    page = await http.get(f"/deployments/{deployment.id}")
    assert "<strong>ship it</strong>" in page.text
    assert '<span class="mention">@mel</span>' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert 'href="javascript:' not in page.text
    assert "<img" not in page.text
    assert [note.user_id for note in await UserNotification.all()] == [  # type: ignore[attr-defined]
        mel.id]


async def test_a_refused_comment_is_shown_at_its_field_and_nothing_is_stored(
    autostack: AutoStack, owner: User, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, token = signed_in
    deployment = await make_deployment(autostack, owner)
    too_long = "y" * 5001
    refused = await http.post(f"/deployments/{deployment.id}/comments",
                              data={"csrf_token": token, "body": too_long})
    assert refused.status_code == 422
    assert 'id="e-body">body: at most 5000 characters' in refused.text
    assert too_long in refused.text  # what was typed is kept
    empty = await http.post(f"/deployments/{deployment.id}/comments",
                            data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 422 and "cannot be empty" in empty.text
    assert await DeploymentComment.all().count() == 0


async def test_edit_resolve_reopen_delete(
    autostack: AutoStack, owner: User, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, token = signed_in
    deployment = await make_deployment(autostack, owner)
    await http.post(f"/deployments/{deployment.id}/comments",
                    data={"csrf_token": token, "body": "frist"})
    comment = await DeploymentComment.get()
    base = f"/deployments/{deployment.id}/comments/{comment.id}"
    await http.post(f"{base}/edit", data={"csrf_token": token, "body": "first"})
    await http.post(f"{base}/resolve", data={"csrf_token": token, "resolved": "on"})
    page = await http.get(f"/deployments/{deployment.id}")
    assert "first" in page.text and "· edited" in page.text and "Resolved" in page.text
    assert "Reopen" in page.text
    await http.post(f"{base}/resolve", data={"csrf_token": token})
    assert (await DeploymentComment.get()).resolved_at is None
    assert (await http.post(f"{base}/nonsense", data={"csrf_token": token})).status_code == 404
    assert (await http.post(f"{base}/delete", data={"csrf_token": token})).status_code == 303
    assert await DeploymentComment.all().count() == 0


async def test_a_viewer_reads_but_has_no_forms(autostack: AutoStack, owner: User) -> None:
    deployment = await make_deployment(autostack, owner)
    viewer = await add_user(await personal_team(owner), "vera@example.com", Role.VIEWER)
    await DeploymentComment.create(deployment=deployment, author=owner, body="hello _team_")
    async with client_for(autostack) as http:
        token = await log_in(http, viewer.email)
        page = await http.get(f"/deployments/{deployment.id}")
        assert "<em>team</em>" in page.text
        assert 'action="/deployments/' + deployment.id + '/comments"' not in page.text
        assert "Viewers read comments" in page.text
        refused = await http.post(f"/deployments/{deployment.id}/comments",
                                  data={"csrf_token": token, "body": "hi"})
        assert refused.status_code == 403
    assert await DeploymentComment.all().count() == 1


async def test_the_mentioned_member_finds_it_on_the_notifications_page(
    autostack: AutoStack, owner: User, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, token = signed_in
    deployment = await make_deployment(autostack, owner)
    mel = await add_user(await personal_team(owner), "mel@example.com", Role.MEMBER)
    await http.post(f"/deployments/{deployment.id}/comments",
                    data={"csrf_token": token, "body": "@mel can you <i>look</i>?"})
    comment = await DeploymentComment.get()
    async with client_for(autostack) as mine:
        mel_token = await log_in(mine, mel.email)
        page = await mine.get("/notifications")
        assert "Olivia mentioned you on site" in page.text
        assert "&lt;i&gt;look&lt;/i&gt;" in page.text  # the excerpt is text, escaped
        assert f'href="/deployments/{deployment.id}#comment-{comment.id}"' in page.text
        assert "1 unread." in page.text
        await mine.post("/notifications/read", data={"csrf_token": mel_token})
        page = await mine.get("/notifications")
        assert "unread." not in page.text and "Mark all read" not in page.text
    # The author, not mentioned, has nothing.
    assert "Nothing yet." in (await http.get("/notifications")).text
