"""Split testing: a project's production traffic shared between deployments by weight.

A split names two or more ready deployments of the project with weights that
add up to 100 (percent, as on Vercel and Netlify). It is saved in the
project's settings (``split``, with the deployment production served when it
started and when it started), audited, and only then bound at the edge: the
production hostname and the custom domains that follow it send each visitor
to one variant, sticky per visitor (the edge's cookie). Ending it binds them
to the production deployment again; a promote ends it too (the split is then
reported as over). Requests and 5xx answers per variant come from the edge
(:meth:`autostack_core.interfaces.edge.Edge.traffic`) since the split started.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Project,
    RollingRelease,
    RolloutState,
    User,
)
from autostack_core.interfaces.edge import TrafficCount, WeightedEndpoint
from autostack_core.security import accounts
from autostack_core.services import deployments, releases, skew

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

SETTING = "split"
MAX_VARIANTS = 10


async def split_hostnames(app: AutoStack, project: Project, control: str) -> list[str]:
    """The production hostname and the custom domains serving ``control`` with it."""
    production = deployments.production_hostname(project.name, app.settings.base_domain)
    custom = await Alias.filter(project=project, kind=AliasKind.CUSTOM, deployment_id=control) \
        .order_by("hostname").values_list("hostname", flat=True)
    return [production, *(str(hostname) for hostname in custom)]


def saved_split(project: Project) -> dict[str, Any] | None:
    split = (project.settings or {}).get(SETTING)
    return split if isinstance(split, dict) else None


async def active_split(app: AutoStack, project: Project) -> dict[str, Any] | None:
    """The saved split, unless a promote has ended it (production moved since it started)."""
    split = saved_split(project)
    if split is None:
        return None
    production = await deployments.production_deployment(app, project)
    return split if production is not None and production.id == split["control"] else None


async def check_variants(project: Project, variants: list[tuple[str, int]]) -> None:
    """Refuse (422, naming the field) what cannot be split: see the module docstring."""
    if not 2 <= len(variants) <= MAX_VARIANTS:
        raise ApiError(422, f"variants: name 2 to {MAX_VARIANTS} deployments", "variants")
    ids = [deployment_id for deployment_id, _ in variants]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "variants: a deployment can be one variant only", "variants")
    if any(weight < 1 for _, weight in variants):
        raise ApiError(422, "weight: every variant needs a weight of 1 or more", "weight")
    if sum(weight for _, weight in variants) != 100:
        raise ApiError(422, "weight: the weights must add up to 100", "weight")
    for deployment_id in ids:
        row = await Deployment.get_or_none(id=deployment_id, project=project,
                                           deleted_at__isnull=True)
        if row is None:
            raise ApiError(422, f"deployment: {deployment_id} is not a deployment of "
                                f"{project.name}", "deployment")
        if row.state != DeploymentState.READY:
            raise ApiError(422, f"deployment: {deployment_id} is {row.state}, not ready",
                           "deployment")


async def start(app: AutoStack, user: User, project: Project,
                variants: list[tuple[str, int]], ip: str) -> dict[str, Any]:
    """Check, save, audit, then bind the split (admin role, checked by the caller)."""
    await check_variants(project, variants)
    if await RollingRelease.exists(project=project, state__in=[RolloutState.RUNNING,
                                                               RolloutState.AWAITING_APPROVAL]):
        raise ApiError(409, "variants: a rolling release shares production; let it finish or "
                            "abort it first", "variants")
    production = await deployments.production_deployment(app, project)
    if production is None:
        raise ApiError(409, "variants: the project has no production deployment to split",
                       "variants")
    # A new split (or new weights) counts from now.
    split = {"control": production.id,
             "variants": [{"deployment": deployment_id, "weight": weight}
                          for deployment_id, weight in variants],
             "started_at": datetime.now(UTC).isoformat()}
    project.settings = {**(project.settings or {}), SETTING: split}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.split_started", user=user, team=await project.team,
                         target=("project", str(project.id)), ip=ip,
                         variants={deployment_id: weight for deployment_id, weight in variants})
    await bind_weighted(app, project, production,
                        [(await Deployment.get(id=deployment_id), weight)
                         for deployment_id, weight in variants])
    return split


async def bind_weighted(app: AutoStack, project: Project, control: Deployment,
                        variants: list[tuple[Deployment, int]]) -> None:
    """Share the hostnames production serves with ``control`` between ``variants`` by weight
    (each woken first); a rolling release's stages are such splits too."""
    targets = [WeightedEndpoint(await releases.serve(app, project, row), weight)
               for row, weight in variants]
    for hostname in await split_hostnames(app, project, control.id):
        await app.edge.bind(hostname, targets)
        await skew.apply(app, project, hostname)


async def bind_production(app: AutoStack, project: Project, control: Deployment) -> None:
    """Send all the traffic of the hostnames production serves with ``control`` to it."""
    for hostname in await split_hostnames(app, project, control.id):
        await releases.bind(app, project, control, hostname)


async def end(app: AutoStack, user: User, project: Project, ip: str) -> None:
    """Forget the split, audited, and send production traffic to production again."""
    if saved_split(project) is None:
        return
    project.settings = {key: value for key, value in (project.settings or {}).items()
                        if key != SETTING}
    await project.save(update_fields=["settings", "updated_at"])
    await accounts.audit("project.split_ended", user=user, team=await project.team,
                         target=("project", str(project.id)), ip=ip)
    production = await deployments.production_deployment(app, project)
    if production is not None:
        await bind_production(app, project, production)


async def split_json(app: AutoStack, project: Project) -> dict[str, Any] | None:
    """The active split with each variant's requests and errors (``None``: no split)."""
    split = await active_split(app, project)
    if split is None:
        return None
    since = datetime.fromisoformat(split["started_at"])
    hostnames = await split_hostnames(app, project, split["control"])
    found = await traffic(app, hostnames, since)
    counted = found is not None
    counts = found or {}
    variants = [{**variant,
                 "requests": counts.get(variant["deployment"], TrafficCount()).requests
                 if counted else None,
                 "errors": counts.get(variant["deployment"], TrafficCount()).errors
                 if counted else None}
                for variant in split["variants"]]
    return {"control": split["control"], "started_at": split["started_at"],
            "hostnames": hostnames, "variants": variants}


def combine(first: TrafficCount, second: TrafficCount) -> TrafficCount:
    """Two hostnames' counts of one deployment: summed, the higher p95 (a slow custom domain
    is not hidden by a busy production hostname)."""
    p95s = [p95 for p95 in (first.p95_ms, second.p95_ms) if p95 is not None]
    return TrafficCount(first.requests + second.requests, first.errors + second.errors,
                        max(p95s) if p95s else None)


async def traffic(app: AutoStack, hostnames: list[str], since: datetime) \
        -> dict[str, TrafficCount] | None:
    """Each deployment's answers on ``hostnames`` since ``since``, combined (None: the edge
    does not count)."""
    found: dict[str, TrafficCount] = {}
    for hostname in hostnames:
        try:
            answered = await app.edge.traffic(hostname, since)
        except NotImplementedError:
            return None
        for deployment_id, count in answered.items():
            found[deployment_id] = combine(found.get(deployment_id, TrafficCount()), count)
    return found
