"""Teams past their plan's monthly bandwidth: the edge answers their sites with a page.

Built on the edge's protection (``Edge.protect``): while a team on a plan that
blocks is past its bandwidth, every hostname of its projects is protected, so
the edge asks the control plane before each request, and the gate
(``web/protection_gate.py``) answers 402 with a page naming the plan and the
limit (:func:`autostack_core.services.protection.guard` protects new hostnames
of a blocked team the same way). Every :data:`GUARD_MINUTES` minutes the
guard task re-applies the protection of every project of the teams whose plan
blocks: a blocked team's hostnames are protected; a team back under its limit
(a new month) gets its own protection settings back. A plan's change or a
team's move to another plan applies at once (the API and the pages call
:func:`guard` for the teams concerned), so a plan that stops blocking
releases its teams too.

A plan set to ``throttle`` is not blocked: its teams' hostnames are protected
the same way, and the gate serves each of their projects at the plan's
``throttle_rate`` (429 with ``Retry-After`` past it,
:func:`autostack_core.security.rate_limits.gate_wait`); other teams' sites
are not asked about. A plan's own rate limits reach the gate the same way
while no server-wide edge limit is set
(:func:`autostack_core.services.protection.gated`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.expressions import Q

from autostack_core.infrastructure.models import Plan, Project, Team
from autostack_core.services import protection, quotas

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

GUARD_TASK = "bandwidth_guard"
GUARD_MINUTES = 5


async def guarded_teams() -> list[Team]:
    """The teams whose plan (their own, or the default) has a bandwidth limit or rate limits."""
    blocking = await Plan.filter(Q(bandwidth_bytes_per_month__isnull=False)
                                 | Q(rate_limit_address__isnull=False)
                                 | Q(rate_limit_project__isnull=False))
    ids = [plan.id for plan in blocking]
    teams = await Team.filter(plan_id__in=ids) if ids else []
    if any(plan.is_default for plan in blocking):
        teams += await Team.filter(plan_id__isnull=True)
    return teams


async def guard(app: AutoStack, teams: list[Team] | None = None) -> int:
    """Apply the block or throttle, or each project's own protection, at the edge for
    ``teams`` (the guarded teams by default); how many of them are blocked now."""
    blocked = 0
    for team in await guarded_teams() if teams is None else teams:
        blocked += await quotas.bandwidth_blocked(team.id) is not None
        for project in await Project.filter(team=team):
            await protection.apply(app, project)
    return blocked


async def teams_on(plan: Plan) -> list[Team]:
    """The teams ``plan`` applies to: those put on it, and the unassigned if it is default."""
    teams = await Team.filter(plan=plan)
    if plan.is_default:
        teams += await Team.filter(plan_id__isnull=True)
    return teams
