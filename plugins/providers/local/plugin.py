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
from typing import TYPE_CHECKING

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces import Event
from autostack_core.interfaces.tasks import Cron, Task
from autostack_core.services.node_sync import ANNOUNCED_KINDS, SYNC_CHANNEL, EdgeSync
from autostack_core.services.node_sync import enabled as edge_sync_enabled
from autostack_plugins.providers.local.containers import ContainerRuntime
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.edge_analytics import TASK as ANALYTICS_TASK
from autostack_plugins.providers.local.edge_analytics import ingest_log
from autostack_plugins.providers.local.edge_metrics import caddy_metrics
from autostack_plugins.providers.local.edge_sync import LocalNodeEdge
from autostack_plugins.providers.local.local_edge import LocalEdge
from autostack_plugins.providers.local.local_runtime import LocalRuntime

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

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


@hookimpl
async def extra_metrics(app: AutoStack) -> str | None:
    """Caddy's own metrics (:mod:`.edge_metrics`) when this plugin's edge serves."""
    if app.edge.name != LocalEdge.name:
        return None
    metrics: str | None = await caddy_metrics(app.settings.edge_admin_socket)
    return metrics


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    """Every minute, the edge's access log into the analytics roll-ups (:mod:`.edge_analytics`)."""

    async def ingest() -> None:
        await ingest_log(app.settings.path("logs"))

    return [Task(ANALYTICS_TASK, ingest, Cron())]


# One edge sync per running app (several apps share a process only in tests).
_syncs: dict[int, EdgeSync] = {}


@hookimpl
def startup(app: AutoStack) -> None:
    """On a node of a cluster, keep this edge serving every ready deployment of the shared
    database (:mod:`autostack_core.services.node_sync`, :mod:`.edge_sync`)."""
    if isinstance(app.edge, LocalEdge) and edge_sync_enabled(app):
        sync = EdgeSync(app, LocalNodeEdge(app, app.edge.edge))
        _syncs[id(app)] = sync
        sync.start()


@hookimpl
async def shutdown(app: AutoStack) -> None:
    """Stop this node's edge sync."""
    sync = _syncs.pop(id(app), None)
    if sync is not None:
        await sync.stop()


@hookimpl
async def notify(event: Event) -> None:
    """Tell every node's edge sync that a deployment or an alias changed."""
    if event.kind.startswith(ANNOUNCED_KINDS):
        for sync in list(_syncs.values()):
            await sync.app.events.publish(SYNC_CHANNEL)
