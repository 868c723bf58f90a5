"""A project's runtime logs, filtered: the lines (JSON, NDJSON or text), the errors grouped
by message, and the live lines (SSE), as the dashboard's Logs page shows them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, project_for
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, Project
from autostack_core.services import project_logs
from autostack_core.services.log_search import LogFilter, line_record, ndjson, text
from autostack_core.services.runtime_logs import MAX_LINES

FORMATS = {"json", "ndjson", "text"}

QUERY = """
    parameters:
      - name: deployment
        in: query
        description: a deployment id of the project (default the production deployment)
        schema: {type: string}
      - name: replica
        in: query
        description: only this replica (server-0, supervisor)
        schema: {type: string}
      - {name: level, in: query, schema: {type: string, enum: [error, warning, info]}}
      - name: q
        in: query
        description: text the line contains (case-insensitive)
        schema: {type: string}
      - name: since
        in: query
        description: ISO 8601 time or a duration ago (15m, 2h, 7d)
        schema: {type: string}
      - name: until
        in: query
        description: ISO 8601 time or a duration ago
        schema: {type: string}
"""


async def target(request: Request) -> tuple[Project, Deployment | None, LogFilter]:
    project = await project_for(request, request.path_params["name"])
    wanted = LogFilter.from_query(dict(request.query_params))
    deployment = await project_logs.deployment_of(
        autostack_of(request), project, request.query_params.get("deployment")
    )
    return project, deployment, wanted


def limit_of(request: Request) -> int:
    try:
        return min(max(int(request.query_params.get("limit", "1000")), 1), MAX_LINES)
    except ValueError as error:
        raise ApiError(422, "limit: must be a number between 1 and 10000", "limit") from error


async def project_log_lines(request: Request) -> Response:
    """The last ``limit`` runtime log lines that the filters keep, each with its level;
    ``format=ndjson`` or ``format=text`` gives them as a file to download.
    ---
    summary: Search a project's runtime logs
    tags: [projects]
    responses:
      200:
        description: "{deployment, replicas, lines: [{timestamp, source, stream, level, line}]}"
      404: {description: no such project, or no such deployment in it}
      422: {description: a filter is malformed (the field is named)}
    """
    fmt = request.query_params.get("format", "json")
    if fmt not in FORMATS:
        raise ApiError(422, "format: must be json, ndjson or text", "format")
    limit = limit_of(request)
    project, deployment, wanted = await target(request)
    if deployment is None:
        view = project_logs.LogView([], [], [])
    else:
        view = await project_logs.search(autostack_of(request), project, deployment, wanted, limit)
    if fmt == "json":
        return JSONResponse(
            {
                "deployment": deployment.id if deployment else None,
                "replicas": view.replicas,
                "lines": [line_record(line) for line in view.lines],
            }
        )
    name = f"{project.name}-{deployment.id if deployment else 'none'}-logs"
    if fmt == "ndjson":
        return Response(
            ndjson(view.lines),
            media_type="application/x-ndjson",
            headers={"content-disposition": f'attachment; filename="{name}.ndjson"'},
        )
    return PlainTextResponse(
        text(view.lines), headers={"content-disposition": f'attachment; filename="{name}.txt"'}
    )


async def project_log_errors(request: Request) -> Response:
    """The error lines that the filters keep, grouped by message once numbers and ids are
    placeholders, the most frequent first.
    ---
    summary: A project's runtime errors grouped by message
    tags: [projects]
    responses:
      200:
        description: "{deployment, errors: [{message, example, count, first_seen, last_seen,
          replicas}]}"
      404: {description: no such project, or no such deployment in it}
      422: {description: a filter is malformed (the field is named)}
    """
    project, deployment, wanted = await target(request)
    if deployment is None:
        return JSONResponse({"deployment": None, "errors": []})
    view = await project_logs.search(autostack_of(request), project, deployment, wanted, 1)
    return JSONResponse(
        {"deployment": deployment.id, "errors": [group.json() for group in view.errors]}
    )


async def project_log_events(request: Request) -> Response:
    """Server-Sent Events: one ``log`` event per new runtime log line the filters keep,
    until the client leaves (or ``until`` passes).
    ---
    summary: Follow a project's runtime logs (SSE)
    tags: [projects]
    responses:
      200: {description: "text/event-stream of log events"}
      404: {description: no such project, or no such deployment in it}
      409: {description: the project has no ready deployment}
      422: {description: a filter is malformed (the field is named)}
    """
    project, deployment, wanted = await target(request)
    if deployment is None:
        raise ApiError(
            409, "deployment: the project has no ready deployment to follow", "deployment"
        )
    lines = project_logs.follow(autostack_of(request), project, deployment, wanted)

    async def stream() -> AsyncIterator[dict[str, str]]:
        async for line in lines:
            yield {"event": "log", "data": json.dumps(line_record(line))}

    return EventSourceResponse(stream(), ping=15)


# The three share their filters: their OpenAPI parameters are written once, here.
for _handler in (project_log_lines, project_log_errors, project_log_events):
    _handler.__doc__ = (_handler.__doc__ or "").replace(
        "    responses:", QUERY.strip("\n") + "\n    responses:", 1
    )

routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/logs", project_log_lines, methods=["GET"]),
    Route("/api/v1/projects/{name}/logs/errors", project_log_errors, methods=["GET"]),
    Route("/api/v1/projects/{name}/logs/events", project_log_events, methods=["GET"]),
]
