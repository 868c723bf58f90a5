"""Rolling releases: a promote that moves production traffic to a new deployment in stages.

Started like a promote with stages (:mod:`.rollout_stages`), a rolling
release shares the hostnames production serves (the production hostname and
the custom domains following it) between the production deployment and the
new one by weight, sticky per visitor like a split test, stage after stage.
The production alias keeps pointing at the previous deployment until the end:
completing is an ordinary promote; aborting binds the hostnames to the
previous deployment at 100% again, at once.

Every change is a conditional update of the :class:`RollingRelease` row on
its state and stage, persisted before the edge applies it and before it is
announced, so two workers (or a click and the watcher) never both advance or
abort it. The watcher (:func:`watch`) is a queue task that checks the new
deployment's answers about every :data:`WATCH_SECONDS` and moves timed
stages on; it holds a lease on the row, and a periodic job (:func:`rescue`)
starts a new one when a worker died holding it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Project,
    RollingRelease,
    RolloutState,
    User,
)
from autostack_core.interfaces import Event
from autostack_core.interfaces.edge import TrafficCount
from autostack_core.security import accounts
from autostack_core.services import deployments, rollout_metrics, splits
from autostack_core.services.rollout_stages import Stage, Thresholds, breach, stage_over, weights

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

WATCH_TASK = "watch_rolling_release"
RESCUE_TASK = "rescue_rolling_releases"
WATCH_SECONDS = 1.0
LEASE_SECONDS = 15.0
ACTIVE = (RolloutState.RUNNING, RolloutState.AWAITING_APPROVAL)
DEFAULTS_SETTING = "rolling_release"
"""The project setting holding its default stages and thresholds (a start's JSON body)."""


def defaults_of(project: Project) -> dict[str, Any]:
    """The project's default stages and thresholds (empty: the built-in ones)."""
    saved = (project.settings or {}).get(DEFAULTS_SETTING)
    return saved if isinstance(saved, dict) else {}


def stages_of(rollout: RollingRelease) -> list[Stage]:
    return [Stage(int(stage["percent"]), stage["seconds"]) for stage in rollout.stages]


def thresholds_of(rollout: RollingRelease) -> Thresholds:
    return Thresholds(rollout.max_error_rate, rollout.max_p95_ms, rollout.failure_budget)


async def active(project: Project) -> RollingRelease | None:
    """The project's rolling release still running or awaiting approval, if any."""
    return await RollingRelease.filter(project=project, state__in=ACTIVE) \
        .order_by("-id").first()


async def latest(project: Project) -> RollingRelease | None:
    """The project's newest rolling release, whatever its state."""
    return await RollingRelease.filter(project=project).order_by("-id").first()


async def start(app: AutoStack, user: User, project: Project, deployment: Deployment,
                stages: list[Stage], thresholds: Thresholds, ip: str) -> RollingRelease:
    """Check, save, audit, then send the first stage's share to ``deployment`` (member role,
    checked by the caller) and start the watcher."""
    if deployment.state != DeploymentState.READY or deployment.deleted_at is not None:
        raise ApiError(409, f"deployment: only a ready deployment can be rolled out; "
                            f"{deployment.id} is {deployment.state}", "deployment")
    production = await deployments.production_deployment(app, project)
    if production is None:
        raise ApiError(409, "deployment: the project has no production deployment to roll "
                            "from; promote this one instead", "deployment")
    if production.id == deployment.id:
        raise ApiError(409, f"deployment: {deployment.id} already serves production",
                       "deployment")
    if await active(project) is not None:
        raise ApiError(409, "deployment: a rolling release is already under way; advance or "
                            "abort it first", "deployment")
    if await splits.active_split(app, project) is not None:
        raise ApiError(409, "deployment: a split test shares production; end it first",
                       "deployment")
    now = datetime.now(UTC)
    rollout = await RollingRelease.create(
        project=project, from_deployment=production.id, to_deployment=deployment.id,
        stages=[stage.as_json() for stage in stages], stage=0, state=_state_of(stages[0]),
        max_error_rate=thresholds.max_error_rate, max_p95_ms=thresholds.max_p95_ms,
        failure_budget=thresholds.failure_budget, stage_started_at=now,
        watcher=uuid.uuid4().hex, watched_until=now + timedelta(seconds=LEASE_SECONDS))
    await accounts.audit("project.rollout_started", user=user, team=await project.team,
                         target=("project", str(project.id)), ip=ip, rollout=rollout.id,
                         deployment=deployment.id, stages=rollout.stages)
    try:
        await _apply_stage(app, project, rollout)
    except Exception as error:
        await abort(app, rollout, f"the first stage could not be applied: {error}")
        raise
    await _announce(app, project, rollout)
    app.queue.enqueue_in(WATCH_SECONDS, WATCH_TASK, rollout.id, rollout.watcher)
    return rollout


async def advance(app: AutoStack, user: User | None, rollout: RollingRelease,
                  ip: str = "") -> bool:
    """Move ``rollout`` to its next stage now (approving one that waits), or complete it
    after the last; False when it is no longer where it was read (someone else moved it)."""
    project = await Project.get(id=rollout.project_id)  # type: ignore[attr-defined]
    stages = stages_of(rollout)
    following = rollout.stage + 1
    now = datetime.now(UTC)
    if following >= len(stages):
        changes: dict[str, Any] = {"state": RolloutState.COMPLETED, "finished_at": now,
                                   "stage": len(stages)}
    else:
        found = await rollout_metrics.measure(app, project, rollout)
        changes = {"state": _state_of(stages[following]), "stage": following,
                   "stage_started_at": now,
                   "earlier_new_errors": rollout.earlier_new_errors
                   + (found.stage_new.errors if found is not None else 0)}
    if not await _move(rollout, **changes):
        return False
    if user is not None:
        await accounts.audit("project.rollout_advanced", user=user, team=await project.team,
                             target=("project", str(project.id)), ip=ip, rollout=rollout.id,
                             stage=rollout.stage)
    if rollout.state == RolloutState.COMPLETED:
        await deployments.promote(app, project, await Deployment.get(id=rollout.to_deployment))
    else:
        await _apply_stage(app, project, rollout)
    await _announce(app, project, rollout)
    return True


async def abort(app: AutoStack, rollout: RollingRelease, reason: str,
                user: User | None = None, ip: str = "", rebind: bool = True) -> bool:
    """Stop ``rollout`` and send all production traffic back to the previous deployment
    (``rebind=False`` when something else moved production already); False when it had
    already ended or moved on."""
    if not await _move(rollout, state=RolloutState.ABORTED, reason=reason,
                       finished_at=datetime.now(UTC)):
        return False
    project = await Project.get(id=rollout.project_id)  # type: ignore[attr-defined]
    if user is not None:
        await accounts.audit("project.rollout_aborted", user=user, team=await project.team,
                             target=("project", str(project.id)), ip=ip, rollout=rollout.id)
    if rebind:
        previous = await Deployment.get(id=rollout.from_deployment)
        await splits.bind_production(app, project, previous)
    await _announce(app, project, rollout)
    return True


async def check(app: AutoStack, rollout: RollingRelease) -> None:
    """One look by the watcher: abort on a breach, or when production moved away (a promote
    or rollback); advance a timed stage that is over."""
    project = await Project.get(id=rollout.project_id)  # type: ignore[attr-defined]
    production = await deployments.production_deployment(app, project)
    if production is None or production.id != rollout.from_deployment:
        await abort(app, rollout, "production was moved by a promote or rollback",
                    rebind=False)
        return
    new = await Deployment.get_or_none(id=rollout.to_deployment, deleted_at__isnull=True)
    if new is None or new.state != DeploymentState.READY:
        await abort(app, rollout, f"{rollout.to_deployment} is no longer a ready deployment")
        return
    found = await rollout_metrics.measure(app, project, rollout)
    if found is not None:
        reason = breach(thresholds_of(rollout), found.stage_new, found.total_new_errors)
        if reason is not None:
            await abort(app, rollout, reason)
            return
    stage = stages_of(rollout)[rollout.stage]
    if rollout.state == RolloutState.RUNNING and \
            stage_over(stage, rollout.stage_started_at, datetime.now(UTC)):
        await advance(app, None, rollout)


async def watch(app: AutoStack, rollout_id: int, token: str) -> None:
    """The watcher's queue task: renew the lease ``token`` holds, check, come back later.

    Stops when the rolling release has ended or another watcher holds the lease.
    """
    now = datetime.now(UTC)
    claimed = await RollingRelease.filter(
        Q(watcher=token) | Q(watched_until__lt=now), id=rollout_id, state__in=ACTIVE,
    ).update(watcher=token, watched_until=now + timedelta(seconds=LEASE_SECONDS))
    if not claimed:
        return
    rollout = await RollingRelease.get(id=rollout_id)
    try:
        await check(app, rollout)
    finally:
        if rollout.state.is_active:
            app.queue.enqueue_in(WATCH_SECONDS, WATCH_TASK, rollout_id, token)


async def rescue(app: AutoStack) -> int:
    """The periodic job: start a watcher for each active rolling release whose watcher died
    (its lease ran out); how many were started."""
    stale = await RollingRelease.filter(state__in=ACTIVE, watched_until__lt=datetime.now(UTC))
    for rollout in stale:
        app.queue.enqueue(WATCH_TASK, rollout.id, uuid.uuid4().hex)
    return len(stale)


async def rollout_json(app: AutoStack, rollout: RollingRelease) -> dict[str, Any]:
    """The rolling release as the API, CLI and dashboard show it; an active one with both
    sides' answers in the current stage (``measure`` is None when the edge does not count)."""
    stages = stages_of(rollout)
    current = stages[min(rollout.stage, len(stages) - 1)]
    percent = 100 if rollout.state == RolloutState.COMPLETED else \
        0 if rollout.state == RolloutState.ABORTED else current.percent
    measure = None
    if rollout.state.is_active:
        project = await Project.get(id=rollout.project_id)  # type: ignore[attr-defined]
        found = await rollout_metrics.measure(app, project, rollout)
        if found is not None:
            measure = {"previous": _side(found.stage_old), "new": _side(found.stage_new),
                       "new_errors_total": found.total_new_errors}
    ends = None if current.seconds is None or not rollout.state.is_active else \
        (rollout.stage_started_at + timedelta(seconds=current.seconds)).isoformat()
    return {
        "id": rollout.id, "state": rollout.state.value, "reason": rollout.reason,
        "from_deployment": rollout.from_deployment, "to_deployment": rollout.to_deployment,
        "stages": rollout.stages, "stage": rollout.stage,
        "weights": {rollout.from_deployment: 100 - percent, rollout.to_deployment: percent},
        "max_error_rate": rollout.max_error_rate, "max_p95_ms": rollout.max_p95_ms,
        "failure_budget": rollout.failure_budget, "measure": measure,
        "started_at": rollout.started_at.isoformat(),
        "stage_started_at": rollout.stage_started_at.isoformat(), "stage_ends_at": ends,
        "finished_at": rollout.finished_at.isoformat() if rollout.finished_at else None,
    }


def _side(count: TrafficCount) -> dict[str, Any]:
    rate = round(100 * count.errors / count.requests, 2) if count.requests else None
    return {"requests": count.requests, "errors": count.errors, "error_rate": rate,
            "p95_ms": count.p95_ms}


def _state_of(stage: Stage) -> RolloutState:
    return RolloutState.AWAITING_APPROVAL if stage.seconds is None else RolloutState.RUNNING


async def _move(rollout: RollingRelease, **changes: Any) -> bool:
    """Persist ``changes`` if the row is still in the state and stage read (compare-and-set)."""
    if not rollout.state.is_active:
        return False
    updated = await RollingRelease.filter(id=rollout.id, state=rollout.state,
                                          stage=rollout.stage).update(**changes)
    if not updated:
        await rollout.refresh_from_db()
        return False
    for name, value in changes.items():
        setattr(rollout, name, value)
    return True


async def _apply_stage(app: AutoStack, project: Project, rollout: RollingRelease) -> None:
    """Bind the stage's weights; if an abort was saved meanwhile (its binding may have come
    first), bind the previous deployment alone again."""
    previous = await Deployment.get(id=rollout.from_deployment)
    new = await Deployment.get(id=rollout.to_deployment)
    old_weight, new_weight = weights(stages_of(rollout)[rollout.stage].percent)
    await splits.bind_weighted(app, project, previous, [(previous, old_weight),
                                                        (new, new_weight)])
    if await RollingRelease.exists(id=rollout.id, state=RolloutState.ABORTED):
        await splits.bind_production(app, project, previous)


async def _announce(app: AutoStack, project: Project, rollout: RollingRelease) -> None:
    await app.events.publish(deployments.project_channel(project.name))
    await app.notify(Event(kind=f"rollout.{rollout.state.value}", project=project.name,
                           deployment=rollout.to_deployment,
                           data={"stage": rollout.stage,
                                 **({"error": rollout.reason} if rollout.reason else {})}))
