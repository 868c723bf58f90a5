"""The health score: components from roll-ups, uptime checks and incidents, failed
builds; dropped components renormalized; the daily history; the API."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Deployment,
    Domain,
    Project,
    Role,
    TrafficRollup,
    UptimeCheck,
    UptimeIncident,
    User,
)
from autostack_core.security import accounts
from autostack_core.services.analytics_ingest import latency_bucket
from autostack_core.services.health_score import health, sparkline
from tests.fixtures_auth import PASSWORD, add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

NOW = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=30, second=0, microsecond=0)
"""Half past an hour, always after the rows the tests create at the real time (computed at
import: at 10:45 a NOW of 10:30 left out the deployments made by the test)."""
TODAY = NOW.replace(hour=0, minute=0)


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


async def rollup(
    project: Project,
    deployment: Deployment,
    period: str,
    bucket: datetime,
    requests: int,
    errors: int,
    latency_ms: float,
) -> None:
    await TrafficRollup.create(
        project=project,
        deployment=deployment,
        period=period,
        bucket=bucket,
        requests=requests,
        status_2xx=requests - errors,
        status_5xx=errors,
        latency=dict(Counter({str(latency_bucket(latency_ms)): requests})),
    )


async def baseline_week(project: Project, deployment: Deployment) -> None:
    """Seven days of 1,000 requests, 0.5% 5xx, about 50 ms."""
    for days_ago in range(1, 8):
        await rollup(project, deployment, "d", TODAY - timedelta(days=days_ago), 1_000, 5, 50)


async def test_no_data_gives_no_score_and_drops_every_component(site: Project) -> None:
    result = await health(site, NOW)
    assert result["score"] is None and result["components"] == []
    assert result["dropped"] == ["builds", "certificates", "errors", "latency", "uptime"]
    assert len(result["history"]) == 30
    assert all(day["score"] is None for day in result["history"])


async def test_a_healthy_project_scores_100_with_every_component_explained(site: Project) -> None:
    deployment = await Deployment.create(project=site, state="ready", target="production")
    await baseline_week(site, deployment)
    await rollup(site, deployment, "h", NOW - timedelta(hours=2), 500, 2, 50)
    for minutes in (5, 10, 15):
        await UptimeCheck.create(
            project=site, hostname="site.localhost", slot=NOW - timedelta(minutes=minutes), ok=True
        )
    await Domain.create(
        project=site,
        domain_name="www.example.com",
        verification_token="t",
        cert_expires_at=NOW + timedelta(days=60),
    )
    result = await health(site, NOW)
    assert result["score"] == 100 and result["dropped"] == []
    by_name = {c["name"]: c for c in result["components"]}
    assert {n: c["weight"] for n, c in by_name.items()} == {
        "errors": 30,
        "latency": 20,
        "uptime": 30,
        "builds": 10,
        "certificates": 10,
    }
    assert "0.40% of 500 requests answered 5xx, against 0.50%" in by_name["errors"]["reason"]
    assert "100.00% of uptime checks passed" in by_name["uptime"]["reason"]
    assert by_name["builds"]["reason"] == "0 of 1 builds in the last 7 days failed"


async def test_errors_latency_downtime_and_failed_builds_lower_it(site: Project) -> None:
    deployment = await Deployment.create(project=site, state="ready", target="production")
    await Deployment.create(project=site, state="error", target="production")
    await baseline_week(site, deployment)
    # 5.5% 5xx now against 0.5%: 5 points above, 100 points lost; p95 far above.
    await rollup(site, deployment, "h", NOW - timedelta(hours=1), 1_000, 55, 2_000)
    for minutes, ok in ((5, True), (10, False)):
        await UptimeCheck.create(
            project=site, hostname="site.localhost", slot=NOW - timedelta(minutes=minutes), ok=ok
        )
    result = await health(site, NOW)
    by_name = {c["name"]: c["score"] for c in result["components"]}
    assert by_name == {"errors": 0.0, "latency": 0.0, "uptime": 0.0, "builds": 50.0}
    assert result["score"] == round(50 * 10 / 90)  # no certificate: left out


async def test_dropped_components_renormalize_the_weights(site: Project) -> None:
    await Deployment.create(project=site, state="ready")
    await Deployment.create(project=site, state="error")
    await Deployment.create(project=site, state="building")  # not finished: not counted
    result = await health(site, NOW)
    assert result["dropped"] == ["certificates", "errors", "latency", "uptime"]
    assert result["components"] == [
        {
            "name": "builds",
            "weight": 10,
            "share": 1.0,
            "score": 50.0,
            "reason": "1 of 2 builds in the last 7 days failed",
        }
    ]
    assert result["score"] == 50


async def test_the_history_scores_each_day_from_its_roll_up_and_incidents(site: Project) -> None:
    deployment = await Deployment.create(project=site, state="ready")
    await Deployment.filter(id=deployment.id).update(created_at=TODAY - timedelta(days=20))
    for days_ago in range(2, 12):
        await rollup(site, deployment, "d", TODAY - timedelta(days=days_ago), 1_000, 0, 50)
    # Yesterday: 10% 5xx, and down for 6 of its 24 hours.
    await rollup(site, deployment, "d", TODAY - timedelta(days=1), 1_000, 100, 50)
    await UptimeCheck.create(project=site, hostname="site.localhost", slot=NOW, ok=True)
    await UptimeIncident.create(
        project=site,
        hostname="site.localhost",
        kind="down",
        cause="timeout",
        detail="down",
        started_at=TODAY - timedelta(hours=6),
        ended_at=TODAY,
    )
    history = (await health(site, NOW))["history"]
    assert history[-1]["day"] == TODAY.date().isoformat()
    by_day = {entry["day"]: entry["score"] for entry in history}
    yesterday = by_day[(TODAY - timedelta(days=1)).date().isoformat()]
    # errors 0 (weight 30), latency 100 (20), uptime 75% -> 0 (30): 20/80 of 100.
    assert yesterday == round(100 * 20 / 80)
    assert by_day[(TODAY - timedelta(days=3)).date().isoformat()] == 100
    points = sparkline(history)
    assert points.count(",") == sum(1 for entry in history if entry["score"] is not None)


async def test_the_api_answers_viewers_and_hides_the_project_from_strangers(
    autostack: AutoStack, owner: User, api: httpx.AsyncClient, site: Project
) -> None:
    await Deployment.create(project=site, state="error")
    response = await api.get("/api/v1/projects/site/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["score"] == 0 and body["components"][0]["name"] == "builds"
    assert len(body["history"]) == 30
    viewer = await add_user(await personal_team(owner), "vic@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as as_viewer:
        seen = await as_viewer.get("/api/v1/projects/site/health")
        assert seen.status_code == 200 and seen.json()["score"] == 0
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    async with client_for(autostack, await token_for(stranger)) as as_stranger:
        assert (await as_stranger.get("/api/v1/projects/site/health")).status_code == 404
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get("/api/v1/projects/site/health")).status_code == 401


async def test_a_certificate_close_to_expiry_lowers_the_score(site: Project) -> None:
    await Domain.create(
        project=site,
        domain_name="www.example.com",
        verification_token="t",
        cert_expires_at=NOW + timedelta(days=30),
    )
    await Domain.create(
        project=site,
        domain_name="api.example.com",
        verification_token="u",
        cert_expires_at=NOW + timedelta(days=7),
    )
    result = await health(site, NOW)
    assert result["components"] == [
        {
            "name": "certificates",
            "weight": 10,
            "share": 1.0,
            "score": 50.0,
            "reason": "the certificate of api.example.com expires in 7 days "
            f"({(NOW + timedelta(days=7)).date().isoformat()}); full marks from 14 days left",
        }
    ]
    assert result["score"] == 50
