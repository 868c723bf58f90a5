"""The null edge: bindings, redirects, protections and skew windows kept in memory.

:meth:`NullEdge.fetch` plays a visitor: it picks one of a hostname's targets
by weight (smooth weighted round-robin, so 3:1 is exactly 3 of every 4
requests) and asks the null runtime that deployed it for the path.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from autostack_core.interfaces.edge import (
    PROTECTION_CHECK,
    PROTECTION_PREFIX,
    REDIRECT_STATUSES,
    SKEW_QUERY,
    Certificate,
    CertificateStatus,
    Protection,
    TrafficCount,
    WeightedEndpoint,
)
from autostack_core.interfaces.runtime import Endpoint

from .responses import NullResponse, text_response
from .runtime import NAME, runtime_of

HOSTNAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")


class NullEdge:
    """An edge that keeps bindings and redirects in memory; :meth:`fetch` plays a visitor.

    ``calls`` records every ``bind``, ``unbind`` and ``redirect`` as
    ``(method, hostname)``, in order, for tests that check what the core asked.
    """

    name = NAME

    def __init__(self, port: int = 80) -> None:
        self.port = port
        """The port public URLs name (none for 80), as a real edge's would."""
        self.bindings: dict[str, tuple[WeightedEndpoint, ...]] = {}
        self.redirects: dict[str, tuple[str, int]] = {}
        self.protections: dict[str, Protection] = {}
        """The protected hostnames; :meth:`fetch` asks their control plane, as an edge would."""
        self.calls: list[tuple[str, str]] = []
        self._turns: dict[str, list[int]] = {}
        self.skew: dict[str, int] = {}
        """Skew windows in seconds, by hostname (see :meth:`skew_protection`)."""
        self._unbound: dict[str, dict[str, tuple[Endpoint, float]]] = {}
        self._answered: list[tuple[datetime, str, str, int]] = []
        """(when, hostname, release id, status) of every answer :meth:`fetch` gave."""

    async def start(self) -> None:
        """Nothing listens."""

    async def stop(self) -> None:
        """Nothing to release."""

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Raises ValueError (changing nothing) for no targets, a weight below 1, or an
        endpoint no live :class:`NullRuntime` has deployed."""
        if not targets:
            raise ValueError(f"no targets to bind {hostname} to")
        for target in targets:
            if target.weight < 1:
                raise ValueError(f"weight {target.weight} of {target.endpoint.url}: must be > 0")
            if runtime_of(target.endpoint) is None:
                raise ValueError(f"{target.endpoint.url} is not a release of a null runtime")
        hostname = _host(hostname)
        self.calls.append(("bind", hostname))
        self.redirects.pop(hostname, None)
        self._record_unbound(hostname, targets)
        self.bindings[hostname] = tuple(targets)
        self._turns[hostname] = [0] * len(targets)

    async def unbind(self, hostname: str) -> None:
        hostname = _host(hostname)
        self.calls.append(("unbind", hostname))
        self._record_unbound(hostname, ())
        self.bindings.pop(hostname, None)
        self.redirects.pop(hostname, None)
        self._turns.pop(hostname, None)

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        """Raises ValueError for a status that is no redirect or a target that is no hostname."""
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"{status} is not a redirect status")
        if not HOSTNAME.fullmatch(target):
            raise ValueError(f"redirect target {target!r} is not a hostname")
        hostname = _host(hostname)
        self.calls.append(("redirect", hostname))
        self.bindings.pop(hostname, None)
        self._turns.pop(hostname, None)
        self.redirects[hostname] = (_host(target), status)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        """Record (or forget) ``hostname``'s protection."""
        if protection is None:
            self.protections.pop(_host(hostname), None)
        else:
            self.protections[_host(hostname)] = protection

    async def certificate(self, hostname: str) -> Certificate:
        """ISSUED (by ``null``) for a hostname it serves, NONE for any other."""
        hostname = _host(hostname)
        if hostname in self.bindings or hostname in self.redirects:
            return Certificate(CertificateStatus.ISSUED, issuer=NAME)
        return Certificate(CertificateStatus.NONE)

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin ``?dpl=<id>`` requests for ``hostname`` within ``seconds`` (0: never).

        Raises ValueError for a negative window."""
        if seconds < 0:
            raise ValueError(f"a skew window cannot be negative ({seconds})")
        if seconds:
            self.skew[_host(hostname)] = seconds
        else:
            self.skew.pop(_host(hostname), None)

    def public_url(self, hostname: str) -> str:
        """``http://<hostname>``, with ``:<port>`` unless the port is 80."""
        return f"http://{_host(hostname)}" + ("" if self.port == 80 else f":{self.port}")

    def served_by(self, hostname: str) -> list[str]:
        """The release ids ``hostname`` is bound to (empty when it is not)."""
        return [target.endpoint.release_id
                for target in self.bindings.get(_host(hostname), ())]

    async def fetch(self, hostname: str, path: str = "/") -> NullResponse:
        """What a visitor gets for ``http://<hostname><path>``.

        A protected hostname's answers are the control plane's until its check
        answers 2xx, and are never to be cached (``Cache-Control: private, no-store``).
        """
        hostname = _host(hostname)
        if not path.startswith("/"):
            path = "/" + path
        protection = self.protections.get(hostname)
        if protection is None:
            return await self._serve(hostname, path)
        checked = await _ask(protection, hostname, path)
        response = checked if checked.status >= 300 or path.startswith(PROTECTION_PREFIX) \
            else await self._serve(hostname, path)
        return NullResponse(response.status,
                            {**response.headers, "cache-control": "private, no-store"},
                            response.body)

    async def _serve(self, hostname: str, path: str) -> NullResponse:
        if hostname in self.redirects:
            target, status = self.redirects[hostname]
            return NullResponse(status, {"location": f"http://{target}{path}"})
        pinned = self._pinned(hostname, path)
        if pinned is not None and (runtime := runtime_of(pinned)) is not None:
            return await runtime.serve(pinned.release_id, path)
        targets = self.bindings.get(hostname)
        if not targets:
            return text_response(404, f"no deployment at {hostname}")
        endpoint = targets[self._pick(hostname, targets)].endpoint
        runtime = runtime_of(endpoint)
        if runtime is None:
            return text_response(502, f"{endpoint.url} is gone")
        answer = await runtime.serve(endpoint.release_id, path)
        self._answered.append((datetime.now(UTC), hostname, endpoint.release_id, answer.status))
        return answer

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        """What :meth:`fetch` answered for ``hostname`` since ``since``, by release."""
        counts: dict[str, TrafficCount] = {}
        for when, host, release_id, status in self._answered:
            if host == _host(hostname) and when >= since:
                seen = counts.get(release_id, TrafficCount())
                counts[release_id] = TrafficCount(seen.requests + 1,
                                                  seen.errors + (status >= 500))
        return counts

    def _record_unbound(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Note when the hostname's current targets that are not in ``targets`` lose it."""
        staying = {target.endpoint.release_id for target in targets}
        unbound = self._unbound.setdefault(hostname, {})
        for target in self.bindings.get(hostname, ()):
            if target.endpoint.release_id not in staying:
                unbound[target.endpoint.release_id] = (target.endpoint, time.monotonic())
        for release_id in staying:
            unbound.pop(release_id, None)

    def _pinned(self, hostname: str, path: str) -> Endpoint | None:
        """The endpoint ``?dpl=<id>`` names, if ``hostname`` may be pinned to it now."""
        window = self.skew.get(hostname)
        pin = parse_qs(urlsplit(path).query).get(SKEW_QUERY, [""])[0]
        if not window or not pin:
            return None
        for target in self.bindings.get(hostname, ()):
            if target.endpoint.release_id == pin:
                return target.endpoint
        endpoint, since = self._unbound.get(hostname, {}).get(pin, (None, 0.0))
        return endpoint if time.monotonic() - since < window else None

    def _pick(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> int:
        """Smooth weighted round-robin (as nginx does): exact ratios, targets interleaved."""
        turns = self._turns.setdefault(hostname, [0] * len(targets))
        for index, target in enumerate(targets):
            turns[index] += target.weight
        chosen = max(range(len(targets)), key=lambda index: turns[index])
        turns[chosen] -= sum(target.weight for target in targets)
        return chosen


async def _ask(protection: Protection, hostname: str, path: str) -> NullResponse:
    """The control plane's answer for ``path``: its page under the prefix, else its check."""
    target = path if path.startswith(PROTECTION_PREFIX) else PROTECTION_CHECK
    headers = {"Host": hostname, "X-Forwarded-Method": "GET", "X-Forwarded-Uri": path}
    async with httpx.AsyncClient(base_url=protection.control_plane, timeout=10) as client:
        answer = await client.get(target, headers=headers)
    return NullResponse(answer.status_code, {key.lower(): value
                                             for key, value in answer.headers.items()},
                        answer.content)


def _host(hostname: str) -> str:
    """``Example.COM.:8080`` -> ``example.com``: a binding is per hostname, whatever the port."""
    name, colon, port = hostname.lower().rpartition(":")
    if not (colon and port.isdigit()):
        name = hostname.lower()
    return name.rstrip(".")
