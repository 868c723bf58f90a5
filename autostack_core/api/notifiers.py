"""A project's notifiers (``/api/v1/projects/{name}/notifiers``): list, add, remove.

Members see them (secrets only as ``(set)``), admins change them. Secret
values are sealed before they are stored (:mod:`autostack_core.services.notifications`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import Project, Role
from autostack_core.interfaces import Notifier
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.security.outbound import Outbound, OutboundError
from autostack_core.services import notifications

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


class NotifierConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = Field(min_length=1, max_length=48)
    events: list[str] = Field(default_factory=lambda: list(notifications.DEFAULT_EVENTS))


def listing(project: Project) -> dict[str, Any]:
    stored = project.settings.get("notifiers") or []
    return {"notifiers": [{"index": index, **notifications.public_config(config)}
                          for index, config in enumerate(stored)]}


async def save(request: Request, project: Project, stored: list[dict[str, Any]],
               action: str) -> None:
    project.settings = {**project.settings, "notifiers": stored}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit(action, user=current_user(request), team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request))


async def check_destinations(app: AutoStack, notifier: Notifier,
                             config: dict[str, Any]) -> None:
    """422 naming the field whose URL the server must not connect to (loopback, private...)."""
    outbound = Outbound.from_settings(app.settings)
    for field, url in notifier.destinations(config).items():
        try:
            await outbound.check_url(url)
        except OutboundError as error:
            raise ApiError(422, f"{field}: {error}", field) from error


async def list_notifiers(request: Request) -> Response:
    """The project's notifiers, secrets hidden (member).
    ---
    summary: List notifiers
    tags: [notifiers]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    return JSONResponse(listing(project))


async def add_notifier(request: Request) -> Response:
    """Add a notifier (admin): ``{"type": "slack", "webhook_url": "...", "events": [...]}``.
    ---
    summary: Add a notifier
    tags: [notifiers]
    body: NotifierConfig
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      201: {description: "{notifiers: [...]}"}
      422: {description: "unknown notifier type, or a destination the server refuses to reach"}
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, NotifierConfig)
    if body.type not in app.notifiers:
        known = ", ".join(sorted(app.notifiers)) or "none installed"
        raise ApiError(422, f"type: choose one of {known}", "type")
    config = body.model_dump()
    await check_destinations(app, app.notifiers[body.type], config)
    stored = [*(project.settings.get("notifiers") or []), notifications.seal_config(config)]
    await save(request, project, stored, "project.notifier_added")
    return JSONResponse(listing(project), status_code=201)


async def remove_notifier(request: Request) -> Response:
    """Remove the notifier at ``index`` (admin).
    ---
    summary: Remove a notifier
    tags: [notifiers]
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: index, in: path, required: true, schema: {type: integer}}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    stored = list(project.settings.get("notifiers") or [])
    index = request.path_params["index"]
    if index >= len(stored):
        raise NotFound("notifier", "index")
    del stored[index]
    await save(request, project, stored, "project.notifier_removed")
    return JSONResponse(listing(project))


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/notifiers", list_notifiers, methods=["GET"]),
    Route("/api/v1/projects/{name}/notifiers", add_notifier, methods=["POST"]),
    Route("/api/v1/projects/{name}/notifiers/{index:int}", remove_notifier,
          methods=["DELETE"]),
]
