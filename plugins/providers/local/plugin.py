"""The local plugin: registers the ``local`` runtime and the ``local`` edge.

Both drive one Caddy (:class:`autostack_plugins.providers.local.edge.Edge`):
the runtime puts deployments on it (static files, process upstreams), the
edge points hostnames at them. The core calls ``register_runtimes`` before
``register_edges`` at each start-up, so the edge registered right after a
runtime gets that runtime's Caddy; either hook alone makes its own.
"""

from __future__ import annotations

import weakref

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from autostack_plugins.providers.local.local_runtime import LocalRuntime

# The Caddy a runtime was registered with, until the edge registered next takes it.
_unpaired: weakref.WeakValueDictionary[int, Edge] = weakref.WeakValueDictionary()


@hookimpl
def register_runtimes(settings: Settings) -> list[LocalRuntime]:
    edge = Edge(settings)
    _unpaired[id(settings)] = edge
    return [LocalRuntime(settings, edge)]


@hookimpl
def register_edges(settings: Settings) -> list[LocalEdge]:
    edge = _unpaired.pop(id(settings), None) or Edge(settings)
    return [LocalEdge(edge)]
