"""A test stand-in for an edge in front of a cloud runtime: it forwards to endpoint URLs.

**Only for tests, a stand-in because no real edge reaches a cloud's addresses
from here**: the local (Caddy) edge would proxy to a Cloud Run tag URL or an ACI
group's address over the internet, which this machine cannot resolve or reach.
:class:`ForwardingEdge` keeps bindings and redirects in memory and, for each
request, picks a bound endpoint by weight (smooth weighted round-robin, as nginx
and the local edge do) and sends the request over real HTTP to the endpoint's
URL, its host "resolved" to ``front`` (the cloud stand-in's front end on the
loopback) with the URL's host as ``Host``, as DNS and the cloud's front end
would. It refuses endpoints whose host is not under ``domain``.

It does not protect hostnames, pin skew or count traffic (each raises
``NotImplementedError``), and issues no certificates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from autostack_core.interfaces.edge import (
    REDIRECT_STATUSES,
    Certificate,
    CertificateStatus,
    Protection,
    TrafficCount,
    WeightedEndpoint,
)
from tests.conformance.pair import Answer


class ForwardingEdge:
    """Hostnames to weighted endpoint URLs, forwarded to ``front`` (see the module)."""

    name = "forwarding"

    def __init__(self, front: str, domain: str) -> None:
        self.front = front
        self.domain = domain
        self.bindings: dict[str, tuple[WeightedEndpoint, ...]] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self._turns: dict[str, list[int]] = {}
        self._http: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.front, timeout=10,
                                       limits=httpx.Limits(max_keepalive_connections=0))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Raises ValueError (changing nothing) for no targets, a negative weight, no
        positive weight, or an endpoint outside :attr:`domain`."""
        if not targets or sum(max(target.weight, 0) for target in targets) <= 0:
            raise ValueError(f"no targets with a positive weight to bind {hostname} to")
        for target in targets:
            host = urlsplit(target.endpoint.url).hostname or ""
            if target.weight < 0 or not host.endswith(self.domain):
                raise ValueError(f"cannot forward to {target.endpoint.url} "
                                 f"(weight {target.weight})")
        self.redirects.pop(hostname, None)
        self.bindings[hostname] = tuple(targets)
        self._turns[hostname] = [0] * len(targets)

    async def unbind(self, hostname: str) -> None:
        self.bindings.pop(hostname, None)
        self.redirects.pop(hostname, None)
        self._turns.pop(hostname, None)

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"{status} is not a redirect status")
        self.bindings.pop(hostname, None)
        self._turns.pop(hostname, None)
        self.redirects[hostname] = (target, status)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        if protection is not None:
            raise NotImplementedError("the forwarding test edge does not protect hostnames")

    async def certificate(self, hostname: str) -> Certificate:
        return Certificate(CertificateStatus.NONE)

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        if seconds > 0:
            raise NotImplementedError("the forwarding test edge does not pin deployments")

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        raise NotImplementedError("the forwarding test edge does not count requests")

    def public_url(self, hostname: str) -> str:
        return f"http://{hostname}"

    async def fetch(self, hostname: str, path: str) -> Answer:
        """What a visitor gets for ``http://<hostname><path>`` (the pair's ``request``)."""
        if hostname in self.redirects:
            target, status = self.redirects[hostname]
            return Answer(status, {"location": f"http://{target}{path}"}, b"")
        targets = self.bindings.get(hostname)
        if not targets or self._http is None:
            return Answer(404, {"content-type": "text/plain"}, b"no deployment here")
        url = urlsplit(targets[self._pick(hostname, targets)].endpoint.url)
        response = await self._http.get(url.path.rstrip("/") + path,
                                        headers={"Host": url.netloc})
        return Answer(response.status_code,
                      {key.lower(): value for key, value in response.headers.items()},
                      response.content)

    def _pick(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> int:
        turns = self._turns.setdefault(hostname, [0] * len(targets))
        for index, target in enumerate(targets):
            turns[index] += max(target.weight, 0)
        chosen = max(range(len(targets)), key=lambda index: turns[index])
        turns[chosen] -= sum(max(target.weight, 0) for target in targets)
        return chosen
