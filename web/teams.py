"""The team page: members and their roles, invitations, DNS zones; creating a team; joining one.

Viewers and members see the members; admins add people, change roles and
invite; only owners grant the owner role (the API's rules, from
:mod:`autostack_core.services.teams`). An invitation's link is shown once. The
DNS zones section's forms post to :mod:`autostack_web.dns_zone_settings`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    ROLE_RANK,
    Invitation,
    Project,
    Role,
    Team,
    TeamMember,
    User,
)
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.services import provider_settings, teams
from autostack_web.access import page, path_id, team_access
from autostack_web.rendering import (
    form_text,
    host_of,
    redirect,
    render,
    server_url,
    signed_in_user,
)

ROLES = [role.value for role in Role]


async def team_page(
    request: Request, team: Team, role: Role, status_code: int = 200, **context: Any
) -> Response:
    members = await TeamMember.filter(team=team).prefetch_related("user").order_by("joined_at")
    admin = ROLE_RANK[role] >= ROLE_RANK[Role.ADMIN]
    invitations = await Invitation.filter(team=team, accepted_at__isnull=True) \
        .order_by("created_at") if admin else []
    member = ROLE_RANK[role] >= ROLE_RANK[Role.MEMBER]
    domains = host_of(request).domains
    values = {"team": team, "role": role, "members": members, "invitations": invitations,
              "roles": ROLES, "error": None, "notice": None, "invite_link": None,
              "values": {},
              "zones": await domains.zones(team) if member and domains else [],
              "dns_hosts": domains.dns_hosts() if domains else [],
              "zone_error": None, "zone_dns_host": None, "zone_values": {},
              "providers": await provider_settings.describe(host_of(request), team)
              if member else [],
              "provider_error": None, "provider_name": None, "provider_values": {}, **context}
    return await render(request, "team.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    """The team's page; ``?project=<name>`` (the project's Team tab) keeps that project's tabs."""
    team, role = await team_access(user, request.path_params["slug"])
    name = request.query_params.get("project")
    project = await Project.get_or_none(name=name, team=team) if name else None
    if project is not None:
        project.team = team
    return await team_page(request, team, role, project=project)


def chosen_role(value: str) -> Role:
    if value not in ROLES:
        raise ApiError(422, f"role: choose one of {', '.join(ROLES)}", "role")
    return Role(value)


async def invite(request: Request, user: User) -> Response:
    """Invite an email address; the link that joins the team is shown once."""
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    async with request.form() as form:
        values = {"email": form_text(form, "email"), "role": form_text(form, "role")}
    try:
        invitation, raw = await teams.invite(user, role, team, values["email"],
                                             chosen_role(values["role"]), client_ip(request))
    except ApiError as error:
        return await team_page(request, team, role, error.status, error=error, values=values)
    link = f"{server_url(request)}/invitations/accept?token={raw}"
    return await team_page(request, team, role, 201, invite_link=link,
                           notice=f"Invitation for {invitation.email} created.")


async def withdraw(request: Request, user: User) -> Response:
    team, _ = await team_access(user, request.path_params["slug"], Role.ADMIN)
    invitation_id = path_id(request, "invitation")
    if await Invitation.filter(team=team, id=invitation_id, accepted_at__isnull=True).delete():
        await accounts.audit("invitation.deleted", user=user, team=team,
                             target=("invitation", str(invitation_id)), ip=client_ip(request))
    return redirect(f"/teams/{team.slug}")


async def member_of(request: Request, team: Team) -> TeamMember:
    member = await TeamMember.get_or_none(
        team=team, user_id=path_id(request, "member", "user_id")).prefetch_related("user")
    if member is None:
        raise NotFound("member")
    return member


async def member_error(
    request: Request, team: Team, role: Role, member: TeamMember, error: ApiError
) -> Response:
    """The page with an error about one member's row, shown above the table."""
    message = f"{member.user.email}: {error.message}"
    return await team_page(request, team, role, error.status, error=ApiError(error.status, message))


async def change_role(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    member = await member_of(request, team)
    async with request.form() as form:
        value = form_text(form, "role")
    try:
        await teams.change_role(user, role, team, member, chosen_role(value), client_ip(request))
    except ApiError as error:
        return await member_error(request, team, role, member, error)
    return redirect(f"/teams/{team.slug}")


async def remove(request: Request, user: User) -> Response:
    """Remove a member (admin), or leave the team (anyone, for themselves)."""
    leaving = request.path_params["user_id"] == user.id
    team, role = await team_access(user, request.path_params["slug"],
                                   Role.VIEWER if leaving else Role.ADMIN)
    member = await member_of(request, team)
    try:
        await teams.remove_member(user, role, team, member, client_ip(request))
    except ApiError as error:
        return await member_error(request, team, role, member, error)
    return redirect("/dashboard" if leaving else f"/teams/{team.slug}")


async def create(request: Request, user: User) -> Response:
    """Create a team owned by the user, then open its page."""
    async with request.form() as form:
        name = form_text(form, "team_name")
    if not name or len(name) > 120:
        error = ApiError(422, "team name: enter 1 to 120 characters, like 'Acme'", "team_name")
        return await render(request, "error.html", {"error": error}, status_code=422)
    slug = await accounts.unique_team_slug(name)
    try:
        team = await teams.create_team(user, name, slug, client_ip(request))
    except IntegrityError:
        error = ApiError(409, "team name: that name is taken right now; try again")
        return await render(request, "error.html", {"error": error}, status_code=409)
    return redirect(f"/teams/{team.slug}")


async def accept(request: Request, user: User) -> Response:
    """Join a team with an invitation link sent to the signed-in user's email."""
    token = request.query_params.get("token", "")
    invitation = await teams.pending_invitation(user, token)
    if request.method == "GET":
        return await render(request, "accept_invitation.html",
                            {"invitation": invitation, "team": invitation.team, "token": token})
    team = await teams.accept(user, invitation, client_ip(request))
    return redirect(f"/dashboard?team={team.slug}")


async def invitation(request: Request) -> Response:
    """An invitation link: a visitor without a session is sent to sign up (most invitees have
    no account yet), the link kept as where to go next; signed in, :func:`accept`."""
    if signed_in_user(request) is None and request.method == "GET":
        target = f"{request.url.path}?{request.url.query}"
        return redirect(f"/signup?{urlencode({'next': target})}")
    return await page(accept)(request)


_TEAM = "/teams/{slug}"

routes: list[BaseRoute] = [
    Route("/teams", page(create), methods=["POST"], include_in_schema=False),
    Route(_TEAM, page(show), methods=["GET"], include_in_schema=False),
    Route(f"{_TEAM}/invitations", page(invite), methods=["POST"], include_in_schema=False),
    Route(f"{_TEAM}/invitations/{{id:int}}/withdraw", page(withdraw), methods=["POST"],
          include_in_schema=False),
    Route(f"{_TEAM}/members/{{user_id:int}}/role", page(change_role), methods=["POST"],
          include_in_schema=False),
    Route(f"{_TEAM}/members/{{user_id:int}}/remove", page(remove), methods=["POST"],
          include_in_schema=False),
    Route("/invitations/accept", invitation, methods=["GET", "POST"], include_in_schema=False),
]
