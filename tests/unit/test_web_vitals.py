"""Web vitals: the beacon's posts checked as hostile input, stored per page, shown at p75.

The posts go to the control plane's route as the edge proxies them (the
visitor's ``Host`` kept); through the real Caddy edge and a browser:
tests/e2e/test_analytics_edge.py.
"""

from __future__ import annotations

import json

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    Deployment,
    DeploymentState,
    Project,
    User,
    WebVital,
)
from autostack_core.services.analytics import analytics_json
from tests.fixtures_auth import client_for, owner, personal_team

__all__ = ["owner"]


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


@pytest.fixture
async def visitor(autostack: AutoStack) -> httpx.AsyncClient:
    async with client_for(autostack) as http:
        http.headers["host"] = "site.localhost"
        yield http


async def post(http: httpx.AsyncClient, body: object) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await http.post("/_autostack/insights/vitals", content=content)


async def test_vitals_are_stored_per_page_of_the_hostnames_deployment(
    site: Project, visitor: httpx.AsyncClient
) -> None:
    live = await Deployment.create(project=site, state=DeploymentState.READY)
    await Alias.create(hostname="site.localhost", project=site, deployment=live, kind="production")
    for lcp in (1000, 2000, 3000, 4000):
        response = await post(
            visitor,
            {"path": "/pricing?utm=x", "metrics": {"LCP": lcp, "CLS": 0.1, "INP": 40, "TTFB": 100}},
        )
        assert response.status_code == 204, response.text
    assert (await post(visitor, {"path": "/", "metrics": {"LCP": 500}})).status_code == 204
    vitals = (await analytics_json(site, "24h"))["web_vitals"]
    assert vitals["pages"][0] == {
        "path": "/pricing",
        "samples": 16,
        "p75": {"CLS": 0.1, "INP": 40.0, "LCP": 3000.0, "TTFB": 100.0},
    }
    assert vitals["p75"]["LCP"] == 3000.0 and len(vitals["pages"]) == 2
    assert (await analytics_json(site, "24h", live.id))["web_vitals"]["p75"]["TTFB"] == 100.0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"x" * 3000, 413),
        (b"not json", 422),
        ([1, 2], 422),
        ({"path": "no-slash", "metrics": {"LCP": 1}}, 422),
        ({"path": "/" + "a" * 300, "metrics": {"LCP": 1}}, 422),
        ({"path": "/\x00", "metrics": {"LCP": 1}}, 422),
        ({"path": "/", "metrics": {}}, 422),
        ({"path": "/", "metrics": {"FID": 1}}, 422),
        ({"path": "/", "metrics": {"LCP": -1}}, 422),
        ({"path": "/", "metrics": {"LCP": 1e300}}, 422),
        ({"path": "/", "metrics": {"LCP": "1"}}, 422),
        ({"path": "/", "metrics": {"LCP": True}}, 422),
    ],
)
async def test_a_bad_beacon_is_refused_and_nothing_is_stored(
    site: Project, visitor: httpx.AsyncClient, body: object, status: int
) -> None:
    live = await Deployment.create(project=site, state=DeploymentState.READY)
    await Alias.create(hostname="site.localhost", project=site, deployment=live, kind="production")
    assert (await post(visitor, body)).status_code == status
    assert await WebVital.all().count() == 0


async def test_a_hostname_nothing_serves_stores_nothing(
    site: Project, visitor: httpx.AsyncClient
) -> None:
    response = await post(visitor, {"path": "/", "metrics": {"LCP": 1}})
    assert response.status_code == 404
    assert await WebVital.all().count() == 0


async def test_the_script_is_served_for_pages_that_opt_in(visitor: httpx.AsyncClient) -> None:
    response = await visitor.get("/_autostack/insights/script.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "/_autostack/insights/vitals" in response.text
