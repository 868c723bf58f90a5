"""A project's traffic at the edge: skew protection (``/skew-protection``).

Viewers read; admins change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.infrastructure.models import Role
from autostack_core.security.auth import client_ip
from autostack_core.services import skew


class SkewChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int = Field(description="how long a previous deployment answers requests pinned "
                                     "to it after a deploy; 0 turns skew protection off")


async def get_skew(request: Request) -> Response:
    """The project's skew protection window.
    ---
    summary: Get a project's skew protection
    tags: [projects]
    responses:
      200: {description: "{skew_protection: {enabled, seconds, default_seconds}}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"skew_protection": skew.skew_json(project)})


async def update_skew(request: Request) -> Response:
    """Change the window (admin); the edge applies it to every alias of the project.
    ---
    summary: Change a project's skew protection
    tags: [projects]
    body: SkewChange
    responses:
      200: {description: "{skew_protection, hostnames: how many aliases got the window}"}
      409: {description: the edge cannot pin requests to a deployment}
      422: {description: seconds out of range (0 to 30 days)}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, SkewChange)
    applied = await skew.change(request.app.state.autostack, current_user(request), project,
                                body.seconds, client_ip(request))
    return JSONResponse({"skew_protection": skew.skew_json(project), "hostnames": applied})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/skew-protection", get_skew, methods=["GET"]),
    Route("/api/v1/projects/{name}/skew-protection", update_skew, methods=["PUT"]),
]
