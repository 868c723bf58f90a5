"""A project's log drains (``/api/v1/projects/{name}/drains``): list (members), add,
change and remove (admins). Header values are write-only: answers name the headers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, project_for, read_body
from autostack_core.infrastructure.models.enums import Role
from autostack_core.services import log_drains


class NewDrain(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="unique in the project")
    kind: Literal["ndjson", "otlp"] = Field(
        default="ndjson", description="ndjson: POST of JSON lines; otlp: OTLP/HTTP protobuf"
    )
    url: str = Field(min_length=1, max_length=2000, description="https://, a public address")
    sources: list[Literal["build", "runtime", "edge"]] | None = Field(
        default=None, description="what is sent (default all three)"
    )
    headers: dict[str, str] | None = Field(
        default=None, description="request headers, sealed at rest"
    )


class DrainChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    sources: list[Literal["build", "runtime", "edge"]] | None = None
    headers: dict[str, str] | None = Field(default=None, description="replaces every header")
    enabled: bool | None = None


async def list_drains(request: Request) -> Response:
    """The project's drains with what they sent and dropped.
    ---
    summary: List a project's log drains
    tags: [projects]
    responses:
      200: {description: "{drains: [{name, kind, url, sources, headers, sent, dropped, ...}]}"}
    """
    project = await project_for(request, request.path_params["name"])
    drains = await log_drains.drains_of(project)
    return JSONResponse({"drains": [log_drains.drain_json(drain) for drain in drains]})


async def add_drain(request: Request) -> Response:
    """Add a drain (admin); the URL is checked before anything is saved.
    ---
    summary: Add a log drain
    tags: [projects]
    body: NewDrain
    responses:
      201: {description: "{drain}"}
      409: {description: the name is taken, or the project has 10 drains}
      422: {description: a field is invalid (named), e.g. a URL to a private address}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, NewDrain)
    drain = await log_drains.create(
        autostack_of(request).settings, current_user(request), project, body.model_dump()
    )
    return JSONResponse({"drain": log_drains.drain_json(drain)}, status_code=201)


async def change_drain(request: Request) -> Response:
    """Change a drain's URL, sources, headers, or turn it off and on (admin).
    ---
    summary: Change a log drain
    tags: [projects]
    body: DrainChange
    responses:
      200: {description: "{drain}"}
      404: {description: no such project or drain}
      422: {description: a field is invalid (named)}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    drain = await log_drains.drain_named(project, request.path_params["drain"])
    body = await read_body(request, DrainChange)
    changes = {
        key: value
        for key, value in body.model_dump(exclude_unset=True).items()
        if value is not None or key == "headers"
    }
    drain = await log_drains.update(
        autostack_of(request).settings, current_user(request), project, drain, changes
    )
    return JSONResponse({"drain": log_drains.drain_json(drain)})


async def remove_drain(request: Request) -> Response:
    """Remove a drain (admin).
    ---
    summary: Remove a log drain
    tags: [projects]
    responses:
      204: {description: removed}
      404: {description: no such project or drain}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    drain = await log_drains.drain_named(project, request.path_params["drain"])
    await log_drains.delete(current_user(request), project, drain)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/drains", list_drains, methods=["GET"]),
    Route("/api/v1/projects/{name}/drains", add_drain, methods=["POST"]),
    Route("/api/v1/projects/{name}/drains/{drain}", change_drain, methods=["PATCH"]),
    Route("/api/v1/projects/{name}/drains/{drain}", remove_drain, methods=["DELETE"]),
]
