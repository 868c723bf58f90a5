"""A project's crons (``/api/v1/projects/{name}/crons``): list, turn off and on, run, history.

Mounted by :mod:`autostack_plugins.crons.plugin` through ``register_routes``;
access is checked with the core's public :mod:`autostack_core.api.deps`:
members read, admins change the setting and start a run by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, project_for, read_body
from autostack_core.infrastructure.models.enums import Role
from autostack_core.services import crons

from .schedule import ScheduleError, parse

if TYPE_CHECKING:
    from autostack_core.infrastructure.models.crons import DeploymentCron


class ChangeCrons(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class RunCron(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, max_length=512)


def cron_json(cron: DeploymentCron, now: datetime) -> dict[str, Any]:
    try:
        upcoming = parse(cron.schedule).next_after(now)
    except ScheduleError:
        upcoming = None
    return {"path": cron.path, "schedule": cron.schedule,
            "next_run": None if upcoming is None else upcoming.isoformat()}


async def list_crons(request: Request) -> Response:
    """The production deployment's crons, with their next run, and whether crons are on.
    ---
    summary: List crons
    tags: [crons]
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    deployment = await crons.scheduled_deployment(app, project)
    rows = [] if deployment is None else await crons.crons_of(deployment)
    now = datetime.now(UTC)
    return JSONResponse({"enabled": crons.crons_enabled(project),
                         "deployment": None if deployment is None else deployment.id,
                         "crons": [cron_json(row, now) for row in rows]})


async def change_crons(request: Request) -> Response:
    """Turn the project's crons off or on (admin).
    ---
    summary: Turn crons off or on
    tags: [crons]
    body: ChangeCrons
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ChangeCrons)
    await crons.set_enabled(project, body.enabled, current_user(request))
    return JSONResponse({"enabled": body.enabled})


async def list_runs(request: Request) -> Response:
    """The project's latest cron runs, newest first: time, path, status code, duration, error.
    ---
    summary: List cron runs
    tags: [crons]
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    return JSONResponse({"runs": [crons.run_json(run)
                                  for run in await crons.recent_runs(project)]})


async def run_cron(request: Request) -> Response:
    """Run one of production's crons now (admin); the run is queued and shows in the history.
    ---
    summary: Run a cron now
    tags: [crons]
    body: RunCron
    responses:
      202: {description: The run, queued}
      404: {description: Production has no cron with this path}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, RunCron)
    run = await crons.start_run(app, project, body.path, current_user(request))
    return JSONResponse(crons.run_json(run), status_code=202)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/crons", list_crons, methods=["GET"]),
    Route("/api/v1/projects/{name}/crons", change_crons, methods=["PATCH"]),
    Route("/api/v1/projects/{name}/crons/runs", list_runs, methods=["GET"]),
    Route("/api/v1/projects/{name}/crons/runs", run_cron, methods=["POST"]),
]
