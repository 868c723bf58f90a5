"""A project's runtime: its scale policy (``/scale``), its cost estimate (``/cost``) and the
cost view with measured usage per day and month (``/usage``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.infrastructure.models import Role
from autostack_core.security.auth import client_ip
from autostack_core.services import scaling, usage
from autostack_core.services.releases import MAX_REPLICAS


class ScaleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale_to_zero: bool | None = Field(
        default=None, description="sleep when idle, production included (woken by a request)")
    replicas: int | None = Field(
        default=None, description="server replicas while awake (checked by the service)",
        json_schema_extra={"minimum": 1, "maximum": MAX_REPLICAS})


async def get_scale(request: Request) -> Response:
    """The project's scale policy.
    ---
    summary: Get a project's scale policy
    tags: [projects]
    responses:
      200: {description: "{scale: {scale_to_zero, replicas, min_replicas, max_replicas}}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"scale": scaling.scale_json(project)})


async def update_scale(request: Request) -> Response:
    """Change the scale policy (admin); the runtime applies it to every ready deployment.
    ---
    summary: Change a project's scale policy
    tags: [projects]
    body: ScaleChange
    responses:
      200: {description: "{scale, deployments: how many ready deployments got the policy}"}
      409: {description: the project's runtime is not installed}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ScaleChange)
    changes = {key: value for key, value in body.model_dump(exclude_unset=True).items()
               if value is not None}
    applied = await scaling.change_scale(request.app.state.autostack, current_user(request),
                                         project, changes, client_ip(request))
    return JSONResponse({"scale": scaling.scale_json(project), "deployments": applied})


async def get_cost(request: Request) -> Response:
    """What the project's runtime estimates running it costs (its production deployment).
    ---
    summary: Get a project's cost estimate
    tags: [projects]
    responses:
      200: {description: "{cost: {runtime, deployment, currency, hourly, monthly} or null}"}
      409: {description: the project's runtime is not installed}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"cost": await scaling.cost_json(request.app.state.autostack, project)})


async def get_usage(request: Request) -> Response:
    """The cost view: the runtime's estimate and what the project's deployments measured
    (CPU seconds, average and peak memory, hours running, those hours at the estimate's
    hourly price), per day (31 days) and per month (12), newest first; and per deployment
    its measured usage at its runtime's price table, with that table (``prices``).
    ---
    summary: Get a project's measured usage and cost
    tags: [projects]
    responses:
      200: {description: "{estimate (null without the project's runtime), sample_minutes,
        days: [...], months: [...], deployments: [{deployment, runtime, cpu_seconds,
        memory_gib_hours, hours, requests, cost (null without a price table)}],
        prices (null without a price table)}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(await usage.usage_json(request.app.state.autostack, project))


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/scale", get_scale, methods=["GET"]),
    Route("/api/v1/projects/{name}/scale", update_scale, methods=["PUT"]),
    Route("/api/v1/projects/{name}/cost", get_cost, methods=["GET"]),
    Route("/api/v1/projects/{name}/usage", get_usage, methods=["GET"]),
]
