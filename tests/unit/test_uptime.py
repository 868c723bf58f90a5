"""Uptime checks on the null pair: claimed once per slot, incidents after N failures, alerts.

Deployments go through the real pipeline (upload, static build); the checks
are real HTTP to a stand-in server on the loopback that takes the null
edge's place (its port is the edge's), and the alerts reach a webhook
notifier's stand-in, as a team's webhook would get them. Runs on SQLite and,
with AUTOSTACK_TEST_DATABASE_URL, on PostgreSQL. Through the real Caddy edge
and a server app that stops and starts: tests/e2e/test_uptime.py.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    AuditEvent,
    Project,
    ProtectionMode,
    UptimeCheck,
    UptimeIncident,
    User,
)
from autostack_core.services import notifications, uptime
from autostack_plugins.providers.null import NullRuntime
from autostack_plugins.uptime import checker, incidents
from tests.fixtures_auth import api, owner, personal_team
from tests.http_standin import Recorded, StandIn, standin
from tests.null_edge import edge_of
from tests.queue_runner import run_queued
from tests.upload_deploy import deploy_files

__all__ = ["api", "owner"]

START = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=7, microsecond=0)
"""Two hours ago, on the hour: within the uptime figures' 24 hours, slots on whole minutes."""
SITE = {"index.html": "<h1>hi</h1>"}


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


class Switch:
    """The stand-in app's answer, changed by the test (a status, or seconds to stall)."""

    def __init__(self) -> None:
        self.status = 200
        self.stall = 0.0

    def __call__(self, request: Recorded) -> tuple[int, Any]:
        if self.stall:
            time.sleep(self.stall)
        return self.status, {"ok": self.status < 400}


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def app_server(autostack: AutoStack, switch: Switch) -> Any:
    """A stand-in for the deployment behind the edge: the null edge's public URLs name its port."""
    with standin(switch) as server:
        edge_of(autostack).port = int(server.url.rsplit(":", 1)[1])
        yield server


@pytest.fixture
def alerts(site: Project) -> Any:
    """A webhook stand-in the project's notifier posts its events to (default events)."""
    with standin(lambda request: (200, None)) as receiver:
        yield receiver


async def add_webhook(api: httpx.AsyncClient, receiver: StandIn) -> None:
    response = await api.post(
        "/api/v1/projects/site/notifiers", json={"type": "webhook", "url": receiver.url}
    )
    assert response.status_code == 201, response.text


async def check_at(app: AutoStack, moment: datetime) -> int:
    """One scheduler tick at ``moment`` and the checks it queued, run; how many ran."""
    await checker.tick(app, moment)
    ran = await run_queued(app, checker.CHECK_TASK)
    await notifications.drain()
    return ran


def kinds(receiver: StandIn) -> list[str]:
    """The uptime events the webhook got, in order (deployment events aside)."""
    return [
        request.json()["type"]
        for request in receiver.requests
        if request.json()["type"].startswith("uptime.")
    ]


async def test_an_incident_opens_after_two_failures_and_closes_on_recovery(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
    switch: Switch,
    alerts: StandIn,
    api: httpx.AsyncClient,
) -> None:
    await add_webhook(api, alerts)
    await deploy_files(autostack, site, SITE)
    assert await check_at(autostack, START) == 1
    sent = app_server.requests[-1]
    assert (sent.method, sent.path) == ("GET", "/")
    assert sent.headers["host"].startswith("site.localhost:")
    assert sent.headers["user-agent"] == "autostack-uptime/1.0"

    switch.status = 503
    await check_at(autostack, START + timedelta(minutes=1))
    assert await UptimeIncident.filter(project=site).count() == 0  # one blip is no incident
    assert kinds(alerts) == []
    await check_at(autostack, START + timedelta(minutes=2))
    incident = await UptimeIncident.get(project=site)
    assert (incident.kind, incident.cause, incident.status_code, incident.checks_failed) == (
        "down",
        "status",
        503,
        2,
    )
    assert incident.started_at.astimezone(UTC) >= START + timedelta(minutes=1)
    assert incident.ended_at is None
    await check_at(autostack, START + timedelta(minutes=3))
    await incident.refresh_from_db()
    assert incident.checks_failed == 3
    assert kinds(alerts) == ["uptime.down"]  # announced once, not at every failed check

    switch.status = 200
    await check_at(autostack, START + timedelta(minutes=4))
    await incident.refresh_from_db()
    assert incident.ended_at is not None and incident.open_key is None
    assert kinds(alerts) == ["uptime.down", "uptime.up"]
    down, up = (
        request.json()
        for request in alerts.requests
        if request.json()["type"].startswith("uptime.")
    )
    assert down["project"] == "site" and down["data"]["hostname"] == "site.localhost"
    assert down["data"]["cause"] == "status" and down["data"]["detail"] == "answered 503"
    assert up["data"]["ended_at"] is not None

    summary = (await api.get("/api/v1/projects/site/uptime")).json()
    [row] = summary["hostnames"]
    assert row["status"] == "up"
    assert summary["incidents"][0]["checks_failed"] == 3
    assert summary["uptime_30d"] is not None and summary["uptime_30d"] < 100.0


