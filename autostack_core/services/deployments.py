"""Deployments: creation, hostnames, state transitions, aliases, promote and rollback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from autostack_core import errors
from autostack_core.build.buildlog import deployment_channel
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    new_deployment_id,
)
from autostack_core.interfaces import Event
from autostack_core.services import audit, protection, quotas, releases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.runtime import Endpoint

State = DeploymentState

NEXT_STATES: dict[DeploymentState, set[DeploymentState]] = {
    State.QUEUED: {State.BUILDING, State.CANCELED, State.ERROR},
    State.BUILDING: {State.DEPLOYING, State.CANCELED, State.ERROR},
    State.DEPLOYING: {State.READY, State.CANCELED, State.ERROR},
}

_STATE_TIMESTAMP = {
    State.BUILDING: "building_at",
    State.DEPLOYING: "deploying_at",
    State.READY: "ready_at",
    State.ERROR: "error_at",
    State.CANCELED: "canceled_at",
}


def branch_target(project: Project, branch: str | None) -> Environment:
    """Where a deployment of ``branch`` goes: the project's production branch deploys
    to production, every other branch to a preview."""
    return Environment.PRODUCTION if branch == project.branch else Environment.PREVIEW


def production_hostname(project_name: str, base_domain: str) -> str:
    return f"{project_name}.{base_domain}"


def project_channel(project_name: str) -> str:
    """Announced when a project's deployment is created or changes state."""
    return f"project:{project_name}"


def team_channel(team_id: int) -> str:
    """Announced when a deployment of one of the team's projects is created or changes."""
    return f"team:{team_id}"


async def announce(app: AutoStack, project: Project, deployment: Deployment) -> None:
    """Wake the live views of ``deployment``, of its project and of its team."""
    for channel in (deployment_channel(deployment.id), project_channel(project.name),
                    team_channel(project.team_id)):  # type: ignore[attr-defined]
        await app.events.publish(channel)


def url_for(app: AutoStack, hostname: str) -> str:
    """The URL visitors use for ``hostname``, as the edge serves it."""
    return app.edge.public_url(hostname)


async def transition(
    app: AutoStack,
    deployment: Deployment,
    new_state: DeploymentState,
    error_message: str | None = None,
    **fields: Any,
) -> bool:
    """Move ``deployment`` to ``new_state`` if allowed from its current state.

    The update is conditional on the state read, so a cancel and a finishing
    build cannot both win. The change is persisted, then announced.
    """
    current = DeploymentState(deployment.state)
    if new_state not in NEXT_STATES.get(current, set()):
        return False
    changes: dict[str, Any] = {"state": new_state, _STATE_TIMESTAMP[new_state]: datetime.now(UTC),
                               **fields}
    if error_message is not None:
        changes["error_message"] = error_message
    updated = await Deployment.filter(id=deployment.id, state=current).update(**changes)
    if not updated:
        await deployment.refresh_from_db()
        return False
    for name, value in changes.items():
        setattr(deployment, name, value)
    # Read after the change is persisted, once: its notifiers are the ones this event goes to.
    project = await Project.get(id=deployment.project_id)  # type: ignore[attr-defined]
    await announce(app, project, deployment)
    await app.notify(Event(
        kind=f"deployment.{new_state.value}", project=project.name, deployment=deployment.id,
        data={"error": error_message} if error_message else {},
    ), project)
    return True


def creation_summary(deployment: Deployment) -> dict[str, Any]:
    """What the audit log keeps of a new deployment (a git URL's credentials masked there)."""
    return {"target": str(deployment.target), "source": deployment.source_type,
            "branch": deployment.branch, "commit": deployment.commit_sha,
            "git_url": deployment.git_url}


