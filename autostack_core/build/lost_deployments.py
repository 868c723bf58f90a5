"""Deployments whose worker died: built again once on a live worker, else marked as errors.

A worker records itself on the deployment it builds (``worker_id``, host and
pid). When that process is gone, nothing will finish the deployment. The
periodic sweep, run by a live consumer, puts it back on the queue once (any
live consumer takes it) and says so in its log; a deployment lost a second
time, or found by a process restarting (whose own build may be what brought it
down), goes to ``error`` with the reason. It never stays ``building``, and what
its sandboxes left running on this host is killed.

A build can also be lost before it starts: Huey hands a message to one consumer
and does not redeliver it, so a consumer that dies between taking the message
and claiming the deployment leaves it ``queued`` with no message anywhere. The
sweep queues such a deployment again too (:func:`requeue_stranded`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from autostack_core.build.buildlog import BuildLog
from autostack_core.build.sandbox_cgroups import kill_leftovers
from autostack_core.build.worker_lease import LEASE_SECONDS, lease_lapsed
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentLog,
    DeploymentState,
    Project,
)
from autostack_core.infrastructure.queue import WORKER_ID
from autostack_core.services import deployments
from autostack_core.utils import process_alive

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.pipeline")
State = DeploymentState


SWEEP_TASK = "sweep_lost_deployments"
QUEUED_GRACE_SECONDS = 120
"""How long a deployment may be ``queued`` before the sweep looks for its queue message."""
REQUEUE_STEP = "requeue"
"""The log step of the line saying a lost build was queued again; one such line means the
deployment had its one retry (the log is in the shared database, as the user reads it)."""


async def sweep_lost_deployments(app: AutoStack) -> int:
    """The periodic check (every minute, by whichever consumer takes it): a worker killed
    while others keep running is found without waiting for a restart, and its build is
    queued again once for a live worker."""
    return await recover_lost_deployments(app, startup=False) + await requeue_stranded(app)


async def recover_lost_deployments(app: AutoStack, *, startup: bool = True) -> int:
    """Handle deployments whose worker died: on this host, its process is gone; on
    another, its lease in Redis lapsed (:mod:`autostack_core.build.worker_lease`).

    In the periodic sweep a lost deployment is queued again once (:func:`requeue`),
    else marked as an error. At ``startup`` it is marked as an error, and a deployment
    claimed by this process's own pid is an earlier life's (pids are reused); in the
    periodic sweep it is one this process builds. Returns how many were found lost.
    """
    host = WORKER_ID.split(":")[0]
    lost = 0
    for deployment in await Deployment.filter(state__in=[State.BUILDING, State.DEPLOYING]):
        worker_host, _, pid = (deployment.worker_id or ":").partition(":")
        if worker_host != host:
            if not await _lease_lapsed(app, deployment):
                continue
            reason = f"worker lost: the worker on {worker_host} stopped renewing its lease"
        # A deployment claimed by this very process's pid belongs to an earlier life of it.
        elif not pid.isdigit() or (int(pid) == os.getpid() and not startup) or (
                int(pid) != os.getpid() and process_alive(int(pid))):
            continue
        else:
            reason = "worker lost: the process building this deployment stopped"
        requeued = not startup and await requeue(app, deployment, reason)
        if not requeued and not await deployments.transition(
                app, deployment, State.ERROR, f"{reason}; redeploy to retry"):
            continue
        lost += 1
        killed = await kill_leftovers(deployment.id) if worker_host == host else 0
        if killed:
            logger.info("killed %d leftover build processes of %s", killed, deployment.id)
    return lost


async def requeue(app: AutoStack, deployment: Deployment, reason: str) -> bool:
    """Queue a lost deployment again for any live worker, once, saying so in its log.

    False (nothing changed) when it was queued again before, a cancel was asked for,
    or another consumer changed it first: the update is conditional on the state and
    the worker read, like :func:`autostack_core.services.deployments.transition`.
    """
    if deployment.cancel_requested or await DeploymentLog.filter(
            deployment_id=deployment.id, step=REQUEUE_STEP).exists():
        return False
    updated = await Deployment.filter(
        id=deployment.id, state=deployment.state, worker_id=deployment.worker_id,
    ).update(state=State.QUEUED, worker_id=None, building_at=None, deploying_at=None)
    if not updated:
        return False
    log = BuildLog(deployment.id, app.events)
    log.write(REQUEUE_STEP, f"{reason}; queued again for another worker (once: a second "
                            "loss fails the deployment)", "system")
    await log.close()
    logger.info("%s: %s; queued again", deployment.id, reason)
    await deployment.refresh_from_db()
    project = await Project.get(id=deployment.project_id)  # type: ignore[attr-defined]
    await deployments.announce(app, project, deployment)
    app.queue.enqueue("run_deployment", deployment.id)
    return True


async def requeue_stranded(app: AutoStack) -> int:
    """Queue again (once, else fail) the deployments ``queued`` for more than
    :data:`QUEUED_GRACE_SECONDS` whose message is in no queue: neither waiting nor
    scheduled (a build waiting for a slot is). A message taken just now by a live
    consumer is safe too: the pipeline claims a deployment by a conditional update, so
    the extra message finds it claimed and does nothing."""
    cutoff = datetime.now(UTC) - timedelta(seconds=QUEUED_GRACE_SECONDS)
    queued = await Deployment.filter(state=State.QUEUED, created_at__lt=cutoff,
                                     cancel_requested=False)
    if not queued:
        return 0
    waiting = await asyncio.to_thread(queued_deployment_ids, app)
    stranded = 0
    reason = "lost in the queue: a worker took this build and stopped before starting it"
    for deployment in queued:
        if deployment.id in waiting:
            continue
        if await requeue(app, deployment, reason) or await deployments.transition(
                app, deployment, State.ERROR, f"{reason}, twice; redeploy to retry"):
            stranded += 1
    return stranded


def queued_deployment_ids(app: AutoStack) -> set[str]:
    """The deployments with a ``run_deployment`` message waiting or scheduled in the queue."""
    huey = app.queue.huey
    return {str(task.args[0]) for task in [*huey.pending(), *huey.scheduled()]
            if task.name == "run_deployment" and task.args}


async def _lease_lapsed(app: AutoStack, deployment: Deployment) -> bool:
    """A deployment of another host's worker, claimed a lease's length ago, whose lease is gone."""
    claimed = deployment.deploying_at or deployment.building_at
    if not app.settings.redis_url or not deployment.worker_id or claimed is None or \
            datetime.now(UTC) - claimed < timedelta(seconds=LEASE_SECONDS):
        return False
    return await asyncio.to_thread(lease_lapsed, app.settings, deployment.worker_id)
