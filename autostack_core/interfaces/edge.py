"""The edge interface: how traffic reaches a release.

An edge (the embedded Caddy, a cloud load balancer, or nothing but the
runtime's own URLs) binds hostnames to the :class:`Endpoint`s runtimes hand
back, with weights, so an alias can split traffic between releases. The core
calls every method below; a plugin registers edges with ``register_edges`` and
the server uses the one its settings name.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from autostack_core.interfaces.runtime import Endpoint

REDIRECT_STATUSES: tuple[int, ...] = (301, 302, 307, 308)
"""The statuses :meth:`Edge.redirect` takes."""


@dataclass(frozen=True)
class WeightedEndpoint:
    """One target of a binding; traffic splits in proportion to the weights.

    At least one weight of a binding is > 0. An edge may take 0 (no traffic,
    e.g. the new release at the start of a rollout); the local edge does.
    """

    endpoint: Endpoint
    weight: int = 100


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


class Edge(Protocol):
    """Routes hostnames to endpoints. One edge serves the whole server."""

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

    async def certificate(self, hostname: str) -> Certificate:
        """The certificate state of ``hostname`` (asking for one when the edge issues them)."""
        ...

    def public_url(self, hostname: str) -> str:
        """The URL visitors use for ``hostname`` (scheme and port included)."""
        ...
