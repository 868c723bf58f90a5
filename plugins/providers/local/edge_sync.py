"""The local edge as :mod:`autostack_core.services.node_sync` sees it: what this node serves.

On a node of a cluster (Redis and ``AUTOSTACK_STORE=s3``), the plugin's
``startup`` hook runs :class:`~autostack_core.services.node_sync.EdgeSync` over
:class:`LocalNodeEdge`, so this node's Caddy serves every ready deployment of the
shared database, whichever node built it (``docs/scaling.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autostack_plugins.providers.local.edge import Edge

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


class LocalNodeEdge:
    """The deployments, aliases, splits and redirects on this node's Caddy, read from its
    saved state."""

    def __init__(self, app: AutoStack, edge: Edge) -> None:
        self.edge = edge
        self.runtimes = tuple(sorted(name for name, runtime in app.runtimes.items()
                                     if getattr(runtime, "edge", None) is edge))

    def deployments(self) -> set[str]:
        return set(self.edge.state.deployments)

    def aliases(self) -> dict[str, str]:
        return dict(self.edge.state.aliases)

    def splits(self) -> dict[str, dict[str, int]]:
        return {hostname: dict(weights) for hostname, weights in self.edge.state.splits.items()}

    def redirects(self) -> dict[str, tuple[str, int]]:
        """The saved redirect files (``<status>-<target>``) read back."""
        found = {}
        for hostname, name in self.edge.state.redirects.items():
            status, _, target = name.partition("-")
            found[hostname] = (target, int(status))
        return found
