"""Deployment protection on the settings and team pages.

The same service as ``/api/v1/projects/{name}/protection`` and
``/api/v1/teams/{slug}/protection`` (:mod:`autostack_core.services.protection`):
anyone in the team sees the modes, admins change them, set the password, and
create (shown once) or revoke the bypass secret; team admins choose whether
new projects protect their previews.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import protection
from autostack_web.access import page, project_access, team_access
from autostack_web.project_settings import settings_page
from autostack_web.rendering import form_text, host_of
from autostack_web.teams import team_page


async def save(request: Request, user: User) -> Response:
    """Save the modes and, when one is typed, a new password (admin); applied at the edge."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        production = form_text(form, "protection_production")
        preview = form_text(form, "protection_preview")
        password = form_text(form, "password") or None
    values = {"protection_production": production, "protection_preview": preview}
    try:
        count = await protection.change(host_of(request), user, project, client_ip(request),
                                        production=production, preview=preview,
                                        password=password)
    except ApiError as error:
        await project.refresh_from_db()
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    noun = "hostname is" if count == 1 else "hostnames are"
    return await settings_page(request, project, role,
                               notice=f"Protection saved; {count} {noun} protected now.")


async def create_bypass(request: Request, user: User) -> Response:
    """A new bypass secret (admin), shown on the page this once."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    secret = await protection.new_bypass(user, project, client_ip(request))
    return await settings_page(request, project, role, bypass_secret=secret,
                               notice="New bypass secret created; the previous one no longer "
                                      "works. Copy it now: it is not shown again.")


async def remove_bypass(request: Request, user: User) -> Response:
    """Revoke the bypass secret (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    await protection.remove_bypass(user, project, client_ip(request))
    return await settings_page(request, project, role, notice="Bypass secret revoked.")


async def team_default(request: Request, user: User) -> Response:
    """Whether the team's new projects protect their previews with team login (admin)."""
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    async with request.form() as form:
        protect_previews = form.get("protect_previews") == "on"
    await protection.set_team_default(user, team, protect_previews, client_ip(request))
    notice = ("New projects protect their previews with team login." if protect_previews
              else "New projects start with public previews.")
    return await team_page(request, team, role, notice=notice)


routes: list[BaseRoute] = [
    Route("/projects/{name}/settings/protection", page(save), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/settings/protection/bypass", page(create_bypass),
          methods=["POST"], include_in_schema=False),
    Route("/projects/{name}/settings/protection/bypass/delete", page(remove_bypass),
          methods=["POST"], include_in_schema=False),
    Route("/teams/{slug}/protection", page(team_default), methods=["POST"],
          include_in_schema=False),
]
