"""A project's health score: ``GET /api/v1/projects/{name}/health``.

The score (0-100) with each measured component, its weight and why, and the
score per day for the last 30 days (:mod:`autostack_core.services.health_score`).
Anyone in the project's team reads it (viewer and up).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import project_for
from autostack_core.infrastructure.models import Role
from autostack_core.services.health_score import health


async def project_health(request: Request) -> Response:
    """The project's health score, its components (weight, share after dropping those
    without enough data, sub-score, reason) and its daily history.
    ---
    summary: Get a project's health score
    tags: [projects]
    responses:
      200: {description: "{score, components: [{name, weight, share, score, reason}],
                          dropped, weights, history: [{day, score}]}"}
      404: {description: no such project}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(await health(project))


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/health", project_health, methods=["GET"]),
]
