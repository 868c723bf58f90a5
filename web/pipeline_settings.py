"""The pipeline editor on the project page and the approval button on a deployment page.

Plain forms (no script needed): admins add a test, lint or check step, move a step up
or down, remove one, and require an approval before production; every change goes
through :func:`autostack_core.services.pipelines.save`, so a list that cannot run is
refused with the project page showing the error and nothing stored. Members approve a
production deployment waiting for approval, as they promote.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Project, Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import pipelines
from autostack_web.access import deployment_access, page, project_access
from autostack_web.projects import project_page
from autostack_web.rendering import form_text, host_of


async def _edited(request: Request, user: User, project: Project, role: Role,
                  raw: Any) -> Response:
    try:
        await pipelines.save(project, raw, user, client_ip(request))
    except ApiError as error:
        return await project_page(request, project, role, error)
    return RedirectResponse(f"/projects/{project.name}#pipeline", status_code=303)


async def edit(request: Request, user: User) -> Response:
    """Add, move or remove a step, or switch the approval before production (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    steps, _ = pipelines.steps_of(project)
    params = request.query_params
    async with request.form() as form:
        fields = {key: form_text(form, key) for key in ("kind", "name", "command", "required")}
    try:
        match request.path_params["action"]:
            case "add":
                raw = pipelines.added(steps, fields["kind"], fields["name"], fields["command"])
            case "move":
                raw = pipelines.moved(steps, params.get("step", ""),
                                      -1 if params.get("by") == "-1" else 1)
            case "remove":
                raw = pipelines.removed(steps, params.get("step", ""))
            case "approval":
                raw = pipelines.with_approval(steps, fields["required"] == "on")
            case _:
                raise ApiError(404, "no such pipeline change", field="action")
    except ApiError as error:
        return await project_page(request, project, role, error)
    return await _edited(request, user, project, role, raw)


async def approve(request: Request, user: User) -> Response:
    """Approve a production deployment waiting for approval: it is promoted (member)."""
    deployment, project, _ = await deployment_access(user, request.path_params["id"],
                                                     Role.MEMBER)
    await pipelines.approve(host_of(request), user, project, deployment, client_ip(request))
    return RedirectResponse(f"/deployments/{deployment.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/projects/{name}/pipeline/{action}", page(edit), methods=["POST"],
          include_in_schema=False),
    Route("/deployments/{id}/approve", page(approve), methods=["POST"], include_in_schema=False),
]
