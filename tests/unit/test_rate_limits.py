"""Rate limits: token buckets, the API's limit per token, and the edge's check per client
address and per project (the real Caddy edge's flood test: tests/e2e/test_rate_limits.py).

No test measures time: the buckets' clock is a counter the test moves, or the
rates are so slow (one request per 1000 s) that only the burst can pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Plan,
    Project,
    Team,
    User,
)
from autostack_core.interfaces.edge import RATE_LIMIT_CHECK, edge_key
from autostack_core.security import accounts
from autostack_core.security.crypto import generate_key
from autostack_core.security.rate_limits import Rate, RateLimits, parse_rate
from autostack_core.security.token_buckets import MemoryBuckets
from autostack_core.utils import random_id
from tests.conftest import REDIS_URL
from tests.fixtures_auth import client_for, owner, token_for

__all__ = ["owner"]

SLOW = "0.001"


async def test_a_bucket_lets_its_burst_through_then_refills_at_its_rate() -> None:
    now = [100.0]
    buckets, rate = MemoryBuckets(clock=lambda: now[0]), Rate(per_second=2, burst=3)
    assert [await buckets.take("a", rate) for _ in range(3)] == [0, 0, 0]
    assert await buckets.take("a", rate) == pytest.approx(0.5)
    assert await buckets.take("b", rate) == 0  # another key has its own bucket
    now[0] += 0.25
    assert await buckets.take("a", rate) == pytest.approx(0.25)
    now[0] += 0.25
    assert await buckets.take("a", rate) == 0
    now[0] += 60
    assert [await buckets.take("a", rate) for _ in range(4)][-1] > 0  # refilled to the burst


@pytest.mark.skipif(not REDIS_URL, reason="needs AUTOSTACK_TEST_REDIS_URL")
async def test_control_planes_on_one_redis_share_one_allowance(settings: Settings) -> None:
    """Two limiters (two control planes) on one Redis take from the same buckets."""
    assert REDIS_URL
    shared = replace(settings, redis_url=REDIS_URL, queue_name=f"rl-{random_id(8)}")
    first, second = RateLimits(shared), RateLimits(shared)
    alone = RateLimits(replace(shared, queue_name=f"rl-{random_id(8)}"))  # another install
    try:
        answers = [await limits.take_token(7) for limits in (first, second, first, second)]
        assert answers[:3] == [0, 0, 0] and answers[3] > 0  # burst 3 across both
        assert await first.take_token(7) > 0 and await second.take_token(8) == 0
        assert await alone.take_token(7) == 0
    finally:
        for limits in (first, second, alone):
            await limits.close()


def test_a_rate_is_rate_slash_burst() -> None:
    assert parse_rate("X", "20/40") == Rate(20, 40)
    assert parse_rate("X", "0.5/1") == Rate(0.5, 1)
    assert parse_rate("X", "") is None
    for wrong in ("20", "0/5", "5/0", "fast/10", "-1/3"):
        with pytest.raises(ValueError, match="X must be RATE/BURST"):
            parse_rate("X", wrong)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, plugin_settings={
        "AUTOSTACK_RATE_LIMIT_TOKEN": f"{SLOW}/3",
        "AUTOSTACK_RATE_LIMIT_ADDRESS": f"{SLOW}/4",
        "AUTOSTACK_RATE_LIMIT_PROJECT": f"{SLOW}/6"})


async def test_the_api_limits_each_token_on_its_own(autostack: AutoStack, owner: User) -> None:
    other = await accounts.create_user("other@example.com", "correct horse battery")
    async with client_for(autostack, await token_for(owner)) as flooding, \
            client_for(autostack, await token_for(other)) as calm:
        answers = [(await flooding.get("/api/v1/user")).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
        refused = await flooding.get("/api/v1/user")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["code"] == "rate_limited"
        assert (await calm.get("/api/v1/user")).status_code == 200
    async with client_for(autostack, await token_for(owner)) as second_token:
        assert (await second_token.get("/api/v1/user")).status_code == 200


@pytest.fixture
async def edge_check(autostack: AutoStack) -> AsyncIterator[httpx.AsyncClient]:
    """The control plane as the edge on this machine asks it (from 127.0.0.1)."""
    transport = httpx.ASGITransport(app=autostack.asgi(), client=("127.0.0.1", 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def deployments(owner: User) -> tuple[str, str, str]:
    """Two deployments of project alpha and one of beta."""
    team = await Team.get(owner=owner, is_personal=True)
    alpha = await Project.create(name="alpha", team=team)
    beta = await Project.create(name="beta", team=team)
    rows = [await Deployment.create(project=project, state=DeploymentState.READY)
            for project in (alpha, alpha, beta)]
    return rows[0].id, rows[1].id, rows[2].id


async def ask(http: httpx.AsyncClient, address: str, deployment: str,
              key: str | None = None) -> httpx.Response:
    """The edge's question, with the edge's key unless another ``key`` is given."""
    return await http.get(RATE_LIMIT_CHECK, headers={
        "X-AutoStack-Client": address, "X-AutoStack-Deployment": deployment,
        "X-AutoStack-Edge-Key": edge_key() if key is None else key})


async def test_a_flood_from_one_address_holds_back_that_address_on_that_project_only(
        edge_check: httpx.AsyncClient, owner: User) -> None:
    alpha_1, alpha_2, beta = await deployments(owner)
    flood = [(await ask(edge_check, "203.0.113.9", alpha_1)).status_code for _ in range(6)]
    assert flood == [204, 204, 204, 204, 429, 429]
    refused = await ask(edge_check, "203.0.113.9", alpha_2)  # the same project, another deployment
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert (await ask(edge_check, "203.0.113.9", beta)).status_code == 204
    assert (await ask(edge_check, "198.51.100.7", alpha_1)).status_code == 204


async def test_a_project_has_a_limit_of_its_own_across_addresses(
        edge_check: httpx.AsyncClient, owner: User) -> None:
    alpha, _, beta = await deployments(owner)
    answers = [(await ask(edge_check, f"198.51.100.{n}", alpha)).status_code for n in range(8)]
    assert answers == [204] * 6 + [429] * 2
    assert (await ask(edge_check, "198.51.100.99", beta)).status_code == 204


async def test_only_the_local_edge_may_ask(autostack: AutoStack, owner: User) -> None:
    alpha, _, _ = await deployments(owner)
    transport = httpx.ASGITransport(app=autostack.asgi(), client=("203.0.113.5", 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as outside:
        for _ in range(6):
            assert (await ask(outside, "198.51.100.1", alpha)).status_code == 404


async def test_a_loopback_caller_without_the_edges_key_is_not_answered(
        edge_check: httpx.AsyncClient, owner: User) -> None:
    """Behind a reverse proxy on the same machine every visitor comes from the loopback:
    without the edge's key, none of them may spend another address's allowance."""
    alpha, _, _ = await deployments(owner)
    for key in ("", "0" * 64, edge_key(generate_key())):
        for _ in range(6):
            assert (await ask(edge_check, "198.51.100.1", alpha, key=key)).status_code == 404
    assert (await ask(edge_check, "198.51.100.1", alpha)).status_code == 204


async def test_a_plans_limits_override_the_servers_for_its_teams_projects(
        edge_check: httpx.AsyncClient, owner: User) -> None:
    alpha, _, _ = await deployments(owner)
    capped = await Plan.create(slug="capped", name="Capped", rate_limit_project=f"{SLOW}/2",
                               rate_limit_address=f"{SLOW}/1")
    other = await Team.create(name="Other", slug="other", owner=owner, plan=capped)
    gamma = await Deployment.create(project=await Project.create(name="gamma", team=other),
                                    state=DeploymentState.READY)
    assert [(await ask(edge_check, "203.0.113.9", gamma.id)).status_code
            for _ in range(2)] == [204, 429]  # the plan's 1 per address, not the server's 4
    answers = [(await ask(edge_check, f"198.51.100.{n}", gamma.id)).status_code
               for n in range(3)]
    assert answers == [204, 429, 429]  # the plan's 2 per project (one taken above)
    answers = [(await ask(edge_check, f"198.51.100.{n}", alpha)).status_code for n in range(7)]
    assert answers == [204] * 6 + [429]  # the server's 6 for a team without the plan
