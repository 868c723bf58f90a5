"""Deployments whose worker died are found by the periodic sweep, not only at a restart:
on this host by the worker's pid, on another by its lease in Redis. The sweep queues a
lost build again once, saying so in its log; a second loss, or a restart, fails it.

A dead worker is a real process that exited (its pid, reaped); a live one is
this test's own process or a sleeping child.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import redis

from autostack_core.app import AutoStack
from autostack_core.build.lost_deployments import (
    QUEUED_GRACE_SECONDS,
    queued_deployment_ids,
    recover_lost_deployments,
    sweep_lost_deployments,
)
from autostack_core.build.worker_lease import LEASE_SECONDS, hold_lease, lease_key
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentLog,
    DeploymentState,
    Project,
    User,
)
from tests.conftest import REDIS_URL
from tests.fixtures_auth import owner, personal_team

__all__ = ["owner"]
HOST = socket.gethostname()


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def building(project: Project, worker_id: str) -> Deployment:
    return await Deployment.create(project=project, state=DeploymentState.BUILDING,
                                   worker_id=worker_id)


async def test_the_sweep_requeues_builds_of_dead_workers_once_and_spares_live_ones(
        autostack: AutoStack, owner: User) -> None:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    alive = subprocess.Popen(["sleep", "30"])
    try:
        lost = await building(project, f"{HOST}:{dead_pid()}")
        other_live_worker = await building(project, f"{HOST}:{alive.pid}")
        this_worker = await building(project, f"{HOST}:{os.getpid()}")
        other_host = await building(project, f"elsewhere.example:{dead_pid()}")

        assert await sweep_lost_deployments(autostack) == 1
        states = {row.id: (row.state, row.worker_id) for row in await Deployment.all()}
        assert states[lost.id] == (DeploymentState.QUEUED, None)  # for any live worker
        log = await DeploymentLog.filter(deployment_id=lost.id).values_list("line", flat=True)
        assert len(log) == 1 and "process building this deployment stopped" in log[0]
        assert "queued again" in log[0]
        for spared in (other_live_worker, this_worker, other_host):
            assert states[spared.id][0] == DeploymentState.BUILDING

        # Lost a second time (a worker took it and died too): an error, not a loop.
        await Deployment.filter(id=lost.id).update(state=DeploymentState.BUILDING,
                                                   worker_id=f"{HOST}:{dead_pid()}")
        assert await sweep_lost_deployments(autostack) == 1
        again = await Deployment.get(id=lost.id)
        assert again.state == DeploymentState.ERROR
        assert "worker lost" in (again.error_message or "")

        # At startup, a deployment claimed by this pid belongs to an earlier life of it.
        assert await recover_lost_deployments(autostack) == 1
        assert (await Deployment.get(id=this_worker.id)).state == DeploymentState.ERROR
    finally:
        alive.kill()
        alive.wait()


def test_the_sweep_is_a_periodic_task_of_every_consumer(autostack: AutoStack) -> None:
    assert "sweep_lost_deployments" in autostack.queue.periodic_jobs


@pytest.mark.skipif(not REDIS_URL, reason="leases live in Redis (AUTOSTACK_TEST_REDIS_URL)")
async def test_a_worker_on_another_host_is_lost_when_its_lease_lapses(
        autostack: AutoStack, owner: User) -> None:
    settings = autostack.settings
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    long_ago = datetime.now(UTC) - timedelta(seconds=LEASE_SECONDS + 60)
    lapsed = await Deployment.create(project=project, state=DeploymentState.BUILDING,
                                     worker_id="node-7.example:41", building_at=long_ago)
    renewed = await Deployment.create(project=project, state=DeploymentState.BUILDING,
                                      worker_id="node-8.example:42", building_at=long_ago)
    just_claimed = await Deployment.create(project=project, state=DeploymentState.BUILDING,
                                           worker_id="node-9.example:43",
                                           building_at=datetime.now(UTC))
    hold_lease(settings, "node-8.example:42")
    client = redis.Redis.from_url(settings.redis_url or "")
    for _ in range(50):
        if client.exists(lease_key(settings, "node-8.example:42")):
            break
        await asyncio.sleep(0.1)

    assert await sweep_lost_deployments(autostack) == 1
    swept = await Deployment.get(id=lapsed.id)
    assert swept.state == DeploymentState.QUEUED
    log = await DeploymentLog.filter(deployment_id=lapsed.id).values_list("line", flat=True)
    assert "node-7.example stopped renewing its lease" in log[0]
    for spared in (renewed, just_claimed):
        assert (await Deployment.get(id=spared.id)).state == DeploymentState.BUILDING
    assert 0 < client.ttl(lease_key(settings, "node-8.example:42")) <= LEASE_SECONDS


async def test_a_build_lost_in_the_queue_is_queued_again_and_a_waiting_one_is_spared(
        autostack: AutoStack, owner: User) -> None:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    long_ago = datetime.now(UTC) - timedelta(seconds=QUEUED_GRACE_SECONDS + 60)
    stranded = await Deployment.create(project=project)  # its message taken by a dead worker
    waiting = await Deployment.create(project=project)  # behind other builds in the queue
    await Deployment.filter(id__in=[stranded.id, waiting.id]).update(created_at=long_ago)
    fresh = await Deployment.create(project=project)  # being queued right now
    autostack.queue.enqueue("run_deployment", waiting.id, False)

    assert await sweep_lost_deployments(autostack) == 1
    assert queued_deployment_ids(autostack) == {waiting.id, stranded.id}
    log = await DeploymentLog.filter(deployment_id=stranded.id).values_list("line", flat=True)
    assert "lost in the queue" in log[0] and "queued again" in log[0]
    assert not await DeploymentLog.filter(deployment_id__in=[waiting.id, fresh.id]).exists()

    # Its message lost again: an error, not a loop.
    autostack.queue.huey.flush()
    assert await sweep_lost_deployments(autostack) == 2  # and the waiting one, now lost too
    failed = await Deployment.get(id=stranded.id)
    assert failed.state == DeploymentState.ERROR and "twice" in (failed.error_message or "")
    assert (await Deployment.get(id=waiting.id)).state == DeploymentState.QUEUED
