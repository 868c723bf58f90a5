"""A project's uptime (``/api/v1/projects/{name}/uptime``): status, settings, incidents, checks.

Mounted by :mod:`autostack_plugins.uptime.plugin` through ``register_routes``;
access is checked with the core's public :mod:`autostack_core.api.deps`:
members read, admins change the settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.enums import Role
from autostack_core.services import uptime

from . import checker


class ChangeUptime(BaseModel):
    """Any of the settings; each is checked by the uptime service (422 naming the field)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    path: str | None = None
    interval: int | None = None
    timeout: int | None = None
    failures: int | None = None
    errors_percent: int | None = None
    errors_min: int | None = None
    errors_window: int | None = None


async def get_uptime(request: Request) -> Response:
    """The settings, each production hostname's status and last check, the uptime over 24
    hours and 30 days (percent of checks passed; null before any), and the incidents.
    ---
    summary: Get a project's uptime
    tags: [uptime]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(await uptime.summary(autostack_of(request), project))


async def change_uptime(request: Request) -> Response:
    """Change the uptime settings (admin): enabled, path, interval (60, 120, 300, 600, 900,
    1800 or 3600 s), timeout (s), failures (consecutive failed checks that open an
    incident), errors_percent, errors_min and errors_window (s) for 5xx spikes.
    ---
    summary: Change uptime settings
    tags: [uptime]
    body: ChangeUptime
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ChangeUptime)
    changed = await uptime.change_settings(
        project, body.model_dump(exclude_none=True), current_user(request)
    )
    return JSONResponse({"settings": uptime.settings_json(changed)})


async def list_incidents(request: Request) -> Response:
    """The project's incidents, newest first: hostname, kind (down or errors), start, end
    (null while open), cause, detail, checks failed.
    ---
    summary: List uptime incidents
    tags: [uptime]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(
        {
            "incidents": [
                uptime.incident_json(incident) for incident in await uptime.incidents(project)
            ]
        }
    )


async def list_checks(request: Request) -> Response:
    """The project's latest checks, newest first: hostname, slot, passed, status code,
    cause, error, duration.
    ---
    summary: List uptime checks
    tags: [uptime]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(
        {"checks": [uptime.check_json(check) for check in await uptime.recent_checks(project)]}
    )


async def run_checks(request: Request) -> Response:
    """Check every production URL now (admin), outside the schedule; the answers count
    towards incidents and alerts like scheduled checks. 409 while checks are off.
    ---
    summary: Check production now
    tags: [uptime]
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    if not uptime.settings_of(project).enabled:
        raise ApiError(409, "uptime checks are off for this project: turn them on first")
    ran = await checker.check_now(app, project)
    checks = await uptime.checks_by_id(ran)
    return JSONResponse({"checks": [uptime.check_json(check) for check in checks]})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/uptime", get_uptime, methods=["GET"]),
    Route("/api/v1/projects/{name}/uptime", change_uptime, methods=["PATCH"]),
    Route("/api/v1/projects/{name}/uptime/incidents", list_incidents, methods=["GET"]),
    Route("/api/v1/projects/{name}/uptime/checks", list_checks, methods=["GET"]),
    Route("/api/v1/projects/{name}/uptime/checks", run_checks, methods=["POST"]),
]
