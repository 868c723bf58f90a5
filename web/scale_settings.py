"""Scaling on the settings page: the scale policy (scale to zero, replicas) and the cost.

The same service as ``GET/PUT /api/v1/projects/{name}/scale`` and
``GET /api/v1/projects/{name}/cost`` (:mod:`autostack_core.services.scaling`):
anyone in the team reads both, admins change the policy, which is audited and
applied to every ready deployment by the project's runtime.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import scaling
from autostack_web.access import page, project_access
from autostack_web.project_settings import settings_page
from autostack_web.rendering import form_text, host_of


async def save(request: Request, user: User) -> Response:
    """Save the scale policy (admin) and have the runtime apply it."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values = {"replicas": form_text(form, "replicas")}
        scale_to_zero = form.get("scale_to_zero") == "on"
    try:
        changes = {"scale_to_zero": scale_to_zero, "replicas": values["replicas"]}
        applied = await scaling.change_scale(host_of(request), user, project, changes,
                                             client_ip(request))
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    noun = "deployment" if applied == 1 else "deployments"
    return await settings_page(request, project, role,
                               notice=f"Scaling saved; applied to {applied} ready {noun}.")


routes: list[BaseRoute] = [
    Route("/projects/{name}/settings/scale", page(save), methods=["POST"],
          include_in_schema=False),
]
