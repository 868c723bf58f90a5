"""Smart rollback: ``GET /api/v1/projects/{name}/rollback/suggestions``.

The earlier ready production deployments, best first, each with what it measured
and why (:mod:`autostack_core.services.rollback_advice`). Anyone in the project's
team reads them (viewer and up); moving production stays ``POST .../rollback``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, project_for
from autostack_core.infrastructure.models import Role
from autostack_core.services import deployments
from autostack_core.services.rollback_advice import MIN_REQUESTS, suggestions


async def rollback_suggestions(request: Request) -> Response:
    """The deployments production could roll back to, ranked by their 5xx share then p95
    while they served; those with too few requests to judge come last.
    ---
    summary: Suggest a deployment to roll back to
    tags: [deployments]
    responses:
      200: {description: "{current, min_requests, suggestions: [{deployment, requests,
                          status_5xx, error_rate, p95_ms, judged, reason, ...}]}"}
      404: {description: no such project}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    current = await deployments.production_deployment(app, project)
    ranked = await suggestions(project, current)
    return JSONResponse(
        {
            "current": current and current.id,
            "min_requests": MIN_REQUESTS,
            "suggestions": [suggestion.as_json() for suggestion in ranked],
        }
    )


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/rollback/suggestions", rollback_suggestions, methods=["GET"]),
]
