"""Plans: the limits server admins set, and which plan a team is on.

A team follows the plan it was assigned (``Team.plan``); a team without one
follows the plan marked default, and has no limits at all when no plan is
(a server hosting only its owner's projects). Only the users listed in
``AUTOSTACK_ADMINS`` create, change and assign plans (checked by the
callers, :func:`require_server_admin`); every team member may read their
team's plan and usage. The limits are enforced by :mod:`.quotas`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from autostack_core.config import Settings
from autostack_core.errors import ApiError, Forbidden, NotFound, Unauthorized
from autostack_core.infrastructure.models import OverBandwidth, Plan, Team, User
from autostack_core.security.token_buckets import parse_rate
from autostack_core.services import audit

LIMITS: dict[str, str] = {
    "projects": "projects",
    "members": "team members (invitations included)",
    "custom_domains": "custom domains",
    "deployments_per_day": "deployments a day",
    "build_minutes_per_month": "build minutes a month",
    "bandwidth_bytes_per_month": "bytes of bandwidth a month",
    "storage_bytes": "bytes of storage",
    "concurrent_builds": "concurrent builds",
}
"""Each limit a plan sets (its column) and how it reads in a message; None is unlimited."""
RATES = ("throttle_rate", "rate_limit_address", "rate_limit_project")
"""A plan's rate limits, each ``RATE/BURST`` (requests per second, then at once)."""
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
SLUG_HELP = "use 1-32 lowercase letters, digits and dashes, not starting or ending with a dash"


