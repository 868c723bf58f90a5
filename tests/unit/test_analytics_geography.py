"""Countries in the analytics: from each request's address, through geoip2fast's own database.

The addresses below are public ones, but only as data in an access-log file:
no traffic is sent to them, and the lookup itself never touches the network
(the last test loads the database with sockets refused).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Project, TrafficRollup, User
from autostack_core.services import geography
from autostack_core.services.analytics import analytics_json
from autostack_plugins.providers.local.edge_analytics import ingest_log
from tests.fixtures_auth import owner
from tests.unit.test_analytics import append, deployment, line, logs, site
from tests.web_fixtures import log_in

__all__ = ["logs", "owner", "site"]

UNITED_KINGDOM, UNITED_STATES, GERMANY = "81.2.69.160", "8.8.8.8", "2a00:1450:4001::1"
NO_COUNTRY = ("127.0.0.1", "::1", "10.0.0.7", "192.168.1.20", "203.0.113.9", "")


async def test_requests_count_per_country_and_loopback_has_none(
    site: Project, logs: Path
) -> None:
    first, second = await deployment(site), await deployment(site)
    append(
        logs / "edge-access.log",
        *[line(first, ip=UNITED_KINGDOM) for _ in range(3)],
        *[line(first, ip=UNITED_STATES) for _ in range(2)],
        line(second, ip=GERMANY),
        *[line(first, ip=address) for address in NO_COUNTRY],
    )
    assert await ingest_log(logs) == 12

    data = await analytics_json(site, "24h")
    assert data["top_countries"] == [
        {"country": None, "name": "Unknown", "requests": 6},
        {"country": "GB", "name": "United Kingdom", "requests": 3},
        {"country": "US", "name": "United States", "requests": 2},
        {"country": "DE", "name": "Germany", "requests": 1},
    ]
    one = await analytics_json(site, "1h", second)
    assert one["top_countries"] == [{"country": "DE", "name": "Germany", "requests": 1}]
    day = await TrafficRollup.get(deployment_id=first, period="d")
    assert day.countries == {"unknown": 6, "GB": 3, "US": 2}


async def test_the_api_and_the_analytics_tab_show_the_countries(
    autostack: AutoStack, site: Project, logs: Path, owner: User
) -> None:
    append(logs / "edge-access.log", line(await deployment(site), ip=UNITED_KINGDOM))
    await ingest_log(logs)
    transport = httpx.ASGITransport(app=autostack.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await log_in(http)
        answer = await http.get("/api/v1/projects/site/analytics?range=24h")
        assert answer.json()["top_countries"] == [
            {"country": "GB", "name": "United Kingdom", "requests": 1}]
        page = (await http.get("/projects/site/analytics?range=24h")).text
    assert "<h2 id=\"countries-title\">Countries</h2>" in page
    assert "United Kingdom</td><td>1</td>" in page


def test_the_database_loads_and_answers_with_the_network_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("geography tried the network")

    monkeypatch.setattr(socket.socket, "connect", refused)
    monkeypatch.setattr(socket, "getaddrinfo", refused)
    monkeypatch.setattr(geography, "_database", None)
    assert geography.country_of(UNITED_KINGDOM) == "GB"
    assert geography.country_of(GERMANY) == "DE"
    assert [geography.country_of(address) for address in (*NO_COUNTRY, "not an address")] \
        == ["unknown"] * (len(NO_COUNTRY) + 1)
