"""Deployment protection settings: who may see a project's deployments, per environment.

Each project has a protection mode for production and one for previews
(:class:`ProtectionMode`): ``none`` (anyone), ``password`` (one shared
password, stored as an argon2 hash as account passwords are) or ``team``
(signed-in members of the project's team, Vercel Authentication's
counterpart). A bypass secret (sealed at rest) lets automation in, as
Vercel's Protection Bypass for Automation does. A team may protect the
previews of its new projects by default (``Team.protect_previews``).

Which environment a hostname belongs to (:func:`environment_of`): the
production alias and custom domains that follow production are production;
branch and pull-request aliases, and custom domains that follow a branch, are
previews; a deployment's own hostname is its deployment's target.

The edge enforces it (:meth:`autostack_core.interfaces.edge.Edge.protect`):
every hostname of a project is protected (or opened) when the settings change
(:func:`apply`), and before the edge starts serving it (:func:`guard`), so a
protected preview is never served openly, not even for a moment. Who gets in
is decided per request by :mod:`autostack_core.services.protection_gate`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    Environment,
    Project,
    ProtectionMode,
    Team,
    User,
)
from autostack_core.interfaces.edge import Protection
from autostack_core.security import accounts, rate_limits
from autostack_core.services import plans, quotas

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200
BYPASS_BYTES = 24
"""A bypass secret's randomness (32 URL-safe characters, as long as Vercel's)."""


def environment_of(kind: AliasKind, branch: str | None,
                   deployment: Deployment | None) -> Environment:
    """The environment whose protection a hostname of ``kind`` gets."""
    if kind == AliasKind.PRODUCTION or (kind == AliasKind.CUSTOM and not branch):
        return Environment.PRODUCTION
    if kind == AliasKind.DEPLOYMENT and deployment is not None:
        return Environment(deployment.target)
    return Environment.PREVIEW


def mode_for(project: Project, environment: Environment) -> ProtectionMode:
    """The project's protection mode for ``environment`` (development counts as preview)."""
    if environment == Environment.PRODUCTION:
        return ProtectionMode(project.protection_production)
    return ProtectionMode(project.protection_preview)


def edge_protection(app: AutoStack) -> Protection:
    """What the edge is told about a protected hostname: where to ask (this control plane)."""
    return Protection(control_plane=app.settings.local_url)


async def gated(app: AutoStack, team_id: int) -> bool:
    """Whether the edge must ask the gate about every hostname of a team: past its plan's
    bandwidth (blocked or throttled, :mod:`.bandwidth_guard`), or on a plan whose rate
    limits no server-wide edge limit checks already (:func:`.rate_limits.plan_gated`)."""
    plan = await plans.plan_of(team_id)
    if plan is None:
        return False
    return rate_limits.plan_gated(app.settings, plan) or \
        await quotas.over_bandwidth(team_id) is not None


async def guard(app: AutoStack, project: Project, hostname: str,
                environment: Environment) -> None:
    """Protect ``hostname`` at the edge as ``environment``'s mode says (or open it); every
    hostname of a team the gate must see (:func:`gated`)."""
    await guard_many(app, project, {hostname: environment})


async def guard_many(app: AutoStack, project: Project,
                     hostnames: Mapping[str, Environment]) -> None:
    """:func:`guard` for each hostname with its environment (whether the team is gated is
    asked once, and only for a hostname its mode leaves open)."""
    gate: bool | None = None
    for hostname, environment in hostnames.items():
        protected = mode_for(project, environment) != ProtectionMode.NONE
        if not protected:
            if gate is None:
                gate = await gated(app, project.team_id)  # type: ignore[attr-defined]
            protected = gate
        await app.edge.protect(hostname, edge_protection(app) if protected else None)


async def guard_release(app: AutoStack, project: Project, deployment: Deployment,
                        hostnames: tuple[str, ...]) -> None:
    """:func:`guard` for a deployment's own hostnames, before its runtime serves them."""
    await guard_many(app, project, dict.fromkeys(hostnames, Environment(deployment.target)))