class _Rates(BaseModel):
    @field_validator(*RATES, check_fields=False)
    @classmethod
    def _rate(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A ``RATE/BURST`` in its plain form (blank: none), or a 422 naming the field."""
        name = str(info.field_name)
        rate = parse_rate(name, value)
        if rate is None and name == "throttle_rate":
            raise ValueError(f"{name} must be RATE/BURST, such as 5/10")
        return None if rate is None else str(rate)


class PlanBody(_Rates):
    """A new plan: a slug, a name, and its limits (absent or null: unlimited)."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=80)
    projects: int | None = Field(default=None, ge=0)
    members: int | None = Field(default=None, ge=1)
    custom_domains: int | None = Field(default=None, ge=0)
    deployments_per_day: int | None = Field(default=None, ge=0)
    build_minutes_per_month: int | None = Field(default=None, ge=0)
    bandwidth_bytes_per_month: int | None = Field(default=None, ge=0)
    storage_bytes: int | None = Field(default=None, ge=0)
    concurrent_builds: int | None = Field(default=None, ge=1)
    over_bandwidth: OverBandwidth = OverBandwidth.BLOCK
    throttle_rate: str = Field(default="5/10", max_length=32)
    rate_limit_address: str | None = Field(default=None, max_length=32)
    rate_limit_project: str | None = Field(default=None, max_length=32)
    is_default: bool = False


class PlanPatch(_Rates):
    """Changes to a plan: only the fields given change (null makes a limit unlimited)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=80)
    projects: int | None = Field(default=None, ge=0)
    members: int | None = Field(default=None, ge=1)
    custom_domains: int | None = Field(default=None, ge=0)
    deployments_per_day: int | None = Field(default=None, ge=0)
    build_minutes_per_month: int | None = Field(default=None, ge=0)
    bandwidth_bytes_per_month: int | None = Field(default=None, ge=0)
    storage_bytes: int | None = Field(default=None, ge=0)
    concurrent_builds: int | None = Field(default=None, ge=1)
    over_bandwidth: OverBandwidth | None = None
    throttle_rate: str | None = Field(default=None, max_length=32)
    rate_limit_address: str | None = Field(default=None, max_length=32)
    rate_limit_project: str | None = Field(default=None, max_length=32)
    is_default: bool | None = None


def is_server_admin(settings: Settings, user: User | None) -> bool:
    """Whether ``user`` is one of the server's admins (``AUTOSTACK_ADMINS``)."""
    return user is not None and user.email.lower() in settings.admins


def require_server_admin(settings: Settings, user: User | None) -> User:
    """``user``, if a server admin: 401 when nobody is signed in, 403 for anyone else."""
    if user is None:
        raise Unauthorized()
    if not is_server_admin(settings, user):
        raise Forbidden("plans are the server admins' (an e-mail listed in AUTOSTACK_ADMINS)")
    return user


def plan_json(plan: Plan) -> dict[str, Any]:
    body: dict[str, Any] = {"slug": plan.slug, "name": plan.name}
    body.update({limit: getattr(plan, limit) for limit in LIMITS})
    body.update({"over_bandwidth": str(plan.over_bandwidth), "is_default": plan.is_default})
    body.update({rate: getattr(plan, rate) for rate in RATES})
    return body


async def all_plans() -> list[Plan]:
    return await Plan.all().order_by("id")


async def find(slug: str) -> Plan:
    plan = await Plan.get_or_none(slug=slug) if len(slug) <= 32 else None
    if plan is None:
        raise NotFound(f"plan {slug!r}", "plan")
    return plan


async def plan_of(team: Team | int) -> Plan | None:
    """The plan whose limits apply to ``team``: its own, else the default, else None."""
    team_id = team if isinstance(team, int) else team.id
    # One query: the team's own plan and the default; its own (not the default, or both at
    # once) sorts first. Asked on every build's start and by the rate limits.
    own = Subquery(Team.filter(id=team_id).values("plan_id"))
    return await Plan.filter(Q(id__in=own) | Q(is_default=True)).order_by("is_default").first()


async def _only_default(plan: Plan) -> None:
    """Make ``plan`` the one default (inside the caller's transaction)."""
    await Plan.filter(is_default=True).exclude(id=plan.id).update(is_default=False)


async def create(actor: User, body: PlanBody) -> Plan:
    """A new plan, audited; 422 for a bad slug, 409 when the slug is taken."""
    if not SLUG.match(body.slug):
        raise ApiError(422, f"slug: {SLUG_HELP}", "slug")
    try:
        async with in_transaction():
            plan = await Plan.create(**body.model_dump())
            if plan.is_default:
                await _only_default(plan)
    except IntegrityError as error:
        raise ApiError(409, f"slug: a plan called {body.slug!r} exists already", "slug") \
            from error
    await audit.record("plan.created", team=None, target=("plan", plan.slug),
                       actor=actor, after=plan_json(plan))
    return plan


async def update(actor: User, plan: Plan, body: PlanPatch) -> Plan:
    """Change the fields ``body`` gives, audited."""
    changes = body.model_dump(exclude_unset=True)
    for required in ("name", "over_bandwidth", "throttle_rate", "is_default"):
        if required in changes and changes[required] is None:
            raise ApiError(422, f"{required}: give a value (it cannot be null)", required)
    before = plan_json(plan)
    async with in_transaction():
        for name, value in changes.items():
            setattr(plan, name, value)
        if changes:
            await plan.save(update_fields=list(changes))
        if changes.get("is_default"):
            await _only_default(plan)
    await audit.record("plan.updated", team=None, target=("plan", plan.slug),
                       actor=actor, before=before, after=plan_json(plan))
    return plan


async def delete(actor: User, plan: Plan) -> None:
    """Delete a plan no team is on (409 naming how many are)."""
    teams = await Team.filter(plan=plan).count()
    if teams:
        raise ApiError(409, f"plan: {teams} team(s) are on the {plan.name} plan; move them "
                            "to another plan first", "plan")
    await plan.delete()
    await audit.record("plan.deleted", team=None, target=("plan", plan.slug),
                       actor=actor, before=plan_json(plan))


async def assign(actor: User, team: Team, plan: Plan | None) -> None:
    """Put ``team`` on ``plan`` (None: the default plan), audited in the team's log.

    Nothing already there is removed when the new plan allows less: the limits
    refuse what would pass them from now on.
    """
    previous = await plan_of(team)
    team.plan = plan
    await team.save(update_fields=["plan_id"])
    await audit.record("team.plan_changed", team=team.id, target=("team", str(team.id)),
                       actor=actor,
                       before={"plan": previous.slug if previous else None},
                       after={"plan": plan.slug if plan else None})


SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
BYTE_LIMITS = ("bandwidth_bytes_per_month", "storage_bytes")


def parse_limit(limit: str, text: str) -> int | None:
    """A limit typed in a form: empty or ``unlimited`` is None, else a whole number (byte
    limits also as a size: ``100GB``, ``1TB``); 422 naming ``limit`` otherwise."""
    text = text.strip()
    if text.lower() in ("", "unlimited"):
        return None
    match = re.fullmatch(r"(\d+)\s*([KMGT]?B?)", text, re.I) if limit in BYTE_LIMITS else \
        re.fullmatch(r"(\d+)()", text)
    if match is None:
        kind = "a size such as 100GB" if limit in BYTE_LIMITS else "a whole number"
        raise ApiError(422, f"{limit}: give {kind}, or leave it empty for unlimited", limit)
    return int(match.group(1)) * SIZE_UNITS[match.group(2).upper()]