async def create_deployment(
    app: AutoStack, project: Project, force: bool = False, **fields: Any
) -> Deployment:
    """Persist a queued deployment, announce it, and put it on the queue.

    ``force`` (build without the build cache) travels with the queued task only.
    """
    await quotas.check_deployment(project.team_id)  # type: ignore[attr-defined]
    deployment_id = new_deployment_id()  # its URL is written with it: one write, not two
    # The row and its audit entry are committed together: one commit (and sync) less on the
    # way to the queue, and never a deployment without its audit entry.
    async with in_transaction():
        deployment = await Deployment.create(
            id=deployment_id, project=project, deployment_url=url_for(
                app, releases.deployment_hostname(project.name, deployment_id,
                                                  app.settings.base_domain)),
            **fields)
        await audit.record("deployment.created",
                           team=project.team_id,  # type: ignore[attr-defined]
                           target=("deployment", deployment.id), project=project.name,
                           actor=audit.current(str(deployment.creator_type)),
                           after=creation_summary(deployment))
    await announce(app, project, deployment)
    await app.notify(Event(kind="deployment.created", project=project.name,
                           deployment=deployment.id))
    app.queue.enqueue("run_deployment", deployment.id, force)
    return deployment


async def request_cancel(app: AutoStack, deployment: Deployment) -> Deployment:
    """Cancel a deployment that is not ready yet; 409 once it is final."""
    if DeploymentState(deployment.state).is_final:
        raise ApiError(409, f"deployment is already {deployment.state}", "deployment")
    await Deployment.filter(id=deployment.id).update(cancel_requested=True)
    project = await Project.get(id=deployment.project_id)  # type: ignore[attr-defined]
    await audit.record("deployment.canceled", team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       before={"cancel_requested": False}, after={"cancel_requested": True},
                       details={"state": str(deployment.state)})
    deployment.cancel_requested = True
    if deployment.state == State.QUEUED:
        await transition(app, deployment, State.CANCELED, "canceled before the build started")
    await app.events.publish(deployment_channel(deployment.id))
    await deployment.refresh_from_db()
    return deployment


@dataclass(frozen=True)
class AliasMove:
    """One alias to point at a deployment: its hostname, kind and branch (for a new one)."""

    hostname: str
    kind: AliasKind
    branch: str | None = None


async def point_alias(
    app: AutoStack, project: Project, deployment: Deployment, hostname: str, kind: AliasKind,
    branch: str | None = None, ready_next: bool = False, endpoint: Endpoint | None = None,
) -> str | None:
    """Move (or create) the alias ``hostname`` to ``deployment``: persisted, then applied.

    Returns the id of the deployment the alias pointed at before (None for a new alias).
    An alias of another project is never moved (409): a hostname stays with the
    project that had it first (see :mod:`autostack_core.services.hostnames`).
    Only a ready deployment takes an alias, or with ``ready_next`` one still deploying:
    the pipeline moves a deployment's aliases before it marks it ready, so whoever sees
    it ready finds its aliases serving it (see :mod:`autostack_core.build.pipeline_routing`).
    ``endpoint``: the deployment's, just deployed (see :func:`releases.bind`).
    """
    previous = await point_aliases(app, project, deployment, [AliasMove(hostname, kind, branch)],
                                   ready_next=ready_next, endpoint=endpoint)
    return previous[hostname]


