"""The project's Logs page: runtime logs and errors grouped by message (Vercel's Runtime
Logs and Errors tabs).

The filters are a GET form (replica, level, text, since, until, deployment), so a page is
a link; the download links and the live stream are the logs API with the same query
(``/api/v1/projects/{name}/logs[/events]``). The page is complete as served;
``static/logs.js`` follows the live stream and appends each new line the filters keep.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import User
from autostack_core.services import project_logs
from autostack_core.services.log_search import LEVELS, LogFilter, level_of
from autostack_web.access import page, project_access
from autostack_web.rendering import host_of, render

LINES = 500
"""Lines a page shows when served (the download reads up to the API's limit)."""

FIELDS = ("deployment", "replica", "level", "q", "since", "until")
VIEWS = ("runtime", "errors")


async def logs_page(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    host = host_of(request)
    values = {name: request.query_params.get(name, "").strip() for name in FIELDS}
    view = request.query_params.get("view", "runtime")
    view = view if view in VIEWS else "runtime"
    context: dict[str, Any] = {
        "project": project,
        "role": role,
        "values": values,
        "view": view,
        "levels": LEVELS,
        "error": None,
        "deployment": None,
        "lines": [],
        "errors": [],
        "replicas": [],
        "choices": await project_logs.ready_deployments(project),
        "level_of": level_of,
        "query": "",
        "filters": urlencode({key: value for key, value in values.items() if value}),
    }
    try:
        wanted = LogFilter.from_query(values)
        deployment = await project_logs.deployment_of(host, project, values["deployment"])
    except ApiError as error:
        context["error"] = error
        return await render(request, "logs.html", context, status_code=error.status)
    context["deployment"] = deployment
    if deployment is not None:
        found = await project_logs.search(host, project, deployment, wanted, LINES)
        context.update(lines=found.lines, errors=found.errors, replicas=found.replicas)
        context["query"] = urlencode({"deployment": deployment.id, **wanted.query()})
    return await render(request, "logs.html", context)


routes: list[BaseRoute] = [
    Route("/projects/{name}/logs", page(logs_page), methods=["GET"], include_in_schema=False),
]
