"""A project's traffic at the edge: skew protection (``/skew-protection``) and split
testing (``/split``).

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
from autostack_core.services import skew, splits


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deployment: str = Field(description="a ready deployment of the project")
    weight: int = Field(description="its share of production traffic, in percent")


class SplitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    variants: list[Variant] = Field(description="2 to 10 variants whose weights add up to 100")


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


async def get_split(request: Request) -> Response:
    """The project's split test, with each variant's requests and errors since it started.
    ---
    summary: Get a project's split test
    tags: [projects]
    responses:
      200: {description: "{split: {control, started_at, hostnames, variants} or null}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"split": await splits.split_json(request.app.state.autostack,
                                                          project)})


async def update_split(request: Request) -> Response:
    """Split production traffic between deployments by weight (admin); saved, then applied.
    ---
    summary: Start or re-weight a project's split test
    tags: [projects]
    body: SplitChange
    responses:
      200: {description: "{split}"}
      409: {description: the project has no production deployment}
      422: {description: "bad variants: count, weights (sum 100), deployment not ready"}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, SplitChange)
    app = request.app.state.autostack
    await splits.start(app, current_user(request), project,
                       [(variant.deployment, variant.weight) for variant in body.variants],
                       client_ip(request))
    return JSONResponse({"split": await splits.split_json(app, project)})


async def end_split(request: Request) -> Response:
    """End the split test (admin): production traffic goes to production again.
    ---
    summary: End a project's split test
    tags: [projects]
    responses:
      200: {description: "{split: null}"}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    await splits.end(request.app.state.autostack, current_user(request), project,
                     client_ip(request))
    return JSONResponse({"split": None})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/skew-protection", get_skew, methods=["GET"]),
    Route("/api/v1/projects/{name}/skew-protection", update_skew, methods=["PUT"]),
    Route("/api/v1/projects/{name}/split", get_split, methods=["GET"]),
    Route("/api/v1/projects/{name}/split", update_split, methods=["PUT"]),
    Route("/api/v1/projects/{name}/split", end_split, methods=["DELETE"]),
]
