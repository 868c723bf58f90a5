"""Releases: a deployment as its project's runtime sees it, and the edge binding it.

The core's only way to the runtimes and the edge
(:mod:`autostack_core.interfaces.runtime`, :mod:`autostack_core.interfaces.edge`):
a stored build becomes an :class:`Artifact`, the runtime ``publish``es and
``deploy``s it as a :class:`Release` and hands back an endpoint, and the edge
binds hostnames to that endpoint. Project settings give the scale policy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Environment,
    EnvironmentVariable,
    Team,
)
from autostack_core.infrastructure.store import LaidOut, Store
from autostack_core.interfaces.edge import WeightedEndpoint, bind_all
from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
    CostEstimate,
    Endpoint,
    LogLine,
    OutputKind,
    Release,
    ReleaseStatus,
    Runtime,
    ScalePolicy,
)
from autostack_core.services import databases, protection, provider_settings, skew

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Project

logger = logging.getLogger("autostack.releases")

MAX_REPLICAS = 10


class RuntimeMissing(ApiError):
    """The project names a runtime that is not installed."""

    def __init__(self, app: AutoStack, name: str) -> None:
        known = ", ".join(sorted(app.runtimes)) or "none"
        super().__init__(409, f"provider: the runtime {name!r} is not installed (installed: "
                              f"{known}); choose another in the project settings", "provider")


def runtime_for(app: AutoStack, project: Project) -> Runtime:
    """The runtime ``project`` runs on (its ``provider``)."""
    runtime = app.runtimes.get(project.provider)
    if runtime is None:
        raise RuntimeMissing(app, project.provider)
    return runtime


def deployment_hostname(project_name: str, deployment_id: str, base_domain: str) -> str:
    """A deployment's own hostname, which it keeps for its life."""
    return f"{project_name}-{deployment_id}.{base_domain}"


def policy_for(project: Project) -> ScalePolicy:
    """The scale policy of a project's settings (``scale_to_zero``, ``replicas``)."""
    settings = project.settings or {}
    replicas = min(max(int(settings.get("replicas") or 1), 1), MAX_REPLICAS)
    return ScalePolicy(min_replicas=0 if settings.get("scale_to_zero") else replicas,
                       max_replicas=replicas)


def output_kinds(manifest: dict[str, Any]) -> frozenset[OutputKind]:
    """What a stored build output holds, by its file list (``docs/build-output.md``)."""
    paths = list(manifest.get("files", {}))
    kinds = set()
    if "server.json" in paths:
        kinds.add(OutputKind.SERVER)
    if any(path.startswith("functions/") and ".func/" in path for path in paths):
        kinds.add(OutputKind.FUNCTIONS)
    if "image.json" in paths:
        kinds.add(OutputKind.IMAGE)
    if any(path.startswith("static/") for path in paths) or not kinds:
        kinds.add(OutputKind.STATIC)
    return frozenset(kinds)


async def environment_of(project: Project, deployment: Deployment) -> dict[str, str]:
    """The decrypted variables of the deployment's environment (production or preview),
    with the URLs of the project's linked databases (:mod:`.databases`)."""
    rows = await EnvironmentVariable.filter(project=project, environment=deployment.target)
    linked = await databases.linked_environment(project, deployment.target)
    values = {**linked, **{row.key: row.value or "" for row in rows}}
    # Only links open ports to the host: a variable of that name set by hand does not.
    values.pop(databases.PORTS_KEY, None)
    if databases.PORTS_KEY in linked:
        values[databases.PORTS_KEY] = linked[databases.PORTS_KEY]
    return values


def laid_out_output(settings: Settings, deployment_id: str, manifest_hash: str) -> LaidOut:
    """Where the build of a deployment leaves its stored output laid out when only the host
    wrote it (a site with nothing to build): in the build's folder, which the build's
    sandbox never sees and the pipeline removes when it ends, named by the manifest."""
    return LaidOut(manifest_hash, settings.path("builds", deployment_id, f"{manifest_hash}.out"))


async def artifact_for(app: AutoStack, project: Project, deployment: Deployment) -> Artifact:
    """The deployment's stored build output, written out only when a runtime asks: moved
    there, the first time, when its build left it laid out (:func:`laid_out_output`)."""
    manifest_hash = deployment.output_manifest_hash or ""
    store = Store.from_settings(app.settings)
    laid_out = laid_out_output(app.settings, deployment.id, manifest_hash) \
        if manifest_hash else None

    async def write_to(folder: Path) -> None:
        await asyncio.to_thread(partial(store.materialize, manifest_hash, folder,
                                        link_store=True, laid_out=laid_out))

    manifest = await asyncio.to_thread(store.load_manifest, manifest_hash) if manifest_hash \
        else {"files": {}}
    return Artifact(release_id=deployment.id, project=project.name,
                    manifest_hash=manifest_hash, kinds=output_kinds(manifest),
                    write_to=write_to)


async def release_for(app: AutoStack, project: Project, deployment: Deployment,
                      runtime: Runtime, artifact: Artifact | None = None) -> Release:
    """Publish the deployment's output to ``runtime`` (a no-op once it has it): its release.

    ``artifact`` is the deployment's :func:`artifact_for` when the caller has it already.
    """
    if artifact is None:
        artifact = await artifact_for(app, project, deployment)
    reference = await runtime.publish(artifact)
    return await _release(app, project, deployment, reference)


