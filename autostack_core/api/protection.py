"""Deployment protection: a project's modes, password and bypass secret; a team's default.

Anyone in the team reads the settings (never a secret); admins change them.
The rules: :mod:`autostack_core.services.protection`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import ProtectionMode, Role, Team
from autostack_core.security.auth import client_ip
from autostack_core.services import protection
from autostack_core.services.access import require_team_role
from autostack_core.services.checks import fits
from autostack_core.services.protection import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH


class ProtectionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    production: ProtectionMode | None = Field(
        default=None, description="who may visit production hostnames: none, password, team")
    preview: ProtectionMode | None = Field(
        default=None, description="who may visit preview hostnames: none, password, team")
    password: str | None = Field(default=None, min_length=PASSWORD_MIN_LENGTH,
                                 max_length=PASSWORD_MAX_LENGTH,
                                 description="the new shared password (stored as a hash)")


class TeamProtectionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protect_previews: bool = Field(
        description="new projects start with team login on their previews")


async def team_of(request: Request, minimum: Role) -> Team:
    """The team of the path's ``slug`` if the user has ``minimum`` in it (404 for others)."""
    slug = request.path_params["slug"]
    team = await Team.get_or_none(slug=slug) if fits(Team, "slug", slug) else None
    if team is None:
        raise NotFound("team", "slug")
    await require_team_role(team, current_user(request), minimum)
    return team


async def get_protection(request: Request) -> Response:
    """A project's deployment protection.
    ---
    summary: Get a project's deployment protection
    tags: [projects]
    responses:
      200: {description: "{protection: {production, preview, password_set, bypass_set}}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"protection": protection.protection_json(project)})


async def update_protection(request: Request) -> Response:
    """Change the protection modes or the password (admin); applied at the edge at once.
    ---
    summary: Change a project's deployment protection
    tags: [projects]
    body: ProtectionChange
    responses:
      200: {description: "{protection, protected_hostnames}"}
      422: {description: a mode or password that is not valid, or password mode without one}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ProtectionChange)
    count = await protection.change(
        request.app.state.autostack, current_user(request), project, client_ip(request),
        production=body.production, preview=body.preview, password=body.password)
    return JSONResponse({"protection": protection.protection_json(project),
                         "protected_hostnames": count})


async def create_bypass(request: Request) -> Response:
    """A new bypass secret for automation (admin); the old one stops working.
    ---
    summary: Create a project's protection bypass secret
    tags: [projects]
    responses:
      201: {description: "{secret}, shown this once (the x-vercel-protection-bypass value)"}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    secret = await protection.new_bypass(current_user(request), project, client_ip(request))
    return JSONResponse({"secret": secret}, status_code=201)


async def delete_bypass(request: Request) -> Response:
    """Revoke the bypass secret (admin).
    ---
    summary: Revoke a project's protection bypass secret
    tags: [projects]
    responses:
      204: {description: revoked}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    await protection.remove_bypass(current_user(request), project, client_ip(request))
    return Response(status_code=204)


async def get_team_protection(request: Request) -> Response:
    """A team's protection default for new projects.
    ---
    summary: Get a team's deployment protection default
    tags: [teams]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{protect_previews}"}
    """
    team = await team_of(request, Role.VIEWER)
    return JSONResponse({"protect_previews": team.protect_previews})


async def update_team_protection(request: Request) -> Response:
    """Whether the team's new projects protect their previews with team login (admin).
    ---
    summary: Change a team's deployment protection default
    tags: [teams]
    body: TeamProtectionChange
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{protect_previews}"}
    """
    team = await team_of(request, Role.ADMIN)
    body = await read_body(request, TeamProtectionChange)
    await protection.set_team_default(current_user(request), team, body.protect_previews,
                                      client_ip(request))
    return JSONResponse({"protect_previews": team.protect_previews})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/protection", get_protection, methods=["GET"]),
    Route("/api/v1/projects/{name}/protection", update_protection, methods=["PUT"]),
    Route("/api/v1/projects/{name}/protection/bypass", create_bypass, methods=["POST"]),
    Route("/api/v1/projects/{name}/protection/bypass", delete_bypass, methods=["DELETE"]),
    Route("/api/v1/teams/{slug}/protection", get_team_protection, methods=["GET"]),
    Route("/api/v1/teams/{slug}/protection", update_team_protection, methods=["PUT"]),
]