async def alias_environment(hostname: str, deployment: Deployment) -> Environment:
    """The environment whose protection the alias ``hostname`` (pointing at ``deployment``)
    gets; a hostname with no alias row, the deployment's target."""
    alias = await Alias.get_or_none(hostname=hostname)
    if alias is None:
        return Environment(deployment.target)
    return environment_of(AliasKind(alias.kind), alias.branch, deployment)


async def apply(app: AutoStack, project: Project) -> int:
    """Protect or open every hostname of ``project`` at the edge; how many are protected."""
    protected = 0
    for alias in await Alias.filter(project=project).prefetch_related("deployment"):
        environment = environment_of(AliasKind(alias.kind), alias.branch, alias.deployment)
        await guard(app, project, alias.hostname, environment)
        protected += mode_for(project, environment) != ProtectionMode.NONE
    return protected


def protection_json(project: Project) -> dict[str, Any]:
    """The settings as the API and the dashboard show them (never a secret)."""
    return {"production": project.protection_production,
            "preview": project.protection_preview,
            "password_set": project.protection_password_hash is not None,
            "bypass_set": project.protection_bypass_sealed is not None}


def check_password(password: str) -> str:
    """``password`` if it can protect a deployment; else 422 naming the field."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise ApiError(422, f"password: use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} "
                            "characters", "password")
    return password


def check_mode(value: str, field: str) -> ProtectionMode:
    """``value`` as a mode; else 422 naming ``field`` and the choices."""
    try:
        return ProtectionMode(value)
    except ValueError:
        choices = ", ".join(mode.value for mode in ProtectionMode)
        raise ApiError(422, f"{field}: choose one of {choices}, not {value!r}", field) from None


async def change(app: AutoStack, user: User, project: Project, ip: str, *,
                 production: str | None = None, preview: str | None = None,
                 password: str | None = None) -> int:
    """Save new modes and/or a new password (admin role, checked by the caller), audited,
    then apply them at the edge; how many hostnames are protected now.

    A ``password`` mode needs a password, given now or set before (422 otherwise).
    A new password signs out everyone who entered the old one.
    """
    changed: list[str] = []
    if production is not None:
        project.protection_production = check_mode(production, "production")
        changed.append("protection_production")
    if preview is not None:
        project.protection_preview = check_mode(preview, "preview")
        changed.append("protection_preview")
    if password is not None:
        project.protection_password_hash = accounts.hash_password(check_password(password))
        changed.append("protection_password_hash")
    modes = {project.protection_production, project.protection_preview}
    if ProtectionMode.PASSWORD in modes and project.protection_password_hash is None:
        raise ApiError(422, "password: password protection needs a password", "password")
    if changed:
        await project.save(update_fields=[*changed, "updated_at"])
        await accounts.audit("project.protection_changed", user=user, team=await project.team,
                             target=("project", str(project.id)), ip=ip, fields=changed)
    return await apply(app, project)


async def new_bypass(user: User, project: Project, ip: str) -> str:
    """A new bypass secret for ``project`` (the old one stops working); shown once."""
    secret = secrets.token_urlsafe(BYPASS_BYTES)
    project.protection_bypass = secret
    await project.save(update_fields=["protection_bypass_sealed", "updated_at"])
    await accounts.audit("project.protection_bypass_created", user=user,
                         team=await project.team, target=("project", str(project.id)), ip=ip)
    return secret


async def remove_bypass(user: User, project: Project, ip: str) -> None:
    """Revoke the bypass secret."""
    project.protection_bypass = None
    await project.save(update_fields=["protection_bypass_sealed", "updated_at"])
    await accounts.audit("project.protection_bypass_removed", user=user,
                         team=await project.team, target=("project", str(project.id)), ip=ip)


async def set_team_default(user: User, team: Team, protect_previews: bool, ip: str) -> None:
    """Whether new projects of ``team`` start with team-login protection on their previews."""
    team.protect_previews = protect_previews
    await team.save(update_fields=["protect_previews"])
    await accounts.audit("team.protection_default_changed", user=user, team=team,
                         target=("team", str(team.id)), ip=ip,
                         protect_previews=protect_previews)


def defaults_for(team: Team) -> dict[str, Any]:
    """The protection fields a new project of ``team`` starts with."""
    preview = ProtectionMode.TEAM if team.protect_previews else ProtectionMode.NONE
    return {"protection_preview": preview}
