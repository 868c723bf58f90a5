"""Analytics through the real Caddy edge, the periodic ingestion job, the API and a browser.

Requests go through the local edge with a deployment's hostname (as visitors'
browsers send them); the queue consumer's minute job reads the edge's access
log into the roll-ups; a real browser (Debian's chromium) loads a page that
opted in to the beacon script, and its web vitals arrive through the edge's
proxy; then the dashboard's Analytics tab shows the figures and draws its
charts with uPlot.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from autostack_core.services.web_vitals import SCRIPT
from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import (
    browser,
    csp_violations,
    log_in,
    new_context,
    serious_violations,
    shot,
)
from tests.e2e.test_deploy import deploy, hostname_of

__all__ = ["browser"]

pytestmark = pytest.mark.e2e

INGEST_WAIT_SECONDS = 150
"""Huey checks periodic jobs once a minute, then the job waits for a worker (see docs/crons.md)."""


def analytics(server: Server, project: str, **params: str) -> dict[str, Any]:
    with server.api() as api:
        response = api.get(f"/api/v1/projects/{project}/analytics", params=params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


def wait_for(server: Server, project: str, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + INGEST_WAIT_SECONDS
    while True:
        data = analytics(server, project, range="1h")
        if done(data) or time.monotonic() > deadline:
            return data
        time.sleep(2)


async def test_requests_through_the_edge_become_analytics_and_the_tab_charts_them(
    server: Server, site: Path, browser: Browser
) -> None:
    (site / "index.html").write_text(
        "<!doctype html><html lang=en><title>Site</title>"
        '<script defer src="/_autostack/insights/script.js"></script>'
        "<h1>version 1</h1><p>Some text for the largest paint.</p>\n"
    )
    hostname = hostname_of(deploy(server, site, "--prod", "--project", "stats")["url"])
    script = server.edge_get(hostname, "/_autostack/insights/script.js")
    assert script.status_code == 200 and script.text == SCRIPT
    edge = f"http://127.0.0.1:{server.edge_port}"
    with httpx.Client(base_url=edge, timeout=10) as visitor:
        for number in range(5):
            response = visitor.get(
                "/assets/file-1.txt",
                headers={
                    "Host": hostname,
                    "User-Agent": f"Agent/{number % 2}",
                    "Referer": "https://news.example.org/item",
                },
            )
            assert response.status_code == 200
        assert visitor.get("/missing", headers={"Host": hostname}).status_code == 404
        refused = visitor.post(
            "/_autostack/insights/vitals", content=b"x" * 5000, headers={"Host": hostname}
        )
        assert refused.status_code == 413

    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"http://{hostname}:{server.edge_port}/")
    await expect(page.get_by_role("heading", name="version 1")).to_be_visible()
    await page.wait_for_timeout(500)
    await page.goto(f"http://{hostname}:{server.edge_port}/assets/file-2.txt")  # pagehide

    data = wait_for(
        server,
        "stats",
        lambda d: any(row["path"] == "/assets/file-1.txt" for row in d["top_paths"]),
    )
    paths = {row["path"]: row["requests"] for row in data["top_paths"]}
    assert paths["/assets/file-1.txt"] == 5
    assert paths["/missing"] == 1
    assert not any(path.startswith("/_autostack/") for path in paths)
    assert data["top_referrers"] == [{"referrer": "news.example.org", "requests": 5}]
    assert data["totals"]["status"]["4xx"] >= 1
    assert data["totals"]["visitors"] >= 3  # two agents by httpx, the browser
    assert data["totals"]["p50_ms"] is not None
    vitals = data["web_vitals"]
    assert vitals["pages"] and vitals["pages"][0]["path"] == "/", vitals
    assert "TTFB" in vitals["p75"]

    await log_in(page, server, "dev@example.com", "/projects/stats/analytics")
    await expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    await expect(page.locator('[data-total="requests"]')).not_to_have_text("0")
    await expect(page.locator('[data-chart="requests"] canvas')).to_be_visible()
    await expect(page.locator('[data-chart="bytes"] canvas')).to_be_visible()
    await expect(page.locator("table[data-vitals]")).to_contain_text("/")
    await page.get_by_label("Range").select_option("7d")
    await expect(page.get_by_label("Range")).to_have_value("7d")
    await page.wait_for_url("**range=7d**")
    await expect(page.locator('[data-chart="requests"] canvas')).to_be_visible()
    assert await csp_violations(page) == []
    assert await serious_violations(page) == []
    await shot(page, "analytics")
    await context.close()
