"""Analytics from the local edge's access log: roll-ups, visitors, the cursor, the API.

The log lines are Caddy's access-log lines as the local edge writes them (the
fields it logs, the ``deployment`` its profile route appends, the ``fn`` its
function and server app routes append); through the real
Caddy edge: tests/e2e/test_analytics_edge.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AnalyticsSalt,
    AnalyticsVisitor,
    Deployment,
    DeploymentState,
    Project,
    Role,
    TrafficRollup,
    User,
)
from autostack_core.security import accounts
from autostack_core.services.analytics import analytics_json
from autostack_core.services.analytics_ingest import prune
from autostack_plugins.providers.local.edge_analytics import ingest_log
from tests.fixtures_auth import (
    PASSWORD,
    add_user,
    api,
    client_for,
    owner,
    personal_team,
    token_for,
)

__all__ = ["api", "owner"]


def line(
    deployment: str,
    path: str = "/",
    status: int = 200,
    size: int = 1000,
    duration: float = 0.004,
    ip: str = "203.0.113.9",
    agent: str = "Firefox",
    referer: str = "",
    ts: float | None = None,
    host: str = "site.localhost:8080",
    fn: bool = False,
) -> str:
    headers: dict[str, list[str]] = {"User-Agent": [agent]}
    if referer:
        headers["Referer"] = [referer]
    return (
        json.dumps(
            {
                "level": "info",
                "ts": time.time() if ts is None else ts,
                "logger": "http.log.access.access",
                "msg": "handled request",
                "request": {
                    "remote_ip": ip,
                    "client_ip": ip,
                    "proto": "HTTP/1.1",
                    "method": "GET",
                    "host": host,
                    "uri": path,
                    "headers": headers,
                },
                "bytes_read": 0,
                "duration": duration,
                "size": size,
                "status": status,
                "deployment": deployment,
                **({"fn": "1"} if fn else {}),
            }
        )
        + "\n"
    )


def append(log: Path, *lines: str) -> None:
    with log.open("a") as out:
        out.write("".join(lines))


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


async def deployment(project: Project) -> str:
    created = await Deployment.create(project=project, state=DeploymentState.READY)
    return created.id


@pytest.fixture
def logs(autostack: AutoStack) -> Path:
    folder = autostack.settings.path("logs")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_requests_roll_up_per_deployment_and_add_up_per_project(
    site: Project, logs: Path
) -> None:
    first, second = await deployment(site), await deployment(site)
    log = logs / "edge-access.log"
    append(
        log,
        *[line(first, "/", duration=0.002) for _ in range(90)],
        *[line(first, "/about?x=1", status=404, size=10, duration=0.2) for _ in range(8)],
        line(first, "/boom", status=502, duration=1.5),
        line(first, "/", referer="https://news.example.org/item?id=1"),
        line(first, "/", referer="http://site.localhost:8080/other"),
        line(second, "/", ip="198.51.100.1", agent="Chrome", size=500),
        line("gone", "/"),
        "not json\n",
        line(first, "/_autostack/insights/vitals", status=204),
    )
    assert await ingest_log(logs) == 105

    totals = (await analytics_json(site, "1h"))["totals"]
    assert totals["requests"] == 102
    assert totals["bytes"] == 92 * 1000 + 8 * 10 + 1000 + 500
    assert totals["status"] == {"2xx": 93, "3xx": 0, "4xx": 8, "5xx": 1}
    assert totals["visitors"] == 2
    assert 2 <= totals["p50_ms"] <= 2.5 and 150 <= totals["p95_ms"] <= 250
    assert 150 <= totals["p99_ms"] <= 250  # the 101st of 102: the last 200 ms one
    data = await analytics_json(site, "24h")
    assert data["top_paths"][:2] == [
        {"path": "/", "requests": 93},
        {"path": "/about", "requests": 8},
    ]
    assert data["top_referrers"] == [{"referrer": "news.example.org", "requests": 1}]
    assert sum(point["requests"] for point in data["series"]) == 102
    assert len(data["series"]) == 24 and data["series"][-1]["visitors"] == 2
    one = await analytics_json(site, "30d", second)
    assert one["totals"]["requests"] == 1 and one["totals"]["visitors"] == 1
    assert {row.period for row in await TrafficRollup.filter(deployment_id=second)} == {
        "m",
        "h",
        "d",
    }


async def test_visitors_are_daily_hashes_of_address_and_agent_without_either(
    site: Project, logs: Path
) -> None:
    first = await deployment(site)
    append(
        logs / "edge-access.log",
        line(first, ip="203.0.113.7", agent="Agent/1"),
        line(first, ip="203.0.113.7", agent="Agent/1"),
        line(first, ip="203.0.113.7", agent="Agent/2"),
    )
    await ingest_log(logs)
    hashes = {row.visitor for row in await AnalyticsVisitor.filter(period="d")}
    assert len(hashes) == 2
    assert not any("203.0.113.7" in value or "Agent" in value for value in hashes)
    assert await AnalyticsSalt.all().count() == 1
    # Once the day is over its salt goes: tomorrow's hash of the same visitor is another.
    await prune(90, now=datetime.now(UTC) + timedelta(days=1))
    assert await AnalyticsSalt.all().count() == 0


async def test_the_log_is_read_once_across_runs_rolls_and_truncation(
    site: Project, logs: Path
) -> None:
    first = await deployment(site)
    log = logs / "edge-access.log"
    append(log, line(first), line(first))
    assert await ingest_log(logs) == 2
    assert await ingest_log(logs) == 0
    append(log, line(first), '{"partial": ')  # a line still being written waits
    assert await ingest_log(logs) == 1
    append(log, '"line"}\n', line(first))
    # Caddy rolls the file: renamed, a new one started; the old one got a last line first.
    rolled = logs / "edge-access-2026-12-06T22-00-00.000.log"
    log.rename(rolled)
    append(rolled, line(first))
    append(log, line(first), line(first), line(first))
    assert await ingest_log(logs) == 6
    assert (await analytics_json(site, "1h"))["totals"]["requests"] == 8
    log.write_text(line(first))  # truncated and rewritten
    await ingest_log(logs)
    assert (await analytics_json(site, "1h"))["totals"]["requests"] == 9


async def test_two_workers_reading_at_once_count_each_line_once(site: Project, logs: Path) -> None:
    first = await deployment(site)
    append(logs / "edge-access.log", *[line(first) for _ in range(300)])
    await asyncio.gather(ingest_log(logs), ingest_log(logs), ingest_log(logs))
    assert (await analytics_json(site, "1h"))["totals"]["requests"] == 300


async def test_retention_drops_old_rows_and_keeps_recent_ones(site: Project, logs: Path) -> None:
    first = await deployment(site)
    old = time.time() - 40 * 86400
    append(logs / "edge-access.log", line(first, ts=old), line(first))
    await ingest_log(logs)
    assert await TrafficRollup.filter(period="d").count() == 2
    await prune(30)
    assert await TrafficRollup.filter(period="d").count() == 1
    assert await TrafficRollup.filter(period="h").count() == 1
    assert await TrafficRollup.filter(period="m").count() == 1


async def test_the_api_answers_members_only_and_names_a_bad_range(
    autostack: AutoStack, site: Project, logs: Path, api: httpx.AsyncClient, owner: User
) -> None:
    first = await deployment(site)
    append(logs / "edge-access.log", line(first, "/pricing"))
    await ingest_log(logs)
    response = await api.get("/api/v1/projects/site/analytics", params={"range": "7d"})
    assert response.status_code == 200, response.text
    assert response.json()["totals"]["requests"] == 1
    assert response.json()["top_paths"] == [{"path": "/pricing", "requests": 1}]
    one = await api.get(f"/api/v1/projects/site/deployments/{first}/analytics")
    assert one.json()["range"] == "24h" and one.json()["deployment"] == first
    bad = await api.get("/api/v1/projects/site/analytics", params={"range": "1y"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "range"
    missing = await api.get("/api/v1/projects/site/analytics", params={"deployment": "nope"})
    assert missing.status_code == 404
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as as_viewer:
        assert (await as_viewer.get("/api/v1/projects/site/analytics")).status_code == 200
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    async with client_for(autostack, await token_for(stranger)) as as_stranger:
        assert (await as_stranger.get("/api/v1/projects/site/analytics")).status_code == 404
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get("/api/v1/projects/site/analytics")).status_code == 401


async def test_function_invocations_roll_up_and_reach_the_team_usage(
    site: Project, logs: Path, api: httpx.AsyncClient, owner: User
) -> None:
    first, second = await deployment(site), await deployment(site)
    # A minute after today's midnight: the same UTC day and month whenever this runs.
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    ts = start.timestamp() + 60
    append(
        logs / "edge-access.log",
        *[line(first, "/api/hello", fn=True, ts=ts) for _ in range(3)],
        line(first, "/api/boom", status=500, fn=True, ts=ts + 3600),
        *[line(first, "/logo.png", ts=ts) for _ in range(4)],
        line(second, "/", fn=True, ts=ts),
        line(second, "/style.css", ts=ts),
    )
    await ingest_log(logs)
    rows = {(row.deployment_id, row.period, row.bucket): (row.requests, row.function_invocations)
            for row in await TrafficRollup.all()}
    assert rows[(first, "d", start)] == (8, 4)
    assert rows[(first, "h", start)] == (7, 3)
    assert rows[(first, "h", start + timedelta(hours=1))] == (1, 1)
    assert rows[(second, "m", start + timedelta(minutes=1))] == (2, 1)
    team = await personal_team(owner)
    answer = await api.get(f"/api/v1/teams/{team.slug}/usage")
    assert answer.status_code == 200, answer.text
    usage = answer.json()["usage"]
    assert (usage["total"]["requests"], usage["total"]["function_invocations"]) == (10, 5)
    assert [(row["project"], row["function_invocations"]) for row in usage["projects"]] == [
        ("site", 5)
    ]
    assert [(row["day"], row["function_invocations"]) for row in usage["days"]] == [
        (start.date().isoformat(), 5)
    ]
    [month] = answer.json()["months"]
    assert month["function_invocations"] == 5
