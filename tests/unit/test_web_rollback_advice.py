"""The project page's smart rollback: the suggested deployment, why, and its button."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Alias, Deployment, Role, TrafficRollup, User
from autostack_core.services.analytics_ingest import latency_bucket
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.null_edge import stored_output
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


async def served(
    deployment: Deployment, requests: int, errors: int, latency_ms: float, days_ago: int = 2
) -> None:
    await TrafficRollup.create(
        project_id=deployment.project_id,  # type: ignore[attr-defined]
        deployment=deployment,
        period="d",
        bucket=datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        - timedelta(days=days_ago),
        requests=requests,
        status_2xx=requests - errors,
        status_5xx=errors,
        latency=dict(Counter({str(latency_bucket(latency_ms)): requests})),
    )


async def steadier(autostack: AutoStack, site: Site) -> Deployment:
    """An older production deployment that measured better than ``site.old``."""
    older = await Deployment.create(
        project=site.project,
        state="ready",
        target="production",
        branch="main",
        deployment_url="http://site-older.localhost",
        output_manifest_hash=stored_output(autostack.settings, "older"),
    )
    await Deployment.filter(id=older.id).update(created_at=site.old.created_at - timedelta(days=3))
    await served(site.old, 2_000, 200, 30)
    await served(older, 12_340, 12, 80)
    return older


async def test_the_page_suggests_the_best_measured_and_rolls_back_to_it(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    older = await steadier(autostack, site)
    http, token = signed_in
    page = await http.get("/projects/site")
    assert page.status_code == 200
    assert f'Suggested rollback: <a href="/deployments/{older.id}"' in page.text
    assert (
        "0.1% 5xx and p95 " in page.text
        and " ms over 12,340 requests recorded, deployed 3 days ago" in page.text
    )
    assert f">Roll back to {older.id}</button>" in page.text
    moved = await http.post(
        "/projects/site/rollback", data={"csrf_token": token, "deployment": older.id}
    )
    assert moved.status_code == 303
    assert moved.headers["location"].startswith(f"/projects/site?done=rolled-back&id={older.id}")
    alias = await Alias.get(hostname="site.localhost")
    assert alias.deployment_id == older.id  # type: ignore[attr-defined]
    wrong = await http.post(
        "/projects/site/rollback", data={"csrf_token": token, "deployment": "nope"}
    )
    assert wrong.status_code == 404 and "nope is not a ready production deployment" in wrong.text
    assert (await Alias.get(hostname="site.localhost")).deployment_id == older.id  # type: ignore[attr-defined]


async def test_no_suggestion_without_enough_traffic_and_viewers_get_no_button(
    autostack: AutoStack, site: Site, signed_in: Client, owner: User
) -> None:
    http, _ = signed_in
    await served(site.old, 12, 0, 30, days_ago=1)
    assert "Suggested rollback" not in (await http.get("/projects/site")).text
    older = await steadier(autostack, site)
    await add_user(await personal_team(owner), "vera@example.com", Role.VIEWER)
    async with client_for(autostack) as viewer:
        await log_in(viewer, "vera@example.com")
        page = await viewer.get("/projects/site")
    assert f'Suggested rollback: <a href="/deployments/{older.id}"' in page.text
    assert "Roll back to" not in page.text
