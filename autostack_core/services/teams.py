"""Teams: a user's teams, and the rules for granting and changing roles.

Only an owner grants the owner role or changes another owner; the team's
creator (``Team.owner``) cannot be removed or demoted, and a team never loses
its last owner. The API and the dashboard both apply these rules through here.
"""

from __future__ import annotations

from typing import Any

from autostack_core.errors import ApiError, Forbidden
from autostack_core.models import Role, Team, TeamMember, User


async def teams_json(user: User) -> list[dict[str, Any]]:
    """The user's teams with their role in each, personal team first."""
    rows = await TeamMember.filter(user=user).order_by("team_id").values(
        "role", slug="team__slug", name="team__name", is_personal="team__is_personal")
    teams = [{"slug": row["slug"], "name": row["name"], "role": str(row["role"]),
              "is_personal": row["is_personal"]} for row in rows]
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