async def test_two_workers_checking_one_slot_send_one_request_and_alert_once(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
    switch: Switch,
    alerts: StandIn,
    api: httpx.AsyncClient,
) -> None:
    await add_webhook(api, alerts)
    await deploy_files(autostack, site, SITE)
    switch.status = 500
    for minute in range(2):
        moment = START + timedelta(minutes=minute)
        first, second = await asyncio.gather(
            checker.tick(autostack, moment), checker.tick(autostack, moment + timedelta(seconds=30))
        )
        assert len(first) + len(second) == 1
        # Each worker runs what it claimed; a check queued twice is still sent once.
        check_id = (first + second)[0]
        await asyncio.gather(checker.run(autostack, check_id), checker.run(autostack, check_id))
        await run_queued(autostack, checker.CHECK_TASK)
    assert len(app_server.requests) == 2
    assert await UptimeCheck.filter(project=site).count() == 2
    await notifications.drain()
    # Both workers weigh the same failed streak at once: one incident, one alert.
    check = await UptimeCheck.filter(project=site).order_by("-slot").first()
    assert check is not None
    config = uptime.settings_of(site)
    outcome = incidents.Outcome(False, 500, "status", "answered 500")
    await UptimeIncident.filter(project=site).delete()
    await asyncio.gather(
        *(
            incidents.weigh_check(autostack, site, "site.localhost", config, outcome, START)
            for _ in range(2)
        )
    )
    await notifications.drain()
    assert await UptimeIncident.filter(project=site).count() == 1
    assert kinds(alerts) == ["uptime.down", "uptime.down"]  # the run's, then the pair's one


async def test_timeouts_and_refused_connections_are_causes(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
    switch: Switch,
    api: httpx.AsyncClient,
) -> None:
    await deploy_files(autostack, site, SITE)
    changed = await api.patch(
        "/api/v1/projects/site/uptime", json={"timeout": 1, "failures": 1, "path": "/health?deep=1"}
    )
    assert changed.status_code == 200, changed.text
    switch.stall = 1.5
    await check_at(autostack, START)
    assert app_server.requests[-1].path == "/health?deep=1"
    check = await UptimeCheck.get(project=site)
    assert (check.ok, check.cause, check.status_code) == (False, "timeout", None)
    incident = await UptimeIncident.get(project=site)
    assert (incident.cause, incident.checks_failed) == ("timeout", 1)

    with standin(lambda request: (200, None)) as gone:
        port = int(gone.url.rsplit(":", 1)[1])
    edge_of(autostack).port = port  # nothing listens there any more
    await check_at(autostack, START + timedelta(minutes=1))
    latest = await UptimeCheck.filter(project=site).order_by("-slot").first()
    assert latest is not None and latest.cause == "connection" and "Connect" in str(latest.error)


async def test_settings_are_checked_audited_and_turn_checks_off(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
    api: httpx.AsyncClient,
) -> None:
    await deploy_files(autostack, site, SITE)
    assert (await api.get("/api/v1/projects/site/uptime")).json()["settings"] == {
        "enabled": True,
        "path": "/",
        "interval": 60,
        "timeout": 10,
        "failures": 2,
        "errors_percent": 10,
        "errors_min": 10,
        "errors_window": 300,
    }
    for body, field in (
        ({"interval": 45}, "interval"),
        ({"path": "//evil.example"}, "path"),
        ({"path": "http://evil.example/"}, "path"),
        ({"failures": 0}, "failures"),
        ({"timeout": 31}, "timeout"),
        ({"host": "x"}, "host"),
    ):
        refused = await api.patch("/api/v1/projects/site/uptime", json=body)
        assert refused.status_code == 422, body
        assert field in refused.text
    await site.refresh_from_db()
    assert "uptime" not in site.settings  # nothing half-written

    changed = await api.patch("/api/v1/projects/site/uptime", json={"interval": 300})
    assert changed.json()["settings"]["interval"] == 300
    assert await AuditEvent.filter(action="project.uptime_changed").count() == 1
    assert len(await checker.tick(autostack, START)) == 1
    assert await checker.tick(autostack, START + timedelta(minutes=2)) == []  # same 5-min slot
    assert len(await checker.tick(autostack, START + timedelta(minutes=5))) == 1

    await api.patch("/api/v1/projects/site/uptime", json={"enabled": False})
    assert await checker.tick(autostack, START + timedelta(minutes=10)) == []


