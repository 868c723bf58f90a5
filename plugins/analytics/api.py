"""A project's analytics (``/api/v1/projects/{name}/analytics``), and one deployment's.

Mounted by :mod:`autostack_plugins.analytics.plugin` through ``register_routes``;
access is checked with the core's public :mod:`autostack_core.api.deps`:
every member of the project's team reads (viewer and up).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import project_for
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models.enums import Role
from autostack_core.services.analytics import analytics_json, deployment_of_project


async def project_analytics(request: Request) -> Response:
    """Requests, bandwidth, status classes, latency percentiles, visitors, top paths,
    referrers and countries and web vitals of the project over ``range`` (1h, 24h, 7d,
    30d, 90d).
    ---
    summary: Get a project's analytics
    tags: [analytics]
    parameters:
      - {name: range, in: query, schema: {type: string, enum: [1h, 24h, 7d, 30d, 90d]}}
      - {name: deployment, in: query, schema: {type: string},
         description: "only this deployment's requests"}
    responses:
      200: {description: "{range, period, start, end, totals, series, top_paths, top_referrers,
                          top_countries, web_vitals}"}
      404: {description: no such project (or deployment of it)}
      422: {description: an unknown range}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    deployment = request.query_params.get("deployment")
    if deployment is not None and not await deployment_of_project(project, deployment):
        raise NotFound("deployment", "deployment")
    return JSONResponse(
        await analytics_json(project, request.query_params.get("range"), deployment)
    )


async def deployment_analytics(request: Request) -> Response:
    """The same figures for one deployment of the project.
    ---
    summary: Get a deployment's analytics
    tags: [analytics]
    parameters:
      - {name: range, in: query, schema: {type: string, enum: [1h, 24h, 7d, 30d, 90d]}}
    responses:
      200: {description: "{range, period, start, end, deployment, totals, series, ...}"}
      404: {description: no such project or deployment}
      422: {description: an unknown range}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    deployment = request.path_params["id"]
    if not await deployment_of_project(project, deployment):
        raise NotFound("deployment", "id")
    return JSONResponse(
        await analytics_json(project, request.query_params.get("range"), deployment)
    )


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/analytics", project_analytics, methods=["GET"]),
    Route(
        "/api/v1/projects/{name}/deployments/{id}/analytics", deployment_analytics, methods=["GET"]
    ),
]
