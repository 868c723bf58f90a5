"""Runtime logs of a deployment's processes: the last lines as JSON, or followed live (SSE)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import deployment_for
from autostack_core.api.deps import autostack_of
from autostack_core.errors import ApiError
from autostack_core.services import releases
from autostack_core.services.runtime_logs import MAX_LINES, last_lines, line_json


async def runtime_logs(request: Request) -> Response:
    """The last ``limit`` lines (default 1000) of every replica and the supervisor, as the
    deployment's runtime gives them.
    ---
    summary: Runtime logs of a deployment
    tags: [deployments]
    parameters:
      - name: limit
        in: query
        description: lines per replica; at most 10000 (more is read as 10000)
        schema: {type: integer, default: 1000}
    responses:
      200: {description: "{deployment, lines: [...]}"}
    """
    deployment, project = await deployment_for(request, request.path_params["id"])
    try:
        limit = min(max(int(request.query_params.get("limit", "1000")), 1), MAX_LINES)
    except ValueError as error:
        raise ApiError(422, "limit: must be a number between 1 and 10000", "limit") from error
    lines = await last_lines(autostack_of(request), project, deployment, limit)
    return JSONResponse({"deployment": deployment.id,
                         "lines": [line_json(line) for line in lines]})


async def runtime_log_events(request: Request) -> Response:
    """Server-Sent Events: one ``log`` event per new runtime log line, until the client leaves.
    ---
    summary: Follow the runtime logs of a deployment (SSE)
    tags: [deployments]
    """
    deployment, project = await deployment_for(request, request.path_params["id"])
    lines = releases.logs(autostack_of(request), project, deployment, since=datetime.now(UTC),
                          follow=True)

    async def stream() -> AsyncIterator[dict[str, str]]:
        async for line in lines:
            yield {"event": "log", "data": json.dumps(line_json(line))}

    return EventSourceResponse(stream(), ping=15)


routes: list[BaseRoute] = [
    Route("/api/v1/deployments/{id}/runtime-logs", runtime_logs, methods=["GET"]),
    Route("/api/v1/deployments/{id}/runtime-logs/events", runtime_log_events, methods=["GET"]),
]