async def _release(app: AutoStack, project: Project, deployment: Deployment,
                   reference: ArtifactReference) -> Release:
    config, team = await team_config(app, project)
    return Release(
        id=deployment.id, project=project.name, artifact=reference,
        env=await environment_of(project, deployment), policy=policy_for(project),
        target=deployment.target, config=config, team=team,
        hostnames=(deployment_hostname(project.name, deployment.id, app.settings.base_domain),),
    )


async def team_config(app: AutoStack, project: Project) -> tuple[dict[str, str], str]:
    """The team's stored values for the project's runtime and the team's slug, for a runtime
    that declares fields (one without gets neither: two queries saved per release)."""
    runtime = app.runtimes.get(project.provider)
    if runtime is None or not runtime.config_fields:
        return {}, ""
    team_id: int = project.team_id  # type: ignore[attr-defined]
    slug = await Team.filter(id=team_id).values_list("slug", flat=True)
    values = await provider_settings.values(team_id, project.provider)
    await provider_settings.check_destinations(app.settings, runtime, values)
    return values, str(slug[0]) if slug else ""


async def serve(app: AutoStack, project: Project, deployment: Deployment) -> Endpoint:
    """Run the deployment on its runtime (idempotent: wakes it) and return its endpoint."""
    runtime = runtime_for(app, project)
    release = await release_for(app, project, deployment, runtime)
    return await deploy(app, project, deployment, runtime, release)


async def deploy(app: AutoStack, project: Project, deployment: Deployment, runtime: Runtime,
                 release: Release) -> Endpoint:
    """Run ``release`` on ``runtime``, its hostnames protected first when the project protects
    the deployment's environment (a protected deployment is never reachable unprotected)."""
    await protection.guard_release(app, project, deployment, release.hostnames)
    return await runtime.deploy(release)


async def bind(app: AutoStack, project: Project, deployment: Deployment, hostname: str,
               endpoint: Endpoint | None = None) -> None:
    """Send ``hostname``'s traffic to the deployment, woken first, protected first when the
    project protects its environment. ``endpoint`` is the deployment's, when the caller has
    just deployed it (:func:`deploy`'s answer: running, its own hostnames protected): it is
    then not published, deployed and guarded again for every alias it takes."""
    environment = await protection.alias_environment(hostname, deployment)
    await bind_many(app, project, deployment, {hostname: environment}, endpoint)


async def bind_many(app: AutoStack, project: Project, deployment: Deployment,
                    hostnames: Mapping[str, Environment], endpoint: Endpoint | None = None,
                    ) -> None:
    """:func:`bind` for several hostnames, each protected as its environment says, bound
    at the edge together (:func:`~autostack_core.interfaces.edge.bind_all`: the local edge
    saves its state once for all of them)."""
    if endpoint is None:
        endpoint = await serve(app, project, deployment)
    await protection.guard_many(app, project, hostnames)
    await bind_all(app.edge, {hostname: [WeightedEndpoint(endpoint)] for hostname in hostnames})
    own = deployment_hostname(project.name, deployment.id, app.settings.base_domain)
    for hostname in hostnames:
        # A deployment's own hostname never serves another deployment: nothing to pin a
        # request to (skew.change leaves it out too), and its window cost the local edge
        # a save of its state per deployment.
        if hostname != own:
            await skew.apply(app, project, hostname)
    if f"{project.name}.{app.settings.base_domain}" in hostnames:
        await follow_production(app, project, deployment)


async def follow_production(app: AutoStack, project: Project, deployment: Deployment) -> None:
    """Give all of the runtime's own traffic to the production deployment when the runtime
    splits traffic itself (Cloud Run's service percents: its optional ``split``), so the
    runtime's own URL serves production too: a promote or rollback is a routing change
    there as at the edge. A refusal is logged; the edge has moved already."""
    split = getattr(app.runtimes.get(project.provider), "split", None)
    if split is None:
        return
    try:
        await split({deployment.id: 100})
    except Exception:
        logger.exception("%s did not move %s's traffic to %s", project.provider, project.name,
                         deployment.id)


async def status(app: AutoStack, project: Project, deployment: Deployment) -> ReleaseStatus:
    """Where the deployment stands on its runtime (``absent`` when that is not installed)."""
    runtime = app.runtimes.get(project.provider)
    return ReleaseStatus.ABSENT if runtime is None else await runtime.status(deployment.id)


async def scale(app: AutoStack, project: Project) -> int:
    """Apply the project's scale policy to its ready deployments the runtime has; return how
    many (one it no longer runs gets the policy when ``deploy`` brings it back)."""
    runtime, policy = runtime_for(app, project), policy_for(project)
    rows = await Deployment.filter(project=project, state=DeploymentState.READY,
                                   deleted_at__isnull=True)
    applied = 0
    for row in rows:
        if await runtime.status(row.id) != ReleaseStatus.ABSENT:
            await runtime.scale(row.id, policy)
            applied += 1
    return applied


async def cost(app: AutoStack, project: Project, deployment: Deployment) -> CostEstimate:
    """What the runtime estimates running ``deployment`` with the project's policy costs
    (the release it gets has not been published: only its policy and identity count)."""
    runtime = runtime_for(app, project)
    unpublished = ArtifactReference(runtime=runtime.name, location="")
    return runtime.cost_estimate(await _release(app, project, deployment, unpublished))


def logs(app: AutoStack, project: Project, deployment: Deployment,
         since: datetime | None = None, follow: bool = False) -> AsyncIterator[LogLine]:
    """The deployment's runtime log lines, oldest first (then new ones, with ``follow``)."""
    return runtime_for(app, project).logs(deployment.id, since=since, follow=follow)
