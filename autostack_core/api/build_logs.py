"""A deployment's build log: its lines (JSON or a text file) and the live stream (SSE).

``autostack logs`` and the deployment page read these; the running app's own
output is :mod:`autostack_core.api.runtime_logs`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import deployment_for
from autostack_core.api.deps import autostack_of
from autostack_core.build.buildlog import DONE_STEP, deployment_channel
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Deployment, DeploymentLog, DeploymentState

FINAL_GRACE_SECONDS = 1.0
"""How long the stream waits for a deployment's last lines once it is final."""


async def deployment_logs(request: Request) -> Response:
    """Build log lines (JSON, after ``since``), or the whole log as text (``?format=text``).
    ---
    summary: Build logs of a deployment
    tags: [deployments]
    """
    deployment, _ = await deployment_for(request, request.path_params["id"])
    try:
        since = int(request.query_params.get("since", "0"))
    except ValueError as error:
        raise ApiError(422, "since: must be a log line id", "since") from error
    lines = await DeploymentLog.filter(deployment_id=deployment.id, id__gt=since).order_by("id")
    if request.query_params.get("format") == "text":
        text = "".join(f"{line.timestamp.isoformat()} [{line.step}] {line.line}\n"
                       for line in lines)
        return PlainTextResponse(text, headers={
            "Content-Disposition": f'attachment; filename="{deployment.id}-build.log"'})
    return JSONResponse({"state": deployment.state, "lines": [log_json(line) for line in lines]})


def log_json(line: DeploymentLog) -> dict[str, Any]:
    return {"id": line.id, "timestamp": line.timestamp.isoformat(), "step": line.step,
            "stream": line.stream, "line": line.line}


async def deployment_events(request: Request) -> Response:
    """Server-Sent Events: ``log`` lines and ``state`` changes live, ``end`` when final.

    Resumes after the ``Last-Event-ID`` header (a log line id).
    ---
    summary: Follow a deployment live (SSE)
    tags: [deployments]
    """
    deployment, _ = await deployment_for(request, request.path_params["id"])
    app = autostack_of(request)
    try:
        last_id = int(request.headers.get("last-event-id") or 0)
    except ValueError:
        last_id = 0

    async def stream() -> AsyncIterator[dict[str, str]]:
        nonlocal last_id
        state = None
        final_seen_at: float | None = None
        loop = asyncio.get_running_loop()
        async for _ in app.events.changes(deployment_channel(deployment.id), poll_seconds=0.5):
            lines = await DeploymentLog.filter(
                deployment_id=deployment.id, id__gt=last_id).order_by("id").limit(2000)
            for line in lines:
                last_id = line.id
                yield {"event": "log", "id": str(line.id), "data": json.dumps(log_json(line))}
            fresh = await Deployment.get(id=deployment.id)
            if fresh.state != state:
                state = fresh.state
                yield {"event": "state", "data": json.dumps(
                    {"state": state, "error": fresh.error_message, "url": fresh.deployment_url})}
            # The pipeline's last line ends the stream at once; a deployment that ended
            # without a pipeline (canceled while queued, worker lost) after a short grace.
            pipeline_done = any(line.step == DONE_STEP for line in lines)
            if DeploymentState(fresh.state).is_final and not lines:
                final_seen_at = final_seen_at or loop.time()
            # A pipeline (worker_id set) still writes its last lines after the final state.
            grace = FINAL_GRACE_SECONDS * (5 if fresh.worker_id else 1)
            grace_over = final_seen_at is not None and loop.time() - final_seen_at >= grace
            if pipeline_done or grace_over:
                yield {"event": "end", "data": json.dumps({"state": state})}
                return

    return EventSourceResponse(stream(), ping=15)


routes: list[BaseRoute] = [
    Route("/api/v1/deployments/{id}/events", deployment_events, methods=["GET"]),
    Route("/api/v1/deployments/{id}/logs", deployment_logs, methods=["GET"]),
]
