"""Crons on the null pair: recorded at build, scheduled once per minute, sent with the secret.

Deployments go through the real pipeline (upload, detection, sandboxed static
build); the cron requests are real HTTP to a stand-in server on the loopback
that takes the null edge's place (its port is the edge's), so what arrives
there is what an app behind the edge would receive. Through the real Caddy
edge: tests/e2e/test_crons.py.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    CronRun,
    DeploymentCron,
    DeploymentState,
    Environment,
    EnvironmentVariable,
    Project,
    ProtectionMode,
    User,
)
from autostack_plugins.crons import runner
from tests.fixtures_auth import api, owner, personal_team
from tests.http_standin import Recorded, StandIn, standin
from tests.null_edge import edge_of
from tests.queue_runner import run_queued
from tests.upload_deploy import deploy_files

__all__ = ["api", "owner"]

SECRET = "cron-secret-value-42"
MINUTE = (datetime.now(UTC) + timedelta(days=1)).replace(hour=5, minute=0, second=0,
                                                         microsecond=0)
"""05:00 tomorrow: after the deployments of the test were ready, as a real tick's minute is."""
DAILY = "0 5 * * *"
CRONS = [{"path": "/api/daily?full=1", "schedule": "0 5 * * *"},
         {"path": "/api/often", "schedule": "*/10 * * * *"}]


def vercel_json(crons: Any) -> dict[str, str]:
    return {"index.html": "<h1>hi</h1>", "vercel.json": json.dumps({"crons": crons})}


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    variable = EnvironmentVariable(project=project, key="CRON_SECRET",
                                   environment=Environment.PRODUCTION)
    variable.value = SECRET
    await variable.save()
    return project


@pytest.fixture
def app_server(autostack: AutoStack) -> Any:
    """A stand-in for the deployment behind the edge: the null edge's public URLs name its port."""
    with standin(lambda request: (200, {"ok": True})) as server:
        edge_of(autostack).port = int(server.url.rsplit(":", 1)[1])
        yield server


async def run_claimed(app: AutoStack) -> int:
    return await run_queued(app, "crons_run")


async def test_a_build_records_the_crons_and_a_bad_one_fails_naming_the_field(
    autostack: AutoStack, site: Project
) -> None:
    deployment = await deploy_files(autostack, site, vercel_json(CRONS))
    assert deployment.state == DeploymentState.READY
    rows = await DeploymentCron.filter(deployment=deployment).order_by("path")
    assert [(row.path, row.schedule) for row in rows] == [
        ("/api/daily?full=1", "0 5 * * *"), ("/api/often", "*/10 * * * *")]

    bad_schedule = await deploy_files(autostack, site,
                                      vercel_json([{"path": "/a", "schedule": "0 25 * * *"}]))
    assert bad_schedule.state == DeploymentState.ERROR
    assert bad_schedule.error_message == (
        "vercel.json crons[0].schedule '0 25 * * *': hour: '25' is outside 0-23")
    bad_path = await deploy_files(autostack, site,
                                  vercel_json([{"path": "api", "schedule": "* * * * *"}]))
    assert bad_path.state == DeploymentState.ERROR
    assert bad_path.error_message == (
        "vercel.json crons[0].path must be a string starting with /, got 'api'")


async def test_a_due_cron_is_sent_once_with_the_secret_and_recorded(
    autostack: AutoStack, site: Project, app_server: StandIn
) -> None:
    await deploy_files(autostack, site, vercel_json(CRONS))
    claimed = await runner.tick(autostack, MINUTE.replace(second=3))
    assert len(claimed) == 2  # 05:00 is due for both
    assert await run_claimed(autostack) == 2
    by_path = {request.path: request for request in app_server.requests}
    assert set(by_path) == {"/api/daily?full=1", "/api/often"}
    daily: Recorded = by_path["/api/daily?full=1"]
    assert daily.method == "GET"
    assert daily.headers["authorization"] == f"Bearer {SECRET}"
    assert daily.headers["user-agent"] == "vercel-cron/1.0"
    assert daily.headers["host"].startswith("site.localhost")
    assert "x-vercel-protection-bypass" not in daily.headers  # production is not protected

    runs = await CronRun.filter(project=site).order_by("path")
    assert [(run.path, run.status_code, run.scheduled_for) for run in runs] == [
        ("/api/daily?full=1", 200, MINUTE), ("/api/often", 200, MINUTE)]
    assert all(run.duration_ms is not None and run.error is None for run in runs)
    assert SECRET not in json.dumps([str(run.__dict__) for run in runs])

    assert await runner.tick(autostack, MINUTE.replace(minute=5)) == []  # nothing due at :05
    assert await runner.tick(autostack, MINUTE.replace(minute=10)) != []


async def test_two_workers_ticking_the_same_minute_send_one_request(
    autostack: AutoStack, site: Project, app_server: StandIn
) -> None:
    await deploy_files(autostack, site, vercel_json([{"path": "/once", "schedule": DAILY}]))
    first, second = await asyncio.gather(runner.tick(autostack, MINUTE),
                                         runner.tick(autostack, MINUTE.replace(second=40)))
    assert len(first) + len(second) == 1
    # Each worker would run what it claimed; a run queued twice still sends once.
    run_id = (first + second)[0]
    await asyncio.gather(runner.run(autostack, run_id), runner.run(autostack, run_id))
    assert await run_claimed(autostack) == 1
    assert [request.path for request in app_server.requests] == ["/once"]
    assert await CronRun.filter(project=site).count() == 1


