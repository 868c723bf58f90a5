"""Teams, their members and invitations (``/api/v1/teams``, ``/api/v1/invitations``).

Viewers and members read; admins and owners manage members and invitations.
Only an owner grants the owner role or changes another owner; the team's
creator (``Team.owner``) cannot be removed or demoted, and a team never loses
its last owner.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from autostack_core.api import team_sso
from autostack_core.api.deps import current_user, path_id, read_body, team_for
from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import Invitation, Role, Team, TeamMember, User
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.services import quotas, team_files, teams
from autostack_core.services.access import require_team_role
from autostack_core.services.teams import check_grant, teams_json
from autostack_core.utils import slugify

SLUG_HELP = "use 1-48 lowercase letters, digits and dashes, not starting or ending with a dash"


_TEXT: dict[str, Any] = {"type": "string"}
_ROLE: dict[str, Any] = {"type": "string", "enum": [str(role) for role in Role]}


def _answer(name: str, shape: str) -> dict[str, Any]:
    """``{name: <shape>}``, the envelope every answer of this module has."""
    return {"type": "object", "required": [name],
            "properties": {name: {"$ref": f"#/components/schemas/{shape}"}}}


SCHEMAS: dict[str, Any] = {
    "Team": {
        "type": "object", "description": "What team_json() writes.",
        "required": ["id", "slug", "name", "is_personal", "created_at"],
        "properties": {"id": {"type": "integer"}, "slug": _TEXT, "name": _TEXT,
                       "is_personal": {"type": "boolean"}, "created_at": _TEXT, "role": _ROLE},
    },
    "Member": {
        "type": "object", "description": "What member_json() writes.",
        "required": ["user_id", "email", "name", "role", "joined_at"],
        "properties": {"user_id": {"type": "integer"}, "email": _TEXT, "name": _TEXT,
                       "role": _ROLE, "joined_at": _TEXT},
    },
    "Invitation": {
        "type": "object", "description": "What invitation_json() writes.",
        "required": ["id", "email", "role", "created_at"],
        "properties": {"id": {"type": "integer"}, "email": _TEXT, "role": _ROLE,
                       "created_at": _TEXT},
    },
    "TeamAnswer": _answer("team", "Team"),
    "MemberAnswer": _answer("member", "Member"),
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class TeamBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    slug: str | None = Field(default=None, max_length=48)


class TeamPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)


class MemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    role: Role = Role.MEMBER


class RoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


def team_json(team: Team, role: Role | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": team.id, "slug": team.slug, "name": team.name,
                            "is_personal": team.is_personal,
                            "created_at": team.created_at.isoformat()}
    if role is not None:
        body["role"] = str(role)
    return body


def member_json(member: TeamMember) -> dict[str, Any]:
    user: User = member.user
    return {"user_id": user.id, "email": user.email, "name": user.name,
            "role": str(member.role), "joined_at": member.joined_at.isoformat()}


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    return {"id": invitation.id, "email": invitation.email, "role": str(invitation.role),
            "created_at": invitation.created_at.isoformat()}


# -- teams ------------------------------------------------------------------------------


async def list_teams(request: Request) -> Response:
    """The teams the user belongs to, with their role.
    ---
    summary: List teams
    tags: [teams]
    responses:
      200: {description: "{teams: [{slug, name, role, is_personal}]}"}
    """
    return JSONResponse({"teams": await teams_json(current_user(request))})


async def create_team(request: Request) -> Response:
    """Create a team; the creator owns it.
    ---
    summary: Create a team
    tags: [teams]
    body: TeamBody
    responses:
      201: {description: "{team}", schema: TeamAnswer}
      409: {description: the slug is taken}
      422: {description: invalid name or slug}
    """
    user = current_user(request)
    body = await read_body(request, TeamBody)
    if body.slug is not None:
        slug = body.slug
        if slugify(slug) != slug:
            raise ApiError(422, f"slug: {SLUG_HELP}", "slug")
    else:
        slug = await accounts.unique_team_slug(body.name)
    try:
        team = await teams.create_team(user, body.name.strip(), slug, client_ip(request))
    except IntegrityError as error:
        raise ApiError(409, f"slug: the team slug {slug!r} is taken", "slug") from error
    return JSONResponse({"team": team_json(team, Role.OWNER)}, status_code=201)


async def get_team(request: Request) -> Response:
    """One team with the user's role.
    ---
    summary: Get a team
    tags: [teams]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{team, storage: {used_bytes, quota_bytes}}"}
      404: {description: no such team of yours}
    """
    team, role = await team_for(request, Role.VIEWER)
    storage = {"used_bytes": await team_files.stored_bytes(team.id),
               "quota_bytes": await quotas.storage_quota(
                   request.app.state.autostack.settings, team.id)}
    return JSONResponse({"team": team_json(team, role), "storage": storage})


async def update_team(request: Request) -> Response:
    """Rename a team (admin).
    ---
    summary: Update a team
    tags: [teams]
    body: TeamPatch
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{team}", schema: TeamAnswer}
    """
    team, role = await team_for(request, Role.ADMIN)
    body = await read_body(request, TeamPatch)
    previous, team.name = team.name, body.name.strip()
    await team.save(update_fields=["name"])
    await accounts.audit("team.updated", user=current_user(request), team=team,
                         target=("team", str(team.id)), ip=client_ip(request),
                         before={"name": previous}, after={"name": team.name})
    return JSONResponse({"team": team_json(team, role)})


# -- members ----------------------------------------------------------------------------


async def list_members(request: Request) -> Response:
    """The team's members and roles.
    ---
    summary: List members
    tags: [teams]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200:
        description: the members
        schema:
          type: object
          required: [members]
          properties: {members: {type: array, items: {$ref: "#/components/schemas/Member"}}}
    """
    team, _ = await team_for(request, Role.VIEWER)
    members = await TeamMember.filter(team=team).prefetch_related("user").order_by("joined_at")
    return JSONResponse({"members": [member_json(member) for member in members]})


async def add_member(request: Request) -> Response:
    """Add an existing user to the team (admin); invite people without an account.
    ---
    summary: Add a member
    tags: [teams]
    body: MemberBody
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      201: {description: "{member}", schema: MemberAnswer}
      404: {description: no user with this email (send an invitation)}
      409: {description: already a member}
    """
    team, actor_role = await team_for(request, Role.ADMIN)
    body = await read_body(request, MemberBody)
    check_grant(actor_role, body.role)
    user = await User.get_or_none(email=accounts.normalize_email(body.email))
    if user is None:
        raise ApiError(404, "email: no user has this email; send an invitation instead",
                       "email")
    if await TeamMember.exists(team=team, user=user):
        raise ApiError(409, "email: this user is already a member", "email")
    await quotas.check(team.id, "members")
    member = await TeamMember.create(team=team, user=user, role=body.role)
    await accounts.audit("member.added", user=current_user(request), team=team,
                         target=("user", str(user.id)), ip=client_ip(request),
                         role=str(body.role))
    return JSONResponse({"member": member_json(member)}, status_code=201)


async def member_for(request: Request, team: Team) -> TeamMember:
    member = await TeamMember.get_or_none(
        team=team, user_id=path_id(request, "member", "user_id")
    ).prefetch_related("user")
    if member is None:
        raise NotFound("member", "user_id")
    return member


async def change_role(request: Request) -> Response:
    """Change a member's role (admin; owners only for the owner role).
    ---
    summary: Change a member's role
    tags: [teams]
    body: RoleBody
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
      - {name: user_id, in: path, required: true, schema: {type: integer}}
    responses:
      200: {description: "{member}", schema: MemberAnswer}
      409: {description: the last owner or the team's creator}
    """
    team, actor_role = await team_for(request, Role.ADMIN)
    body = await read_body(request, RoleBody)
    member = await member_for(request, team)
    await teams.change_role(current_user(request), actor_role, team, member, body.role,
                            client_ip(request))
    return JSONResponse({"member": member_json(member)})


async def remove_member(request: Request) -> Response:
    """Remove a member (admin), or leave the team (anyone, for themselves).
    ---
    summary: Remove a member
    tags: [teams]
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
      - {name: user_id, in: path, required: true, schema: {type: integer}}
    responses:
      204: {description: removed}
      409: {description: the last owner or the team's creator}
    """
    user = current_user(request)
    leaving = request.path_params["user_id"] == user.id
    team, actor_role = await team_for(request, Role.VIEWER if leaving else Role.ADMIN)
    member = await member_for(request, team)
    await teams.remove_member(user, actor_role, team, member, client_ip(request))
    return Response(status_code=204)


# -- invitations ------------------------------------------------------------------------


async def list_invitations(request: Request) -> Response:
    """Pending invitations (admin).
    ---
    summary: List invitations
    tags: [teams]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200:
        description: the invitations not accepted yet
        schema:
          type: object
          required: [invitations]
          properties:
            invitations: {type: array, items: {$ref: "#/components/schemas/Invitation"}}
    """
    team, _ = await team_for(request, Role.ADMIN)
    pending = await Invitation.filter(team=team, accepted_at__isnull=True).order_by("created_at")
    return JSONResponse({"invitations": [invitation_json(item) for item in pending]})


async def create_invitation(request: Request) -> Response:
    """Invite an email address (admin); the token in the answer is shown once.
    ---
    summary: Invite someone
    tags: [teams]
    body: MemberBody
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      201: {description: "{invitation, token}"}
    """
    team, actor_role = await team_for(request, Role.ADMIN)
    body = await read_body(request, MemberBody)
    invitation, raw = await teams.invite(current_user(request), actor_role, team, body.email,
                                         body.role, client_ip(request))
    return JSONResponse({"invitation": invitation_json(invitation), "token": raw},
                        status_code=201)


async def delete_invitation(request: Request) -> Response:
    """Withdraw a pending invitation (admin).
    ---
    summary: Withdraw an invitation
    tags: [teams]
    responses:
      204: {description: withdrawn}
    """
    team, _ = await team_for(request, Role.ADMIN)
    invitation = await Invitation.get_or_none(team=team, id=path_id(request, "invitation"),
                                              accepted_at__isnull=True)
    if invitation is None:
        raise NotFound("invitation", "id")
    await invitation.delete()
    await accounts.audit("invitation.deleted", user=current_user(request), team=team,
                         target=("invitation", str(invitation.id)), ip=client_ip(request))
    return Response(status_code=204)


async def accept_invitation(request: Request) -> Response:
    """Join a team with an invitation token sent to the signed-in user's email.
    ---
    summary: Accept an invitation
    tags: [teams]
    body: AcceptBody
    responses:
      200: {description: "{team}", schema: TeamAnswer}
      404: {description: no pending invitation for this token and email}
    """
    user = current_user(request)
    body = await read_body(request, AcceptBody)
    invitation = await teams.pending_invitation(user, body.token)
    team = await teams.accept(user, invitation, client_ip(request))
    role = await require_team_role(team, user, Role.VIEWER)
    return JSONResponse({"team": team_json(team, role)})


_TEAM = "/api/v1/teams/{slug}"

routes: list[BaseRoute] = [
    Route("/api/v1/teams", list_teams, methods=["GET"]),
    Route("/api/v1/teams", create_team, methods=["POST"]),
    Route(_TEAM, get_team, methods=["GET"]),
    Route(_TEAM, update_team, methods=["PATCH"]),
    Route(f"{_TEAM}/members", list_members, methods=["GET"]),
    Route(f"{_TEAM}/members", add_member, methods=["POST"]),
    Route(f"{_TEAM}/members/{{user_id:int}}", change_role, methods=["PATCH"]),
    Route(f"{_TEAM}/members/{{user_id:int}}", remove_member, methods=["DELETE"]),
    Route(f"{_TEAM}/invitations", list_invitations, methods=["GET"]),
    Route(f"{_TEAM}/invitations", create_invitation, methods=["POST"]),
    Route(f"{_TEAM}/invitations/{{id:int}}", delete_invitation, methods=["DELETE"]),
    Route("/api/v1/invitations/accept", accept_invitation, methods=["POST"]),
    *team_sso.routes,
]