async def point_aliases(
    app: AutoStack, project: Project, deployment: Deployment, moves: Sequence[AliasMove],
    ready_next: bool = False, endpoint: Endpoint | None = None,
) -> dict[str, str | None]:
    """:func:`point_alias` for several aliases: persisted in one transaction, then bound
    at the edge together (:func:`releases.bind_many`), then announced; if the edge refuses,
    none of them moves in the database. Returns each hostname's previous deployment."""
    allowed = (State.READY, State.DEPLOYING) if ready_next else (State.READY,)
    if deployment.state not in allowed:
        raise ApiError(409, f"only a ready deployment can take an alias; this one is "
                            f"{deployment.state}", "deployment")
    releases.runtime_for(app, project)  # installed, before the alias moves
    hostnames = [move.hostname for move in moves]
    async with in_transaction():
        rows = {alias.hostname: alias for alias in await Alias.filter(hostname__in=hostnames)}
        for alias in rows.values():
            if alias.project_id != project.id:  # type: ignore[attr-defined]
                raise ApiError(409, f"hostname: {alias.hostname} belongs to another project",
                               "hostname")
        previous: dict[str, str | None] = {
            hostname: rows[hostname].deployment_id  # type: ignore[attr-defined]
            if hostname in rows else None for hostname in hostnames}
        for move in moves:
            if move.hostname not in rows:
                await Alias.create(hostname=move.hostname, project=project,
                                   deployment=deployment, kind=move.kind, branch=move.branch)
        if rows:
            await Alias.filter(hostname__in=list(rows)).update(deployment_id=deployment.id)
        production = [url_for(app, move.hostname) for move in moves
                      if move.kind == AliasKind.PRODUCTION]
        if production and project.production_url != production[0]:
            await Project.filter(id=project.id).update(production_url=production[0])
            project.production_url = production[0]
    # Each alias is protected as its row says (an existing row keeps its kind and branch).
    environments = {}
    for move in moves:
        row = rows.get(move.hostname)
        kind, branch = (move.kind, move.branch) if row is None else (AliasKind(row.kind),
                                                                     row.branch)
        environments[move.hostname] = protection.environment_of(kind, branch, deployment)
    try:
        await releases.bind_many(app, project, deployment, environments, endpoint)
    except Exception:
        # The edge refused: put the aliases back where they were so the database tells the
        # truth.
        for hostname, before in previous.items():
            if before is None:
                await Alias.filter(hostname=hostname).delete()
            else:
                await Alias.filter(hostname=hostname).update(deployment_id=before)
        raise
    await announce(app, project, deployment)  # the pages showing the aliases follow them
    for move in moves:
        await app.notify(Event(kind="alias.moved", project=project.name,
                               deployment=deployment.id, data={"hostname": move.hostname}))
    for move in moves:
        if move.kind in (AliasKind.PRODUCTION, AliasKind.BRANCH):
            await move_extra_hostnames(app, project, deployment, move.hostname, move.branch,
                                       endpoint)
    return previous


async def move_extra_hostnames(app: AutoStack, project: Project, deployment: Deployment,
                               hostname: str, branch: str | None,
                               endpoint: Endpoint | None = None) -> None:
    """Point the hostnames that follow the alias ``hostname`` (``extra_hostnames``: custom
    domains) at ``deployment`` too; one that cannot move is logged, the others still move."""
    extra = await app.call_list_hook("extra_hostnames", app=app, project=project,
                                     hostname=hostname)
    for follower in extra:
        try:
            await point_alias(app, project, deployment, follower, AliasKind.CUSTOM,
                              branch=branch, ready_next=True, endpoint=endpoint)
        except Exception:
            errors.logger.exception("%s could not follow %s", follower, hostname)


async def promote(
    app: AutoStack, project: Project, deployment: Deployment, rollback: bool = False,
    ready_next: bool = False, endpoint: Endpoint | None = None,
) -> str | None:
    """Point the production alias at ``deployment`` (nothing is rebuilt); return the id of
    the deployment it pointed at before (``ready_next``, ``endpoint``: see
    :func:`point_alias`)."""
    hostname = production_hostname(project.name, app.settings.base_domain)
    previous = await point_alias(app, project, deployment, hostname, AliasKind.PRODUCTION,
                                 ready_next=ready_next, endpoint=endpoint)
    await promoted(app, project, deployment, previous, rollback)
    return previous


async def promoted(app: AutoStack, project: Project, deployment: Deployment,
                   previous: str | None, rollback: bool = False) -> None:
    """Audit and announce that the production alias moved from ``previous`` to ``deployment``
    (:func:`promote` does, after moving it)."""
    kind = "deployment.rolled_back" if rollback else "deployment.promoted"
    await audit.record(kind, team=project.team_id,  # type: ignore[attr-defined]
                       target=("deployment", deployment.id), project=project.name,
                       before={"production": previous},
                       after={"production": deployment.id})
    await app.notify(Event(kind=kind, project=project.name, deployment=deployment.id))


async def previous_production(project: Project, current: Deployment | None) -> Deployment | None:
    """The newest ready production deployment older than ``current``."""
    query = Deployment.filter(
        project=project, target=Environment.PRODUCTION, state=State.READY, deleted_at__isnull=True
    )
    if current is not None:
        query = query.filter(created_at__lt=current.created_at)
    return await query.order_by("-created_at").first()


async def alias_target(hostname: str) -> Deployment | None:
    """The deployment an alias points at, if any."""
    alias = await Alias.get_or_none(hostname=hostname).prefetch_related("deployment")
    return None if alias is None else alias.deployment


async def production_deployment(app: AutoStack, project: Project) -> Deployment | None:
    return await alias_target(production_hostname(project.name, app.settings.base_domain))
