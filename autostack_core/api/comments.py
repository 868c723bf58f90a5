"""Comments on a deployment (``/api/v1/deployments/{id}/comments``) and who is looking at a
project or deployment (``.../presence``, live as ``.../presence/events``).

Every member of the project's team reads; members and up comment (see
:mod:`autostack_core.services.comments` for who may edit, delete and resolve).
A presence stream counts its reader as a viewer while it is open and sends
``presence`` events (the viewers' list), ``notifications`` events (``{unread}``,
the reader's unread notifications) and, for a deployment, ``comments`` events
(``{count}``) when its comments change; a page re-reads what it shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import BaseModel, ConfigDict
from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import deployment_for
from autostack_core.api.deps import autostack_of, current_user, path_id, project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, Project, Role, User
from autostack_core.services import comments, inbox, presence
from autostack_core.services.access import team_role

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

POLL_SECONDS = 5.0
"""How often a presence stream re-reads without an announcement (viewers expire)."""


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str


class CommentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str | None = None
    resolved: bool | None = None


SCHEMAS: dict[str, Any] = {
    "Comment": {
        "type": "object", "description": "What comments.as_json() writes.",
        "required": ["id", "deployment", "author", "body", "mentions", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "deployment": {"type": "string"},
            "author": {"type": ["object", "null"]}, "body": {"type": "string"},
            "mentions": {"type": "array", "items": {"type": "integer"}},
            "created_at": {"type": "string"}, "edited_at": {"type": ["string", "null"]},
            "resolved_at": {"type": ["string", "null"]},
            "resolved_by": {"type": ["integer", "null"]}},
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


async def _deployment(request: Request) -> tuple[Deployment, Project, User, Role]:
    deployment, project = await deployment_for(request, request.path_params["id"])
    user = current_user(request)
    role = await team_role(project.team, user)
    assert role is not None  # deployment_for answered 404 to non-members
    return deployment, project, user, role


async def list_comments(request: Request) -> Response:
    """A deployment's comments, oldest first (viewer and up).
    ---
    summary: List a deployment's comments
    tags: [comments]
    """
    deployment, *_ = await _deployment(request)
    rows = await comments.listed(deployment)
    return JSONResponse({"comments": [comments.as_json(row, row.author) for row in rows]})


async def create_comment(request: Request) -> Response:
    """Comment on a deployment (member and up); mentioned members are notified.
    ---
    summary: Comment on a deployment
    tags: [comments]
    body: CommentCreate
    responses:
      201: {description: "{comment}: the comment made"}
      403: {description: viewers read comments but cannot write them}
    """
    deployment, project, user, role = await _deployment(request)
    body = await read_body(request, CommentCreate)
    comment = await comments.create(autostack_of(request), deployment, project, user, role,
                                    body.body)
    return JSONResponse({"comment": comments.as_json(comment, user)}, status_code=201)


async def change_comment(request: Request) -> Response:
    """Edit your comment's ``body``, or set ``resolved`` (member and up).
    ---
    summary: Edit or resolve a comment
    tags: [comments]
    body: CommentChange
    """
    deployment, project, user, role = await _deployment(request)
    change = await read_body(request, CommentChange)
    if change.body is None and change.resolved is None:
        raise ApiError(422, "body: send a new body, resolved, or both", "body")
    comment = await comments.get(deployment, path_id(request, "comment", "comment_id"))
    app = autostack_of(request)
    if change.body is not None:
        comment = await comments.edit(app, comment, deployment, project, user, role,
                                      change.body)
    if change.resolved is not None:
        comment = await comments.resolve(app, comment, deployment, project, user, role,
                                         change.resolved)
    return JSONResponse({"comment": comments.as_json(comment, comment.author)})


async def delete_comment(request: Request) -> Response:
    """Delete your comment (admins and owners: anyone's).
    ---
    summary: Delete a comment
    tags: [comments]
    responses:
      204: {description: deleted}
      403: {description: someone else's comment, and you are not an admin}
    """
    deployment, project, user, role = await _deployment(request)
    comment = await comments.get(deployment, path_id(request, "comment", "comment_id"))
    await comments.delete(autostack_of(request), comment, deployment, project, user, role)
    return Response(status_code=204)


async def _target(request: Request) -> tuple[str, Deployment | None]:
    if "id" in request.path_params:
        deployment, _ = await deployment_for(request, request.path_params["id"])
        return presence.deployment_target(deployment.id), deployment
    project = await project_for(request, request.path_params["name"])
    return presence.project_target(project.name), None


async def list_viewers(request: Request) -> Response:
    """Who is looking at this project or deployment now (viewer and up).
    ---
    summary: Who is viewing a project or deployment
    tags: [comments]
    """
    target, _ = await _target(request)
    return JSONResponse({"viewers": [viewer.as_json()
                                     for viewer in await presence.viewers(target)]})


async def live(app: AutoStack, user: User, target: str,
               deployment: Deployment | None) -> AsyncIterator[dict[str, str]]:
    """Count ``user`` as a viewer of ``target`` while the stream is open; send ``presence``
    when the viewers change, ``notifications`` when the user's unread count does, and
    ``comments`` when the deployment's comments do."""
    last_beat = await presence.beat(user, target)
    beaten = time.monotonic()
    await presence.announce(app, target)
    viewers: list[dict[str, object]] | None = None
    unread: int | None = None
    signature = None if deployment is None else await comments.signature(deployment.id)
    try:
        async for _ in app.events.changes(presence.channel(target), poll_seconds=POLL_SECONDS):
            if time.monotonic() - beaten >= presence.BEAT_SECONDS:
                last_beat, beaten = await presence.beat(user, target), time.monotonic()
            now = [viewer.as_json() for viewer in await presence.viewers(target)]
            if now != viewers:
                viewers = now
                yield {"event": "presence", "data": json.dumps({"viewers": now})}
            count = await inbox.unread(user)
            if count != unread:
                unread = count
                yield {"event": "notifications", "data": json.dumps({"unread": count})}
            if deployment is not None:
                current = await comments.signature(deployment.id)
                if current != signature:
                    signature = current
                    yield {"event": "comments", "data": json.dumps({"count": len(current)})}
    finally:
        # The stream ends cancelled when the page closes: shielded, the leave still runs.
        with anyio.CancelScope(shield=True):
            await presence.leave(user, target, last_beat)
            await presence.announce(app, target)


async def presence_events(request: Request) -> Response:
    """Server-Sent Events: ``presence`` (the viewers), ``notifications`` (your unread count)
    and, for a deployment, ``comments``.
    ---
    summary: Be present on a project or deployment and follow it live (SSE)
    tags: [comments]
    """
    target, deployment = await _target(request)
    stream = live(autostack_of(request), current_user(request), target, deployment)
    return EventSourceResponse(stream, ping=15)


routes: list[BaseRoute] = [
    Route("/api/v1/deployments/{id}/comments", list_comments, methods=["GET"]),
    Route("/api/v1/deployments/{id}/comments", create_comment, methods=["POST"]),
    Route("/api/v1/deployments/{id}/comments/{comment_id:int}", change_comment,
          methods=["PATCH"]),
    Route("/api/v1/deployments/{id}/comments/{comment_id:int}", delete_comment,
          methods=["DELETE"]),
    Route("/api/v1/deployments/{id}/presence", list_viewers, methods=["GET"]),
    Route("/api/v1/deployments/{id}/presence/events", presence_events, methods=["GET"]),
    Route("/api/v1/projects/{name}/presence", list_viewers, methods=["GET"]),
    Route("/api/v1/projects/{name}/presence/events", presence_events, methods=["GET"]),
]