async def test_preview_crons_never_run_and_a_new_production_replaces_the_set(
    autostack: AutoStack, site: Project, app_server: StandIn
) -> None:
    await deploy_files(autostack, site, vercel_json([{"path": "/old", "schedule": "0 * * * *"}]))
    preview = await deploy_files(autostack, site,
                                 vercel_json([{"path": "/preview", "schedule": "0 * * * *"}]),
                                 target="preview")
    assert await DeploymentCron.filter(deployment=preview).count() == 1  # recorded, not run
    await runner.tick(autostack, MINUTE)
    await run_claimed(autostack)
    assert [request.path for request in app_server.requests] == ["/old"]

    await deploy_files(autostack, site, vercel_json([{"path": "/new", "schedule": "0 * * * *"}]))
    await runner.tick(autostack, MINUTE + timedelta(hours=1))
    await run_claimed(autostack)
    assert [request.path for request in app_server.requests] == ["/old", "/new"]


async def test_disabled_crons_do_not_run(
    autostack: AutoStack, site: Project, app_server: StandIn, api: httpx.AsyncClient
) -> None:
    await deploy_files(autostack, site, vercel_json([{"path": "/x", "schedule": DAILY}]))
    changed = await api.patch("/api/v1/projects/site/crons", json={"enabled": False})
    assert changed.status_code == 200 and changed.json() == {"enabled": False}
    assert await AuditEvent.filter(action="project.crons_changed").count() == 1
    assert await runner.tick(autostack, MINUTE) == []
    assert (await api.patch("/api/v1/projects/site/crons", json={"enabled": "maybe"})
            ).status_code == 422
    await api.patch("/api/v1/projects/site/crons", json={"enabled": True})
    assert len(await runner.tick(autostack, MINUTE)) == 1


async def test_a_protected_production_gets_its_crons_with_the_bypass(
    autostack: AutoStack, site: Project, app_server: StandIn
) -> None:
    await deploy_files(autostack, site, vercel_json([{"path": "/x", "schedule": DAILY}]))
    site.protection_production = ProtectionMode.PASSWORD
    await site.save()
    await runner.tick(autostack, MINUTE)
    await run_claimed(autostack)
    await site.refresh_from_db()
    assert site.protection_bypass is not None
    sent = app_server.requests[0].headers
    assert sent["x-vercel-protection-bypass"] == site.protection_bypass


async def test_the_api_lists_crons_runs_and_runs_one_now(
    autostack: AutoStack, site: Project, app_server: StandIn, api: httpx.AsyncClient
) -> None:
    deployment = await deploy_files(autostack, site, vercel_json(CRONS))
    listed = (await api.get("/api/v1/projects/site/crons")).json()
    assert listed["enabled"] is True and listed["deployment"] == deployment.id
    assert [cron["path"] for cron in listed["crons"]] == ["/api/daily?full=1", "/api/often"]
    assert listed["crons"][0]["next_run"].endswith("05:00:00+00:00")

    started = await api.post("/api/v1/projects/site/crons/runs", json={"path": "/api/often"})
    assert started.status_code == 202 and started.json()["manual"] is True
    assert await run_claimed(autostack) == 1
    runs = (await api.get("/api/v1/projects/site/crons/runs")).json()["runs"]
    assert [(run["path"], run["status_code"], run["manual"]) for run in runs] == [
        ("/api/often", 200, True)]
    assert SECRET not in json.dumps(runs)
    missing = await api.post("/api/v1/projects/site/crons/runs", json={"path": "/nope"})
    assert missing.status_code == 404 and "path" in missing.text


async def test_an_unreachable_deployment_is_recorded_as_an_error(
    autostack: AutoStack, site: Project
) -> None:
    with standin(lambda request: (200, None)) as server:
        port = int(server.url.rsplit(":", 1)[1])
    edge_of(autostack).port = port  # nothing listens there any more
    await deploy_files(autostack, site, vercel_json([{"path": "/x", "schedule": DAILY}]))
    await runner.tick(autostack, MINUTE)
    await run_claimed(autostack)
    run = await CronRun.get(project=site)
    assert run.status_code is None and run.error is not None and "Connect" in run.error


async def test_a_late_tick_still_claims_its_minute_but_not_before_the_deployment(
    autostack: AutoStack, site: Project, app_server: StandIn
) -> None:
    """A tick that waited in a busy queue runs the minute it was for; nothing is caught up
    from before the deployment was ready or from longer ago than the look-back."""
    deployment = await deploy_files(autostack, site,
                                    vercel_json([{"path": "/d", "schedule": DAILY}]))
    assert deployment.ready_at is not None
    yesterday = deployment.ready_at.replace(hour=5, minute=0, second=0, microsecond=0)
    if yesterday >= deployment.ready_at:
        yesterday -= timedelta(days=1)
    assert await runner.tick(autostack, yesterday) == []  # before the deployment was ready
    too_late = MINUTE + timedelta(minutes=runner.LOOKBACK_MINUTES)
    assert await runner.tick(autostack, too_late) == []
    late = await runner.tick(autostack, MINUTE + timedelta(minutes=3, seconds=20))
    assert len(late) == 1 and await runner.tick(autostack, MINUTE) == []
    assert (await CronRun.get(id=late[0])).scheduled_for == MINUTE


async def test_runs_older_than_the_history_window_are_pruned(
    autostack: AutoStack, site: Project
) -> None:
    await CronRun.create(project=site, path="/a", schedule=DAILY, scheduled_for=MINUTE)
    recent = await CronRun.create(project=site, path="/a", schedule=DAILY,
                                  scheduled_for=MINUTE + timedelta(days=1))
    later = datetime.now(UTC) + timedelta(days=runner.HISTORY_DAYS, hours=1)
    await CronRun.filter(id=recent.id).update(created_at=later - timedelta(days=1))
    assert await runner.prune(later) == 1
    assert [run.id for run in await CronRun.all()] == [recent.id]
