"""Smart rollback: earlier production deployments ranked by their roll-ups, the API and CLI.

Roll-ups are written the way the edge's ingestion writes them (one row per deployment
and day, a latency histogram of :func:`latency_bucket` indexes), plus one deployment's
requests through the real access-log ingestion.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    AuditEvent,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    Role,
    TrafficRollup,
    User,
)
from autostack_core.security import accounts
from autostack_core.services.analytics_ingest import latency_bucket
from autostack_core.services.deployments import production_hostname
from autostack_core.services.rollback_advice import suggestions
from tests.fixtures_auth import PASSWORD, add_user, api, client_for, owner, personal_team, token_for
from tests.null_edge import stored_output
from tests.serving import serving

__all__ = ["api", "owner"]

NOW = datetime.now(UTC)


@pytest.fixture
async def site(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="site", team=await personal_team(owner), user=owner)


async def production(project: Project, days_ago: float, **fields: Any) -> Deployment:
    created = await Deployment.create(
        project=project, state=DeploymentState.READY, target=Environment.PRODUCTION, **fields
    )
    await Deployment.filter(id=created.id).update(created_at=NOW - timedelta(days=days_ago))
    return await Deployment.get(id=created.id)


async def served(
    deployment: Deployment, days_ago: int, requests: int, errors: int, latency_ms: float
) -> None:
    """A day's roll-up and the same requests in its noon hour's (as ingestion writes both):
    ``requests`` answered in ``latency_ms``, ``errors`` of them 5xx."""
    day = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC) - timedelta(days=days_ago)
    for period, bucket in (("d", day), ("h", day + timedelta(hours=12))):
        await TrafficRollup.create(
            project_id=deployment.project_id,  # type: ignore[attr-defined]
            deployment=deployment,
            period=period,
            bucket=bucket,
            requests=requests,
            status_2xx=requests - errors,
            status_5xx=errors,
            latency=dict(Counter({str(latency_bucket(latency_ms)): requests})),
        )


async def moved_production(project: Project, deployment: Deployment, days_ago: float) -> None:
    """The audit row ``deployments.promote`` writes when ``deployment`` takes production."""
    event = await AuditEvent.create(
        team_id=project.team_id,  # type: ignore[attr-defined]
        action="deployment.promoted",
        project=project.name,
        after={"production": deployment.id},
    )
    await AuditEvent.filter(id=event.id).update(created_at=NOW - timedelta(days=days_ago))


async def serve_now(autostack: AutoStack, project: Project, deployment: Deployment) -> None:
    await Alias.create(
        hostname=production_hostname(project.name, autostack.settings.base_domain),
        project=project,
        deployment=deployment,
        kind=AliasKind.PRODUCTION,
    )


@pytest.fixture
async def history(autostack: AutoStack, site: Project) -> dict[str, Deployment]:
    """Five production deployments, each serving production in turn: a steady one, a fast
    but failing one, a quiet one, a deleted one, the current one; and a preview. The steady
    one also failed on its own URL after it served: that does not count."""
    steady = await production(site, 9)
    await moved_production(site, steady, 9)
    await served(steady, 8, 6_000, 3, 80)
    await served(steady, 7, 6_340, 9, 80)
    await served(steady, 0, 5_000, 5_000, 900)
    failing = await production(site, 6)
    await moved_production(site, failing, 6)
    await served(failing, 5, 20_000, 900, 20)
    quiet = await production(site, 4)
    await moved_production(site, quiet, 4)
    await served(quiet, 3, 12, 0, 10)
    deleted = await production(site, 2, deleted_at=NOW)
    await moved_production(site, deleted, 2)
    await served(deleted, 1, 5_000, 0, 10)
    preview = await Deployment.create(project=site, state=DeploymentState.READY)
    await served(preview, 1, 5_000, 0, 10)
    current = await production(site, 1)
    await moved_production(site, current, 1)
    await served(current, 0, 1_000, 500, 900)
    await serve_now(autostack, site, current)
    return {"steady": steady, "failing": failing, "quiet": quiet, "current": current}


async def test_earlier_production_deployments_rank_by_5xx_then_p95_with_reasons(
    site: Project, history: dict[str, Deployment]
) -> None:
    ranked = await suggestions(site, history["current"], now=NOW)
    assert [s.deployment.id for s in ranked] == [
        history["steady"].id,
        history["failing"].id,
        history["quiet"].id,
    ]
    best, failing, quiet = ranked
    assert best.requests == 12_340 and best.errors == 12 and best.judged
    assert best.reason.startswith("0.1% 5xx and p95 ")
    assert best.reason.endswith(" ms over 12,340 requests while it served, until 6 days ago")
    assert 80 <= (best.p95_ms or 0) < 100
    assert failing.reason.startswith("4.5% 5xx and p95 ")
    assert not quiet.judged
    assert quiet.reason == (
        "not enough traffic to judge (12 requests while it served), until 2 days ago"
    )


async def test_a_lower_p95_breaks_a_tie_on_errors_and_no_candidates_is_an_empty_list(
    site: Project,
) -> None:
    assert await suggestions(site, None) == []
    slow, fast = await production(site, 3), await production(site, 2)
    await served(slow, 2, 500, 0, 400)
    await served(fast, 1, 500, 0, 40)
    ranked = await suggestions(site, None, now=NOW)
    assert [s.deployment.id for s in ranked] == [fast.id, slow.id]
    assert ranked[0].reason.startswith("0% 5xx and p95 ")
    # 0.01% against 0.04% (or 0%) 5xx counts as equal: the faster ranks first.
    rare, fast_but_some = await production(site, 1.5), await production(site, 1.2)
    await served(rare, 1, 10_000, 1, 2_000)
    await served(fast_but_some, 1, 10_000, 4, 50)
    ranked = await suggestions(site, None, now=NOW)
    assert [s.deployment.id for s in ranked] == [fast.id, fast_but_some.id, slow.id, rare.id]
    assert ranked[1].reason.startswith("0.04% 5xx and p95 ")
    # No production move recorded (the audit log pruned): all its roll-ups, and it says so.
    assert ranked[0].reason.endswith(" ms over 500 requests recorded, deployed 2 days ago")


async def test_the_api_ranks_for_viewers_and_hides_the_project_from_strangers(
    autostack: AutoStack, owner: User, api: httpx.AsyncClient, history: dict[str, Deployment]
) -> None:
    response = await api.get("/api/v1/projects/site/rollback/suggestions")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["current"] == history["current"].id
    assert [s["deployment"] for s in body["suggestions"]] == [
        history[name].id for name in ("steady", "failing", "quiet")
    ]
    assert body["suggestions"][0]["requests"] == 12_340
    assert body["suggestions"][0]["error_rate"] == pytest.approx(12 / 12_340)
    viewer = await add_user(await personal_team(owner), "vic@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as as_viewer:
        seen = await as_viewer.get("/api/v1/projects/site/rollback/suggestions")
        assert seen.status_code == 200 and seen.json() == body
    stranger = await accounts.create_user("stranger@example.com", PASSWORD)
    async with client_for(autostack, await token_for(stranger)) as as_stranger:
        assert (
            await as_stranger.get("/api/v1/projects/site/rollback/suggestions")
        ).status_code == 404
    async with client_for(autostack) as anonymous:
        assert (
            await anonymous.get("/api/v1/projects/site/rollback/suggestions")
        ).status_code == 401


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, ["rollback", *args], env=env)


async def test_the_cli_lists_the_ranking_and_rolls_back_to_the_suggested_one(
    autostack: AutoStack, owner: User, server: str, history: dict[str, Deployment]
) -> None:
    token = await token_for(owner)
    listed = await run(server, token, "--suggest", "--project", "site")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith(f"* 1. {history['steady'].id}  0.1% 5xx and p95 ")
    assert lines[2].endswith(
        "not enough traffic to judge (12 requests while it served), until 2 days ago"
    )
    assert f"Suggested: {history['steady'].id}" in lines[3]
    as_json = await run(server, token, "--suggest", "--project", "site", "--json")
    assert json.loads(as_json.output)[0]["deployment"] == history["steady"].id
    both = await run(server, token, "--yes", "--project", "site")
    assert both.exit_code == 2 and "--yes goes with --suggest" in both.output
    await Deployment.filter(id=history["steady"].id).update(
        output_manifest_hash=stored_output(autostack.settings)
    )
    moved = await run(server, token, "--suggest", "--yes", "--project", "site")
    assert moved.exit_code == 0, moved.output
    assert f"Rolled back to {history['steady'].id}" in moved.output
    hostname = production_hostname("site", autostack.settings.base_domain)
    alias = await Alias.get(hostname=hostname)
    assert alias.deployment_id == history["steady"].id  # type: ignore[attr-defined]


async def test_the_cli_will_not_pick_one_when_none_served_enough(
    autostack: AutoStack, owner: User, server: str, site: Project
) -> None:
    current = await production(site, 1)
    await serve_now(autostack, site, current)
    quiet = await production(site, 3)
    await served(quiet, 2, 5, 0, 10)
    refused = await run(server, await token_for(owner), "--suggest", "--yes", "--project", "site")
    assert refused.exit_code == 1
    assert "None served enough traffic to judge" in refused.output
    assert (
        await Alias.get(hostname=production_hostname("site", autostack.settings.base_domain))
    ).deployment_id == current.id  # type: ignore[attr-defined]