async def test_only_production_hostnames_are_checked_with_the_bypass_when_protected(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
) -> None:
    await deploy_files(autostack, site, SITE, target="preview")
    assert await checker.tick(autostack, START) == []  # no production yet
    production = await deploy_files(autostack, site, SITE)
    await Alias.create(
        hostname="www.site.test", project=site, deployment=production, kind=AliasKind.CUSTOM
    )
    site.protection_production = ProtectionMode.PASSWORD
    await site.save()
    assert await check_at(autostack, START) == 2
    hosts = sorted(request.headers["host"].split(":")[0] for request in app_server.requests)
    assert hosts == ["site.localhost", "www.site.test"]
    await site.refresh_from_db()
    assert all(
        request.headers["x-vercel-protection-bypass"] == site.protection_bypass
        for request in app_server.requests
    )
    made = await AuditEvent.get(action="project.protection_bypass_created")
    assert made.data["by"] == "uptime"


async def test_old_checks_and_incidents_of_former_hostnames_go(
    autostack: AutoStack, site: Project, app_server: StandIn, switch: Switch
) -> None:
    now = datetime.now(UTC)
    await UptimeCheck.create(
        project=site, hostname="site.localhost", slot=now - timedelta(days=40), ok=True
    )
    await UptimeCheck.create(project=site, hostname="site.localhost", slot=now, ok=True)
    assert await checker.prune(autostack, now) == 1
    assert await UptimeCheck.filter(project=site).count() == 1
    await UptimeCheck.filter(project=site).delete()

    production = await deploy_files(autostack, site, SITE)
    custom = await Alias.create(
        hostname="www.site.test", project=site, deployment=production, kind=AliasKind.CUSTOM
    )
    switch.status = 502
    for minute in range(2):
        await check_at(autostack, START + timedelta(minutes=minute))
    assert await UptimeIncident.filter(project=site, ended_at__isnull=True).count() == 2
    await custom.delete()  # the custom domain stops serving production
    switch.status = 200
    assert await checker.prune(autostack, now) == 1
    [left] = await UptimeIncident.filter(project=site, ended_at__isnull=True)
    assert left.hostname == "site.localhost"  # still production: a check will close it


async def test_a_check_started_now_counts_like_a_scheduled_one(
    autostack: AutoStack, site: Project, app_server: StandIn, api: httpx.AsyncClient
) -> None:
    await deploy_files(autostack, site, SITE)
    started = await api.post("/api/v1/projects/site/uptime/checks")
    assert started.status_code == 200, started.text
    [check] = started.json()["checks"]
    assert (check["hostname"], check["ok"], check["status_code"]) == ("site.localhost", True, 200)
    listed = (await api.get("/api/v1/projects/site/uptime/checks")).json()["checks"]
    assert [row["ok"] for row in listed] == [True]
    await api.patch("/api/v1/projects/site/uptime", json={"enabled": False})
    refused = await api.post("/api/v1/projects/site/uptime/checks")
    assert refused.status_code == 409 and "off" in refused.text


async def test_no_check_wakes_a_production_scaled_to_zero_and_asleep(
    autostack: AutoStack,
    site: Project,
    app_server: StandIn,
) -> None:
    """A check is a request through the edge: every minute it would wake a production that
    scales to zero (and keep it from ever idling long enough to sleep). None is sent while
    it sleeps; once a visitor woke it, checks go out again."""
    production = await deploy_files(autostack, site, SITE)
    site.settings = {**(site.settings or {}), "scale_to_zero": True}
    await site.save()
    runtime = autostack.runtimes[site.provider]
    assert isinstance(runtime, NullRuntime)
    runtime.releases[production.id].asleep = True
    assert await checker.tick(autostack, START) == []
    runtime.releases[production.id].asleep = False  # woken by a visitor
    assert await check_at(autostack, START + timedelta(minutes=1)) == 1
