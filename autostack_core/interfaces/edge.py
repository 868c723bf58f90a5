"""The edge interface: how traffic reaches a release.

An edge (the embedded Caddy, a cloud load balancer, or nothing but the
runtime's own URLs) binds hostnames to the :class:`Endpoint`s runtimes hand
back, with weights, so an alias can split traffic between releases. The core
calls every method below; a plugin registers edges with ``register_edges`` and
the server uses the one its settings name.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from autostack_core.interfaces.runtime import Endpoint
from autostack_core.security.crypto import active_keyring, derive_key

REDIRECT_STATUSES: tuple[int, ...] = (301, 302, 307, 308)
"""The statuses :meth:`Edge.redirect` takes."""

PROTECTION_PREFIX = "/_autostack/protection/"
"""The paths of a protected hostname that belong to the control plane (its login pages)."""

PROTECTION_CHECK = f"{PROTECTION_PREFIX}check"
"""The control plane's check endpoint, under :data:`PROTECTION_PREFIX`."""

RATE_LIMIT_CHECK = "/_autostack/rate-limit"
"""The control plane's rate-limit check (:mod:`autostack_core.security.rate_limits`):
an edge asks it, ``GET`` from the loopback, with the visitor's address in
``X-AutoStack-Client``, the deployment that would answer in
``X-AutoStack-Deployment`` and :func:`edge_key` in :data:`EDGE_KEY_HEADER`;
204 lets the request go on, 429 (with ``Retry-After``) is the visitor's answer."""

EDGE_KEY_HEADER = "X-AutoStack-Edge-Key"
"""The header carrying :func:`edge_key` on an edge's questions to the control plane."""


def edge_key(key: str | None = None) -> str:
    """The key an edge's questions carry: derived from the server's newest secret key
    (or from ``key``), so the same on every control plane that shares the secret."""
    return _derived_edge_key(key or active_keyring().keys[0])


@functools.lru_cache(maxsize=8)
def _derived_edge_key(key: str) -> str:
    """HKDF once per secret key: the rate-limit check compares against every key of the
    keyring on each request it answers."""
    return derive_key(key, "edge questions").hex()

EDGE_RATE_LIMITS = ("AUTOSTACK_RATE_LIMIT_ADDRESS", "AUTOSTACK_RATE_LIMIT_PROJECT")
"""The settings (``settings.plugin_setting``) that turn the edge's rate-limit check on."""


@dataclass(frozen=True)
class WeightedEndpoint:
    """One target of a binding; traffic splits in proportion to the weights.

    At least one weight of a binding is > 0. An edge may take 0 (no traffic,
    e.g. the new release at the start of a rollout); the local edge does.
    """

    endpoint: Endpoint
    weight: int = 100


SKEW_HEADER = "x-deployment-id"
"""Skew protection: the request header naming the deployment a request is pinned to."""
SKEW_QUERY = "dpl"
"""Skew protection: the query parameter naming it (``/assets/app.js?dpl=<id>``)."""
SKEW_COOKIE = "__vdpl"
"""Skew protection: the cookie naming it, set on page navigations (Vercel's names, all three)."""
DEFAULT_SKEW_SECONDS = 12 * 3600
"""How long a deployment answers its pinned requests after it stops being bound, unless the
project says otherwise (Vercel's default maximum age)."""


@dataclass(frozen=True)
class TrafficCount:
    """What one deployment answered for a hostname: requests, and of those 5xx answers."""

    requests: int = 0
    errors: int = 0
    p95_ms: float | None = None
    """The 95th percentile of the answers' times in milliseconds (None: not measured);
    rolling releases abort on it."""


class CertificateStatus(enum.StrEnum):
    NONE = "none"
    """No certificate, and none is being requested."""
    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


