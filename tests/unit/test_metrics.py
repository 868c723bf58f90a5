"""/metrics: Prometheus text a scraper parses, requests counted by route template, the
deployments, builds, queue and drains read at scrape time; only the loopback or the
operator's token may scrape."""

from __future__ import annotations

from dataclasses import replace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import LogDrain
from tests.fixtures_auth import api, owner
from tests.web_fixtures import Site, site

__all__ = ["api", "owner", "site"]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def remote(autostack: AutoStack, token: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=autostack.asgi(), client=("203.0.113.7", 4000))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


async def test_a_loopback_scrape_reads_requests_deployments_and_drains(
    site: Site, autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    for _ in range(3):
        assert (await api.get(f"/api/v1/deployments/{site.current.id}")).status_code == 200
    assert (await api.get("/api/v1/deployments/nope")).status_code == 404
    await LogDrain.create(
        project=site.project,
        name="ship",
        kind="ndjson",
        url="https://logs.example.com/",
        sources=["build"],
        sent=7,
        dropped=2,
    )
    scraped = await api.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    found = samples(scraped.text)
    route = ("route", "/api/v1/deployments/{id}")
    assert (
        found[("autostack_http_requests_total", (("method", "GET"), route, ("status", "200")))] == 3
    )
    assert (
        found[("autostack_http_requests_total", (("method", "GET"), route, ("status", "404")))] == 1
    )
    assert found[("autostack_http_request_duration_seconds_count", (("method", "GET"), route))] == 4
    assert found[("autostack_deployments", (("state", "ready"),))] >= 2
    assert found[("autostack_deployments", (("state", "building"),))] >= 1
    assert found[("autostack_builds_running", ())] >= 1
    assert ("autostack_queue_pending", ()) in found
    assert ("autostack_build_seconds_total", ()) in found
    drain = (("drain", "ship"), ("outcome", "sent"), ("project", "site"))
    assert found[("autostack_log_drain_records_total", drain)] == 7
    assert not any(
        label[1].startswith("/api/v1/deployments/") and "{" not in label[1]
        for _, labels in found
        for label in labels
        if label[0] == "route"
    )


async def test_other_clients_need_the_token(autostack: AutoStack) -> None:
    async with remote(autostack) as http:
        assert (await http.get("/metrics")).status_code == 404
    autostack.settings = replace(
        autostack.settings,
        plugin_settings={
            **autostack.settings.plugin_settings,
            "AUTOSTACK_METRICS_TOKEN": "scrape-me-0123",
        },
    )
    async with remote(autostack, "wrong") as http:
        refused = await http.get("/metrics")
        assert refused.status_code in (401, 404) and "autostack_" not in refused.text
    async with remote(autostack, "scrape-me-0123") as http:
        scraped = await http.get("/metrics")
        assert scraped.status_code == 200 and "autostack_deployments" in scraped.text
