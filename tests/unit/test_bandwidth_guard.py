"""A team past its plan's monthly bandwidth: its sites answer a page saying so (plans that block).

The null edge records which hostnames are protected; the gate is asked as the edge
asks it (``/_autostack/protection/check`` with the site's ``Host``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Plan, TrafficRollup, User
from autostack_core.services import bandwidth_guard
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner, token_for
from tests.web_fixtures import Site, site

__all__ = ["owner", "site"]

CHECK = "/_autostack/protection/check"
SITES = ("site.localhost", "site-git-feature.localhost")


async def send(site: Site, sent: int) -> None:
    """Add ``sent`` bytes to the production deployment's roll-up of today."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    row, _ = await TrafficRollup.get_or_create(project=site.project, deployment=site.current,
                                               period="d", bucket=today)
    row.bytes_sent += sent
    await row.save()


async def ask(autostack: AutoStack, hostname: str) -> tuple[int, str]:
    async with client_for(autostack) as gate:
        answer = await gate.get(f"http://{hostname}:8080{CHECK}",
                                headers={"accept": "text/html", "x-forwarded-uri": "/"})
    return answer.status_code, answer.text


async def test_past_the_bandwidth_the_sites_answer_402_until_the_plan_allows_more(
    autostack: AutoStack, site: Site, null_edge: NullEdge, owner: User,
) -> None:
    team = await site.project.team
    team.plan = await Plan.create(slug="small", name="Small", bandwidth_bytes_per_month=1000)
    await team.save()
    await send(site, 900)
    assert await bandwidth_guard.guard(autostack) == 0
    assert not set(SITES) & set(null_edge.protections)
    assert (await ask(autostack, "site.localhost"))[0] == 204
    await send(site, 200)  # 1,100 bytes this month: past 1,000
    assert await bandwidth_guard.guard(autostack) == 1
    assert set(SITES) <= set(null_edge.protections)
    status, page = await ask(autostack, "site.localhost")
    assert status == 402 and "used the Small plan's bandwidth for this month" in page
    team.plan.bandwidth_bytes_per_month = 10**6  # type: ignore[union-attr]
    await team.plan.save()  # type: ignore[union-attr]
    assert await bandwidth_guard.guard(autostack) == 0
    assert not set(SITES) & set(null_edge.protections)


async def test_a_throttling_plan_keeps_serving(autostack: AutoStack, site: Site,
                                               null_edge: NullEdge) -> None:
    team = await site.project.team
    team.plan = await Plan.create(slug="slow", name="Slow", bandwidth_bytes_per_month=10,
                                  over_bandwidth="throttle")
    await team.save()
    await send(site, 5000)
    assert await bandwidth_guard.guard(autostack) == 0
    assert (await ask(autostack, "site.localhost"))[0] == 204


async def test_a_plan_that_stops_blocking_releases_its_teams_at_once(
    autostack: AutoStack, site: Site, null_edge: NullEdge, owner: User,
) -> None:
    autostack.settings = replace(autostack.settings, admins=(owner.email,))
    team = await site.project.team
    team.plan = await Plan.create(slug="small", name="Small", bandwidth_bytes_per_month=10)
    await team.save()
    await send(site, 5000)
    assert await bandwidth_guard.guard(autostack) == 1
    async with client_for(autostack, await token_for(owner)) as api:
        changed = await api.patch("/api/v1/plans/small", json={"over_bandwidth": "throttle"})
        assert changed.status_code == 200
        assert set(SITES) <= set(null_edge.protections)  # throttled: the gate still sees them
        assert (await ask(autostack, "site.localhost"))[0] == 204  # served, not blocked
        assert (await api.patch("/api/v1/plans/small", json={"over_bandwidth": "block"})
                ).status_code == 200
        assert set(SITES) <= set(null_edge.protections)
        moved = await api.put(f"/api/v1/teams/{team.slug}/plan", json={"plan": "enterprise"})
        assert moved.status_code == 200
        assert not set(SITES) & set(null_edge.protections)