@dataclass(frozen=True)
class Certificate:
    """The TLS certificate state of one hostname at the edge."""

    status: CertificateStatus
    expires_at: datetime | None = None
    issuer: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Protection:
    """Deployment protection of one hostname: the control plane decides who gets in.

    Before each request for the hostname, the edge asks ``control_plane`` +
    :data:`PROTECTION_CHECK` (``GET``, the visitor's ``Host``, headers and
    cookies but ``Authorization``, which belongs to the deployment, with
    ``X-Forwarded-Method`` and ``X-Forwarded-Uri`` set to the request's method
    and path with query). A 2xx answer lets the request
    through; any other answer (the login page, a redirect to sign in, 401) is
    the visitor's answer, unchanged. Requests under :data:`PROTECTION_PREFIX`
    go to the control plane as they are (``Host`` kept): the login pages.
    Every answer for the hostname carries ``Cache-Control: private, no-store``,
    whatever the deployment says, so no shared cache keeps it.
    """

    control_plane: str
    """The control plane's base URL as the edge reaches it, like ``http://127.0.0.1:8000``."""


class Edge(Protocol):
    """Routes hostnames to endpoints. One edge serves the whole server.

    Optional: ``async def bind_many(self, bindings: Mapping[str, Sequence[WeightedEndpoint]])``,
    :meth:`bind` for several hostnames at once (a deployment's aliases), for an edge that
    can apply them with one write; refusing one, it changes none. The core calls it
    through :func:`bind_all`, which binds one hostname after the other without it.
    """

    name: str

    async def start(self) -> None:
        """Called once when the server starts (before any runtime deploys)."""

    async def stop(self) -> None:
        """Called once when the server stops cleanly."""

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Send ``hostname``'s traffic to ``targets``, replacing what it had, atomically.

        A request never sees a half-applied binding. Raises (and changes nothing)
        when it cannot serve the targets.
        """

    async def unbind(self, hostname: str) -> None:
        """Stop serving ``hostname`` (its binding or redirect); unknown is fine."""

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        """Answer every request for ``hostname`` with a redirect to the hostname ``target``.

        ``status`` is one of :data:`REDIRECT_STATUSES`; the ``Location`` is the request's
        scheme, ``target``, then the request's path and query
        (``http://www.example.com/a?b`` -> ``http://example.com/a?b``). Replaces
        the hostname's binding, as ``bind`` replaces its redirect.
        """

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        """Protect ``hostname`` as :class:`Protection` says, or serve it to anyone (``None``).

        Kept apart from the binding (a later ``bind`` or ``unbind`` leaves it as
        it is) and applied before the call returns; the core protects a hostname
        before it binds it, so a protected deployment is never served openly.
        """

    async def certificate(self, hostname: str) -> Certificate:
        """The certificate state of ``hostname`` (asking for one when the edge issues them)."""
        ...

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        """Pin requests for ``hostname`` to their deployment for ``seconds`` (0: stop pinning).

        A request naming a deployment (the :data:`SKEW_HEADER` header, else the
        :data:`SKEW_QUERY` query parameter, else, for anything but a page
        navigation, the :data:`SKEW_COOKIE` cookie) is served by that deployment
        when ``hostname`` is bound to it, or was within the last ``seconds``
        (counted from the ``bind`` or ``unbind`` that took it away, before or
        after this call). Any other name is ignored: the request is served as
        usual, so a pin never reaches a deployment this hostname did not serve.
        Page navigations of a pinning hostname get the cookie naming the
        deployment that answered. An edge that cannot pin raises
        ``NotImplementedError`` for any ``seconds`` above 0; the core then serves
        without skew protection and says so where the window is set.
        """

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        """The requests for ``hostname`` answered since ``since``, by the id of the release
        that answered them (split tests show them per variant). An edge that does not
        count raises ``NotImplementedError``."""
        ...

    def public_url(self, hostname: str) -> str:
        """The URL visitors use for ``hostname`` (scheme and port included)."""
        ...


async def bind_all(edge: Edge, bindings: Mapping[str, Sequence[WeightedEndpoint]]) -> None:
    """Bind each hostname of ``bindings`` to its targets: with the edge's optional
    ``bind_many`` (see :class:`Edge`) when it has one, else with :meth:`Edge.bind`, in order."""
    bind_many = getattr(edge, "bind_many", None)
    if bind_many is not None:
        await bind_many(bindings)
        return
    for hostname, targets in bindings.items():
        await edge.bind(hostname, targets)
