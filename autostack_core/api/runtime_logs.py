"""Runtime logs of a deployment's processes: the last lines as JSON, or followed live (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import autostack_of, deployment_for
from autostack_core.errors import ApiError
from autostack_plugins.providers.local.runtime_logs import follow_logs, read_logs

MAX_LINES = 10_000


async def runtime_logs(request: Request) -> Response:
    """The last ``limit`` lines (default 1000) of every replica and the supervisor.
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
    deployment, _ = await deployment_for(request, request.path_params["id"])
    try:
        limit = min(max(int(request.query_params.get("limit", "1000")), 1), MAX_LINES)
    except ValueError as error:
        raise ApiError(422, "limit: must be a number between 1 and 10000", "limit") from error
    folder = autostack_of(request).settings.path("logs", "runtime", deployment.id)
    lines = await asyncio.to_thread(read_logs, folder, limit)
    return JSONResponse({"deployment": deployment.id, "lines": lines})


async def runtime_log_events(request: Request) -> Response:
    """Server-Sent Events: one ``log`` event per new runtime log line, until the client leaves.
    ---
    summary: Follow the runtime logs of a deployment (SSE)
    tags: [deployments]
    """
    deployment, _ = await deployment_for(request, request.path_params["id"])
    folder = autostack_of(request).settings.path("logs", "runtime", deployment.id)

    async def stream() -> AsyncIterator[dict[str, str]]:
        async for record in follow_logs(folder):
            yield {"event": "log", "data": json.dumps(record)}

    return EventSourceResponse(stream(), ping=15)


routes: list[BaseRoute] = [
    Route("/api/v1/deployments/{id}/runtime-logs", runtime_logs, methods=["GET"]),
    Route("/api/v1/deployments/{id}/runtime-logs/events", runtime_log_events, methods=["GET"]),
]
