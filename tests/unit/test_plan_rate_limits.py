"""A plan's rate limits (issue 23): the throttle past the month's bandwidth, and limits per
address and per project that override the server's, at the protection gate (only the
hostnames of the teams concerned are asked about) and at the edge's check.

The null edge records which hostnames are protected; the gate is asked as the edge
asks it. Rates are one request per 1000 s, so only the burst passes: nothing is timed.
"""

from __future__ import annotations

from dataclasses import replace

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Plan, User
from autostack_core.services import bandwidth_guard
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import client_for, owner, token_for
from tests.serving import serving
from tests.unit.test_bandwidth_guard import SITES, send
from tests.unit.test_cli_plans import run
from tests.web_fixtures import Site, log_in, site

__all__ = ["owner", "site"]

CHECK = "/_autostack/protection/check"


async def ask(autostack: AutoStack, hostname: str, address: str = "203.0.113.9"
              ) -> httpx.Response:
    """The gate's answer for one request, as the edge on this machine asks it."""
    transport = httpx.ASGITransport(app=autostack.asgi(), client=("127.0.0.1", 4242))
    async with httpx.AsyncClient(transport=transport) as gate:
        return await gate.get(f"http://{hostname}:8080{CHECK}",
                              headers={"accept": "text/html", "x-forwarded-uri": "/",
                                       "x-forwarded-for": address})


async def test_a_throttling_plan_serves_a_team_past_its_bandwidth_at_its_throttle_rate(
        autostack: AutoStack, site: Site, null_edge: NullEdge, owner: User) -> None:
    team = await site.project.team
    team.plan = await Plan.create(slug="slow", name="Slow", bandwidth_bytes_per_month=1000,
                                  over_bandwidth="throttle", throttle_rate="0.001/3")
    await team.save()
    await send(site, 900)
    assert await bandwidth_guard.guard(autostack) == 0
    assert not set(SITES) & set(null_edge.protections)  # under the limit: not asked about
    await send(site, 200)
    assert await bandwidth_guard.guard(autostack) == 0  # throttled, not blocked
    assert set(null_edge.protections) == set(SITES)  # only this team's hostnames
    answers = [await ask(autostack, SITES[n % 2], f"198.51.100.{n}") for n in range(4)]
    assert [answer.status_code for answer in answers] == [204, 204, 204, 429]
    slowed = answers[-1]
    assert int(slowed.headers["retry-after"]) >= 1
    assert "used the Slow plan's bandwidth for this month" in slowed.text
    async with client_for(autostack, await token_for(owner)) as api:  # a bigger plan lifts it
        autostack.settings = replace(autostack.settings, admins=(owner.email,))
        moved = await api.put(f"/api/v1/teams/{team.slug}/plan", json={"plan": "enterprise"})
        assert moved.status_code == 200, moved.text
    assert not set(SITES) & set(null_edge.protections)


async def test_a_plans_limit_applies_to_its_teams_projects_only(
        autostack: AutoStack, site: Site, null_edge: NullEdge, owner: User) -> None:
    """No server-wide edge limit: the gate applies the plan's, for its teams' hostnames."""
    autostack.settings = replace(autostack.settings, admins=(owner.email,))
    async with client_for(autostack, await token_for(owner)) as api:
        bad = await api.post("/api/v1/plans", json={"slug": "capped", "name": "Capped",
                                                     "rate_limit_project": "fast"})
        assert bad.status_code == 422
        assert bad.json()["error"]["field"] == "rate_limit_project"
        assert "RATE/BURST" in bad.json()["error"]["message"]
        assert not await Plan.exists(slug="capped")
        made = await api.post("/api/v1/plans", json={"slug": "capped", "name": "Capped",
                                                      "rate_limit_project": "0.001/2"})
        assert made.status_code == 201, made.text
        assert made.json()["plan"]["rate_limit_project"] == "0.001/2"
        team = await site.project.team
        assert (await api.put(f"/api/v1/teams/{team.slug}/plan", json={"plan": "capped"})
                ).status_code == 200
    assert set(null_edge.protections) == set(SITES)
    answers = [(await ask(autostack, "site.localhost", f"198.51.100.{n}")).status_code
               for n in range(3)]
    assert answers == [204, 204, 429]


async def test_admins_set_a_plans_rate_limits_from_the_command_line(
        autostack: AutoStack, owner: User) -> None:
    autostack.settings = replace(autostack.settings, admins=(owner.email,))
    token = await token_for(owner)
    async with serving(autostack.asgi()) as server:
        made = await run(server, token, "plans", "create", "capped", "--name", "Capped",
                         "--rate-limit-project", "20/40", "--throttle-rate", "2/4")
        assert made.exit_code == 0, made.output
        assert "throttle 2/4" in made.output and "project 20/40" in made.output
        assert "address server" in made.output
        bad = await run(server, token, "plans", "edit", "capped", "--rate-limit-address", "9")
        assert bad.exit_code == 1 and "rate_limit_address must be RATE/BURST" in bad.output
        cleared = await run(server, token, "plans", "edit", "capped", "--rate-limit-project",
                            "server", "--rate-limit-address", "1.5/3")
        assert cleared.exit_code == 0, cleared.output
    plan = await Plan.get(slug="capped")
    assert (plan.throttle_rate, plan.rate_limit_address, plan.rate_limit_project) == \
        ("2/4", "1.5/3", None)


async def test_admins_set_a_plans_rate_limits_on_the_plans_page(
        autostack: AutoStack, owner: User) -> None:
    autostack.settings = replace(autostack.settings, admins=(owner.email,))
    async with client_for(autostack) as http:
        token = await log_in(http)
        bad = await http.post("/admin/plans", data={
            "csrf_token": token, "slug": "capped", "name": "Capped",
            "rate_limit_address": "fast"})
        assert bad.status_code == 422 and "rate_limit_address must be RATE/BURST" in bad.text
        assert not await Plan.exists(slug="capped")
        made = await http.post("/admin/plans", data={
            "csrf_token": token, "slug": "capped", "name": "Capped", "over_bandwidth": "throttle",
            "throttle_rate": "", "rate_limit_project": "20/40"})
        assert made.status_code == 303, made.text
        page = (await http.get("/admin/plans")).text
        assert "throttle (5/10); rate limits: server per address, 20/40 per project" in page
        edited = await http.post("/admin/plans/capped", data={
            "csrf_token": token, "name": "Capped", "throttle_rate": "1/2",
            "rate_limit_project": ""})
        assert edited.status_code == 303, edited.text
    plan = await Plan.get(slug="capped")
    assert (plan.throttle_rate, plan.rate_limit_project) == ("1/2", None)
