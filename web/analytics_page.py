"""The Analytics tab: ``/projects/{name}/analytics?range=24h[&deployment=<id>]``.

The same figures as ``/api/v1/projects/{name}/analytics``
(:func:`autostack_core.services.analytics.analytics_json`), for anyone in the
project's team: totals, a chart of requests and visitors and one of bandwidth
over the range (uPlot, drawn by ``static/analytics.js`` from the page's JSON;
the tables below hold the same numbers without JavaScript), status classes,
latency percentiles, top paths and referrers, web vitals per page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import Deployment, User
from autostack_core.services.analytics import RANGES, analytics_json, deployment_of_project
from autostack_web.access import page, project_access
from autostack_web.rendering import render

DEPLOYMENTS_LISTED = 20


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    deployment = request.query_params.get("deployment") or None
    if deployment is not None and not await deployment_of_project(project, deployment):
        raise NotFound("deployment", "deployment")
    data = await analytics_json(project, request.query_params.get("range"), deployment)
    choices = (
        await Deployment.filter(project=project, deleted_at__isnull=True)
        .order_by("-created_at")
        .limit(DEPLOYMENTS_LISTED)
        .values_list("id", flat=True)
    )
    return await render(
        request,
        "analytics.html",
        {
            "project": project,
            "role": role,
            "data": data,
            "ranges": list(RANGES),
            "deployments": choices,
            "deployment": deployment,
        },
    )


routes: list[BaseRoute] = [
    Route("/projects/{name}/analytics", page(show), methods=["GET"]),
]
