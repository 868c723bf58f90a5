"""Quotas: a team's plan (:mod:`.plans`) enforced where each action happens.

Each check runs before anything is written, so a refused action leaves
nothing half-created, and answers HTTP 402 with a message naming the limit,
the plan and what the team has (``field`` is the limit's name). A team
without a plan, or a limit that is None, is never refused.

Called from: projects (create), team members (add, invite; pending
invitations count as members), custom domains (add), deployments (create:
deployments a day, build minutes this month), the pipeline (concurrent builds wait
in the queue, :func:`build_slot_free`), uploads and
builds (storage, :func:`storage_quota`), and the edge's bandwidth check
(:func:`over_bandwidth`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from autostack_core.config import Settings
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Domain,
    Invitation,
    OverBandwidth,
    Plan,
    Project,
    TeamMember,
)
from autostack_core.services import plans, team_files, team_usage

WAIT_FOR_BUILD_SLOT = 5.0
"""Seconds a queued deployment waits before looking again for a free build slot."""


class QuotaExceeded(ApiError):
    """402: the action would take the team past a limit of its plan."""

    def __init__(self, plan: Plan, limit: str, allowed: int, used: float) -> None:
        shown = round(used, 1) if isinstance(used, float) and not used.is_integer() else int(used)
        super().__init__(
            402, f"{limit}: the {plan.name} plan allows {allowed} {plans.LIMITS[limit]}; "
                 f"this team has {shown}. Ask the server's admins for a larger plan",
            limit, "quota_exceeded")
        self.plan = plan
        self.limit = limit


def day_start(now: datetime | None = None) -> datetime:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(now: datetime | None = None) -> datetime:
    return day_start(now).replace(day=1)


async def _projects(team_id: int) -> float:
    return await Project.filter(team_id=team_id).count()


async def _members(team_id: int) -> float:
    members = await TeamMember.filter(team_id=team_id).count()
    return members + await Invitation.filter(team_id=team_id, accepted_at__isnull=True).count()


async def _custom_domains(team_id: int) -> float:
    return await Domain.filter(project__team_id=team_id).count()


async def _deployments_today(team_id: int) -> float:
    return await Deployment.filter(project__team_id=team_id, created_at__gte=day_start()).count()


async def _build_minutes(team_id: int) -> float:
    return await team_usage.build_seconds(team_id, month_start()) / 60


async def _builds_running(team_id: int) -> float:
    return await Deployment.filter(project__team_id=team_id, state=DeploymentState.BUILDING,
                                   deleted_at__isnull=True).count()


COUNTERS: dict[str, Callable[[int], Awaitable[float]]] = {
    "projects": _projects,
    "members": _members,
    "custom_domains": _custom_domains,
    "deployments_per_day": _deployments_today,
    "build_minutes_per_month": _build_minutes,
}
"""What each count-like limit counts for a team now."""


async def check(team_id: int, *limits: str, adding: int = 1) -> None:
    """Raise :class:`QuotaExceeded` if ``adding`` more of each of ``limits`` passes the team's
    plan. Build minutes refuse once the month's minutes are used up (a build's own length
    is not known before it runs)."""
    plan = await plans.plan_of(team_id)
    if plan is None:
        return
    for limit in limits:
        allowed = getattr(plan, limit)
        if allowed is None:
            continue
        used = await COUNTERS[limit](team_id)
        over = used >= allowed if limit == "build_minutes_per_month" else used + adding > allowed
        if over:
            raise QuotaExceeded(plan, limit, allowed, used)


async def check_deployment(team_id: int) -> None:
    """Before a deployment is created: deployments today and the month's build minutes."""
    await check(team_id, "deployments_per_day", "build_minutes_per_month")


async def build_slot_free(team_id: int) -> bool:
    """Whether the team may start one more build now (its plan's concurrent builds). As on
    Vercel, a build over the limit is not refused: it stays queued until a slot frees. Two
    workers looking at the same moment may both start one (the limit is not a lock)."""
    plan = await plans.plan_of(team_id)
    if plan is None or plan.concurrent_builds is None:
        return True
    return await _builds_running(team_id) < plan.concurrent_builds


async def storage_quota(settings: Settings, team_id: int) -> int:
    """The bytes the team may store: its plan's storage, else the server's per-team quota."""
    plan = await plans.plan_of(team_id)
    if plan is not None and plan.storage_bytes is not None:
        return int(plan.storage_bytes)
    return settings.team_storage_quota_bytes


async def over_bandwidth(team_id: int, now: datetime | None = None) -> Plan | None:
    """The team's plan when the edge sent more than its month's bandwidth, else None."""
    plan = await plans.plan_of(team_id)
    if plan is None or plan.bandwidth_bytes_per_month is None:
        return None
    sent = await team_usage.bandwidth_bytes(team_id, month_start(now))
    return plan if sent > plan.bandwidth_bytes_per_month else None


async def standing(team_id: int) -> dict[str, Any]:
    """The team's plan and, for each limit, what it allows and what the team uses now."""
    plan = await plans.plan_of(team_id)
    used: dict[str, float] = {limit: await counter(team_id) for limit, counter in COUNTERS.items()}
    used["concurrent_builds"] = await _builds_running(team_id)
    used["bandwidth_bytes_per_month"] = await team_usage.bandwidth_bytes(team_id, month_start())
    used["storage_bytes"] = await team_files.stored_bytes(team_id)
    limits = []
    for limit, label in plans.LIMITS.items():
        allowed = getattr(plan, limit) if plan is not None else None
        figure = used[limit]
        limits.append({"limit": limit, "label": label, "allowed": allowed,
                       "used": round(figure, 2) if isinstance(figure, float) else figure,
                       "reached": allowed is not None and figure >= allowed})
    return {"plan": plans.plan_json(plan) if plan is not None else None, "limits": limits}


async def bandwidth_blocked(team_id: int, now: datetime | None = None) -> Plan | None:
    """The team's plan when its sites are to be blocked: past the month's bandwidth on a plan
    that blocks (a ``throttle`` plan keeps serving)."""
    plan = await over_bandwidth(team_id, now)
    return plan if plan is not None and plan.over_bandwidth == OverBandwidth.BLOCK else None
