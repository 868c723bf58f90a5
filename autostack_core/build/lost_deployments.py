"""Deployments whose worker died: found when a server or worker starts, marked as errors.

A worker records itself on the deployment it builds (``worker_id``, host and
pid). When that process is gone, nothing will finish the deployment: it goes
to ``error`` with the reason, never stays ``building``, and what its sandboxes
left running is killed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from autostack_core.build.sandbox_cgroups import kill_leftovers
from autostack_core.build.worker_lease import LEASE_SECONDS, lease_lapsed
from autostack_core.infrastructure.models import Deployment, DeploymentState
from autostack_core.infrastructure.queue import WORKER_ID
from autostack_core.services import deployments
from autostack_core.utils import process_alive

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.pipeline")
State = DeploymentState


SWEEP_TASK = "sweep_lost_deployments"


async def sweep_lost_deployments(app: AutoStack) -> int:
    """The periodic check (every minute, by whichever consumer takes it): a worker killed
    while others keep running is found without waiting for a restart."""
    return await recover_lost_deployments(app, startup=False)


async def recover_lost_deployments(app: AutoStack, *, startup: bool = True) -> int:
    """Mark deployments whose worker died as errored: on this host, its process is gone; on
    another, its lease in Redis lapsed (:mod:`autostack_core.build.worker_lease`).

    At ``startup`` a deployment claimed by this process's own pid is an earlier
    life's (pids are reused); in the periodic sweep it is one this process builds.
    """
    host = WORKER_ID.split(":")[0]
    lost = 0
    for deployment in await Deployment.filter(state__in=[State.BUILDING, State.DEPLOYING]):
        worker_host, _, pid = (deployment.worker_id or ":").partition(":")
        if worker_host != host:
            if not await _lease_lapsed(app, deployment):
                continue
            reason = (f"worker lost: the worker on {worker_host} stopped renewing its lease; "
                      "redeploy to retry")
        # A deployment claimed by this very process's pid belongs to an earlier life of it.
        elif not pid.isdigit() or (int(pid) == os.getpid() and not startup) or (
                int(pid) != os.getpid() and process_alive(int(pid))):
            continue
        else:
            reason = "worker lost: the process building this deployment stopped; redeploy to retry"
        if await deployments.transition(app, deployment, State.ERROR, reason):
            lost += 1
            killed = await kill_leftovers(deployment.id) if worker_host == host else 0
            if killed:
                logger.info("killed %d leftover build processes of %s", killed, deployment.id)
    return lost


async def _lease_lapsed(app: AutoStack, deployment: Deployment) -> bool:
    """A deployment of another host's worker, claimed a lease's length ago, whose lease is gone."""
    claimed = deployment.deploying_at or deployment.building_at
    if not app.settings.redis_url or not deployment.worker_id or claimed is None or \
            datetime.now(UTC) - claimed < timedelta(seconds=LEASE_SECONDS):
        return False
    return await asyncio.to_thread(lease_lapsed, app.settings, deployment.worker_id)
