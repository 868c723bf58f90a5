"""Teams: a user's teams, creating one, its members and invitations, and the rules for
granting and changing roles.

Only an owner grants the owner role or changes another owner; the team's
creator (``Team.owner``) cannot be removed or demoted, and a team never loses
its last owner. The API and the dashboard both apply these rules through here; the
caller checks that the actor has the role the operation needs (admin, except to
leave a team or accept an invitation).
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError, Forbidden, NotFound
from autostack_core.infrastructure.models import Invitation, Role, Team, TeamMember, User
from autostack_core.security import accounts
from autostack_core.services import quotas, team_sso


async def teams_json(user: User) -> list[dict[str, Any]]:
    """The user's teams with their role in each, personal team first. A team whose enforced
    single sign-on this request's sign-in does not cover is listed with ``sso_required``
    (true; absent otherwise) and where to sign in (``sso_login_url``), as Vercel's team
    switcher asks to re-authenticate; its contents stay refused
    (:func:`team_sso.check_access`)."""
    rows = await TeamMember.filter(user=user).order_by("team_id").values(
        "role", "team_id", slug="team__slug", name="team__name",
        is_personal="team__is_personal")
    refused = await team_sso.refused_teams({row["team_id"]: Role(row["role"]) for row in rows})
    teams = [{"slug": row["slug"], "name": row["name"], "role": str(row["role"]),
              "is_personal": row["is_personal"]} for row in rows]
    for team, row in zip(teams, rows, strict=True):
        if row["team_id"] in refused:
            team.update(sso_required=True, sso_login_url=team_sso.login_path(team["slug"]))
    return sorted(teams, key=lambda team: not team["is_personal"])


def check_grant(actor_role: Role, role: Role) -> None:
    """403 unless ``actor_role`` may grant ``role``: only an owner makes an owner."""
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise Forbidden("only an owner can make someone an owner")


async def check_change(team: Team, member: TeamMember, actor_role: Role, new: Role | None) -> None:
    """Refuse changes to owners by non-owners, to the team's creator, and to the last owner."""
    if member.role != Role.OWNER:
        return
    if actor_role != Role.OWNER:
        raise Forbidden("only an owner can change or remove another owner")
    if member.user_id == team.owner_id:  # type: ignore[attr-defined]
        raise ApiError(409, "the team's creator cannot be removed or demoted", "user_id")
    if new != Role.OWNER and await TeamMember.filter(team=team, role=Role.OWNER).count() <= 1:
        raise ApiError(409, "a team needs at least one owner", "role")


async def create_team(user: User, name: str, slug: str, ip: str) -> Team:
    """A new team called ``name`` at ``slug``, owned by ``user``, audited. A slug taken
    meanwhile raises tortoise's ``IntegrityError``, which each caller words its own way."""
    async with in_transaction():
        team = await Team.create(name=name, slug=slug, owner=user)
        await TeamMember.create(team=team, user=user, role=Role.OWNER)
    await accounts.audit("team.created", user=user, team=team, target=("team", str(team.id)),
                         ip=ip)
    return team


async def invite(actor: User, actor_role: Role, team: Team, email: str, role: Role,
                 ip: str) -> tuple[Invitation, str]:
    """An invitation to join ``team`` with ``role``, audited, and its secret token (shown
    once: only its hash is kept). 403 if ``actor_role`` may not grant ``role``, 409 if
    ``email`` is a member already or has an invitation not yet accepted."""
    check_grant(actor_role, role)
    email = accounts.normalize_email(email)
    if await TeamMember.exists(team=team, user__email=email):
        raise ApiError(409, "email: this person is already a member", "email")
    if await Invitation.exists(team=team, email=email, accepted_at__isnull=True):
        raise ApiError(409, f"email: {email} is already invited; withdraw that invitation "
                            "to send a new link", "email")
    await quotas.check(team.id, "members")
    raw = accounts.new_secret()
    invitation = await Invitation.create(team=team, email=email, role=role,
                                         token_hash=accounts.sha256_hex(raw), invited_by=actor)
    await accounts.audit("invitation.created", user=actor, team=team,
                         target=("invitation", str(invitation.id)), ip=ip, email=email,
                         role=str(role))
    return invitation, raw


async def change_role(actor: User, actor_role: Role, team: Team, member: TeamMember,
                      role: Role, ip: str) -> None:
    """Give ``member`` the ``role``, audited, within :func:`check_grant` and
    :func:`check_change`."""
    check_grant(actor_role, role)
    await check_change(team, member, actor_role, role)
    old, member.role = member.role, role
    await member.save(update_fields=["role"])
    await accounts.audit("member.role_changed", user=actor, team=team,
                         target=("user", str(member.user_id)),  # type: ignore[attr-defined]
                         ip=ip, before={"role": str(old)}, after={"role": str(role)})


async def remove_member(actor: User, actor_role: Role, team: Team, member: TeamMember,
                        ip: str) -> None:
    """Remove ``member`` from ``team``, audited; someone leaving acts as an owner would
    (anyone may leave), within :func:`check_change`."""
    leaving = member.user_id == actor.id  # type: ignore[attr-defined]
    await check_change(team, member, Role.OWNER if leaving else actor_role, None)
    await member.delete()
    await accounts.audit("member.removed", user=actor, team=team,
                         target=("user", str(member.user_id)),  # type: ignore[attr-defined]
                         ip=ip)


async def pending_invitation(user: User, token: str) -> Invitation:
    """The pending invitation whose secret is ``token``, with its team, if it was sent to
    ``user``'s email; 404 naming ``token`` otherwise."""
    invitation = await Invitation.get_or_none(
        token_hash=accounts.sha256_hex(token), accepted_at__isnull=True
    ).prefetch_related("team")
    if invitation is None or invitation.email != user.email:
        raise NotFound("invitation for your email", "token")
    return invitation


async def accept(user: User, invitation: Invitation, ip: str) -> Team:
    """Make ``user`` a member with the invitation's role (once), audited; the team."""
    team: Team = invitation.team
    async with in_transaction():
        invitation.accepted_at = accounts.now()
        await invitation.save(update_fields=["accepted_at"])
        if not await TeamMember.exists(team=team, user=user):
            await TeamMember.create(team=team, user=user, role=invitation.role)
    await accounts.audit("invitation.accepted", user=user, team=team,
                         target=("invitation", str(invitation.id)), ip=ip)
    return team
