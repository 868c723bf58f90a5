"""The local plugin: registers the ``local`` and ``containers`` runtimes and the ``local`` edge.

They drive one Caddy (:class:`autostack_plugins.providers.local.edge.Edge`):
the runtimes put deployments on it (static files, process and container
upstreams), the edge points hostnames at them. The core calls
``register_runtimes`` before ``register_edges`` at each start-up, so the edge
registered right after the runtimes gets their Caddy; either hook alone makes
its own.
"""

from __future__ import annotations

import weakref

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_plugins.providers.local.containers import ContainerRuntime
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from autostack_plugins.providers.local.local_runtime import LocalRuntime

# The Caddy a runtime was registered with, until the edge registered next takes it.
_unpaired: weakref.WeakValueDictionary[int, Edge] = weakref.WeakValueDictionary()


@hookimpl
def register_runtimes(settings: Settings) -> list[LocalRuntime | ContainerRuntime]:
    edge = Edge(settings)
    _unpaired[id(settings)] = edge
    return [LocalRuntime(settings, edge), ContainerRuntime(settings, edge)]


@hookimpl
def register_edges(settings: Settings) -> list[LocalEdge]:
    edge = _unpaired.pop(id(settings), None) or Edge(settings)
    return [LocalEdge(edge)]
