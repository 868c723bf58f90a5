"""The project page's health score: the score, each component with its weight and
reason, what was left out, and the daily history as an inline SVG."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from autostack_core.infrastructure.models import TrafficRollup
from autostack_core.services.analytics_ingest import latency_bucket
from tests.fixtures_auth import owner
from tests.web_fixtures import Site, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def test_the_page_shows_the_score_its_components_and_history(
    site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for days_ago in range(0, 9):
        await TrafficRollup.create(
            project=site.project,
            deployment=site.current,
            period="d",
            bucket=today - timedelta(days=days_ago),
            requests=1_000,
            status_2xx=1_000,
            latency=dict(Counter({str(latency_bucket(40)): 1_000})),
        )
    await TrafficRollup.create(
        project=site.project,
        deployment=site.current,
        period="h",
        bucket=datetime.now(UTC) - timedelta(hours=1),
        requests=400,
        status_2xx=300,
        status_5xx=100,
        latency=dict(Counter({str(latency_bucket(40)): 400})),
    )
    page = await http.get("/projects/site")
    assert page.status_code == 200
    text = page.text
    assert 'id="health-title">Health score</h2>' in text
    assert "<td>errors</td>" in text and "25.00% of 400 requests answered 5xx" in text
    assert (
        "<td>latency</td>" in text
        and "p95 43.368 ms against 43.368 ms over the 7 days before (1.00x)" in text
    )
    assert "Not enough data for certificates, uptime: left out" in text
    assert "data-health-history" in text and "<polyline points=" in text


async def test_without_traffic_only_the_builds_are_scored(site: Site, signed_in: Client) -> None:
    http, _ = signed_in
    page = await http.get("/projects/site")
    assert "<strong>100</strong> / 100" in page.text
    assert "<td>builds</td><td>10 (100%)</td>" in page.text
    assert "Not enough data for certificates, errors, latency, uptime: left out" in page.text
