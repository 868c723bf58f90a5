"""The dashboard's Analytics tab, through a signed-in session (charts: the e2e browser test)."""

from __future__ import annotations

import json
import time

import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, User
from autostack_plugins.providers.local.edge_analytics import ingest_log
from tests.fixtures_auth import Browser, browser, owner, personal_team

__all__ = ["browser", "owner"]


def line(deployment: str, path: str) -> str:
    return (
        json.dumps(
            {
                "ts": time.time(),
                "status": 200,
                "size": 2048,
                "duration": 0.003,
                "request": {
                    "host": "site.localhost",
                    "uri": path,
                    "client_ip": "192.0.2.1",
                    "headers": {"User-Agent": ["Firefox"]},
                },
                "deployment": deployment,
            }
        )
        + "\n"
    )


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


async def test_the_tab_shows_the_ranges_figures(
    autostack: AutoStack, site: Project, browser: Browser
) -> None:
    live = await Deployment.create(project=site, state=DeploymentState.READY)
    logs = autostack.settings.path("logs")
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "edge-access.log").write_text(line(live.id, "/docs") * 3 + line(live.id, "/"))
    await ingest_log(logs)
    page = await browser.http.get("/projects/site/analytics", params={"range": "7d"})
    assert page.status_code == 200
    text = page.text
    assert 'aria-current="page">Analytics</a>' in text
    assert '<dd data-total="requests">4</dd>' in text
    assert '<dd data-total="visitors">1</dd>' in text
    assert '<td class="mono">/docs</td><td>3</td>' in text
    assert '<option value="7d" selected>' in text
    one = await browser.http.get(
        "/projects/site/analytics", params={"deployment": live.id, "range": "1h"}
    )
    assert '<dd data-total="requests">4</dd>' in one.text
    bad = await browser.http.get("/projects/site/analytics", params={"range": "2y"})
    assert bad.status_code == 422 and "range must be one of" in bad.text
    assert (await browser.http.get("/projects/nope/analytics")).status_code == 404
