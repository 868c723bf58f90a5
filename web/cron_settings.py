"""Crons in the dashboard: ``/projects/{name}/crons``, linked from the settings page.

The same service as ``/api/v1/projects/{name}/crons``
(:mod:`autostack_core.services.crons`; the requests themselves are the crons
plugin's): anyone in the team sees production's crons and the latest runs
(time, path, status code, duration, error); admins turn the project's crons
off and on and run one now. Without the crons plugin the page is a 404.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import Project, Role, User
from autostack_core.services import crons
from autostack_web.access import page, project_access
from autostack_web.rendering import form_text, host_of, render


async def crons_page(request: Request, project: Project, role: Role, status_code: int = 200,
                     **context: Any) -> Response:
    """The crons page; ``context`` may add ``error`` and ``notice``."""
    app = host_of(request)
    if crons.RUN_TASK not in app.queue.jobs:
        raise NotFound("page")
    deployment = await crons.scheduled_deployment(app, project)
    values = {"project": project, "role": role, "deployment": deployment,
              "crons": [] if deployment is None else await crons.crons_of(deployment),
              "enabled": crons.crons_enabled(project), "runs": await crons.recent_runs(project),
              "error": None, "notice": None, **context}
    return await render(request, "crons.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await crons_page(request, project, role)


async def switch(request: Request, user: User) -> Response:
    """Turn the project's crons on or off (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        enabled = form_text(form, "enabled") == "on"
    await crons.set_enabled(project, enabled, user)
    return await crons_page(request, project, role,
                            notice=f"Crons are {'on' if enabled else 'off'}.")


async def run_now(request: Request, user: User) -> Response:
    """Run one of production's crons now (admin); the run shows below once answered."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        path = form_text(form, "path")
    try:
        run = await crons.start_run(host_of(request), project, path, user)
    except ApiError as error:
        return await crons_page(request, project, role, error.status, error=error)
    return await crons_page(request, project, role, 202,
                            notice=f"{run.path} is queued; reload to see its answer.")


routes: list[BaseRoute] = [
    Route("/projects/{name}/crons", page(show), methods=["GET"], include_in_schema=False),
    Route("/projects/{name}/crons/enabled", page(switch), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/crons/run", page(run_now), methods=["POST"],
          include_in_schema=False),
]
