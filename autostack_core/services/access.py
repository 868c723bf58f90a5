"""Team roles: who may act on a team and its projects.

Teams are private: a non-member gets 404, as if the team or project did not
exist; a member whose role is too low gets 403 naming the role needed.
"""

from __future__ import annotations

from autostack_core.errors import Forbidden, NotFound
from autostack_core.infrastructure.models import ROLE_RANK, Project, Role, Team, TeamMember, User
from autostack_core.services import team_sso
from autostack_core.services.checks import fits


async def team_role(team: Team, user: User) -> Role | None:
    """The user's role in ``team``, None for non-members; 403 naming the sign-in page for
    a browser session that did not use the single sign-on ``team`` enforces
    (:func:`autostack_core.services.team_sso.check_access`)."""
    member = await TeamMember.get_or_none(team=team, user=user)
    if member is None:
        return None
    await team_sso.check_access(team, Role(member.role))
    return Role(member.role)


def check_rank(role: Role, minimum: Role) -> None:
    """403 unless ``role`` is ``minimum`` or higher."""
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise Forbidden(f"this needs the {minimum.value} role or higher; you are {role.value}")


async def require_team_role(team: Team, user: User, minimum: Role) -> Role:
    """The user's role in ``team``; 404 for non-members (teams are private), 403 if too low."""
    role = await team_role(team, user)
    if role is None:
        raise NotFound("team")
    check_rank(role, minimum)
    return role


async def project_with_role(user: User, name: str, minimum: Role = Role.VIEWER) -> Project:
    """The project named ``name`` if ``user`` may act on it with at least ``minimum``
    (404 naming the field ``name`` otherwise, 403 if the role is too low)."""
    if not fits(Project, "name", name):
        raise NotFound("project", "name")
    project = await Project.get_or_none(name=name).select_related("team")
    if project is None:
        raise NotFound("project", "name")
    role = await team_role(project.team, user)
    if role is None:
        raise NotFound("project", "name")
    check_rank(role, minimum)
    return project
