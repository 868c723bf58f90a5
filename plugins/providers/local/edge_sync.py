"""Every node's edge serves every ready deployment of the shared database.

With several nodes sharing PostgreSQL, Redis and the S3 store (``docs/scaling.md``),
a deployment is built and first served by whichever node's worker took it. The
local edge and runtime are per node, so every other node learns of it here:
:func:`sync_edge` serves on this node every ready deployment of the projects on a
runtime of this edge (``local``, ``containers``) that it lacks, its files pulled
from the bucket and checked (``releases.serve``, as a promote does), points every
alias where the database says (``releases.bind``: protection and skew window
included), and drops what the database deleted.

When it runs: once at start, whenever a node announces a deployment or an alias
change (the ``notify`` hook publishes :data:`SYNC_CHANNEL` on the event bus, Redis
across nodes), and every :data:`SYNC_SECONDS` for what no event announces
(deletions, protection changes). Only with Redis and ``AUTOSTACK_STORE=s3``: one
box, or nodes without a shared store, have nothing to learn.

Not synced (docs/scaling.md): weighted splits and rolling-release stages, and
custom-domain redirects; other nodes serve those hostnames from the alias.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models import Alias, Deployment, DeploymentState, Project
from autostack_core.services import protection, releases
from autostack_plugins.providers.local.edge import Edge

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.edge")

SYNC_CHANNEL = "edge-sync"
"""Announced (across nodes, through Redis) when a deployment or an alias changes."""
SYNC_SECONDS = 30.0
"""The fallback: what no announcement reaches a node within this."""
RETRY_SECONDS = 600.0
"""A deployment this node could not serve (a crash loop, a store error) is tried again
after this, not at every sync."""
ANNOUNCED_KINDS = ("deployment.", "alias.")


def enabled(app: AutoStack) -> bool:
    """Whether this node shares its database, queue and store with others."""
    settings = app.settings
    return bool(settings.redis_url) and \
        settings.plugin_setting("AUTOSTACK_STORE", "local") == "s3"


def node_runtimes(app: AutoStack, edge: Edge) -> list[str]:
    """The names of the runtimes that put deployments on ``edge`` (this node's)."""
    return sorted(name for name, runtime in app.runtimes.items()
                  if getattr(runtime, "edge", None) is edge)


class EdgeSync:
    """Keeps one node's edge equal to the shared database (see the module's docstring)."""

    def __init__(self, app: AutoStack, edge: Edge) -> None:
        self.app = app
        self.edge = edge
        self.failed: dict[str, float] = {}
        self.projects_seen: dict[int, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="edge-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        async for _ in self.app.events.changes(SYNC_CHANNEL, poll_seconds=SYNC_SECONDS):
            try:
                await self.sync()
            except Exception:
                logger.exception("the edge sync failed; next try in %.0f s", SYNC_SECONDS)

    async def sync(self) -> int:
        """Serve, point and drop what differs from the database; how many changes."""
        names = node_runtimes(self.app, self.edge)
        if not names:
            return 0
        changes = await self._drop_deleted()
        ready = await Deployment.filter(
            state=DeploymentState.READY, deleted_at__isnull=True,
            project__provider__in=names).select_related("project")
        for deployment in ready:
            if deployment.id not in self.edge.state.deployments:
                changes += await self._try(deployment.id, partial(
                    releases.serve, self.app, deployment.project, deployment))
        aliases = await Alias.filter(
            deployment__state=DeploymentState.READY, deployment__deleted_at__isnull=True,
            project__provider__in=names).select_related("project", "deployment")
        for alias in aliases:
            hostname, target = str(alias.hostname), alias.deployment
            if target is not None and hostname not in self.edge.state.splits and \
                    self.edge.state.aliases.get(hostname) != target.id:
                changes += await self._try(target.id, partial(
                    releases.bind, self.app, alias.project, target, hostname))
        await self._protect_changed({deployment.project.id: deployment.project
                                     for deployment in ready}.values())
        return changes

    async def _try(self, deployment_id: str, change: Callable[[], Awaitable[Any]]) -> int:
        """Run ``change`` (serving ``deployment_id``); a failure is logged and not tried
        again for :data:`RETRY_SECONDS`."""
        if time.monotonic() < self.failed.get(deployment_id, 0.0):
            return 0
        try:
            await change()
        except Exception:
            self.failed[deployment_id] = time.monotonic() + RETRY_SECONDS
            logger.exception("could not serve deployment %s on this node", deployment_id)
            return 0
        self.failed.pop(deployment_id, None)
        return 1

    async def _drop_deleted(self) -> int:
        """Destroy the deployments the database deleted (or whose project it deleted) and
        unbind the aliases it dropped: another node did it, this one was not told."""
        served = list(self.edge.state.deployments)
        rows = {row[0]: row[1:] for row in await Deployment.filter(id__in=served)
                .values_list("id", "deleted_at", "project__provider")}
        changes = 0
        for deployment_id in served:
            deleted_at, provider = rows.get(deployment_id, (True, None))
            if deleted_at is None:
                continue
            names = [provider] if provider else node_runtimes(self.app, self.edge)
            for name in names:
                runtime = self.app.runtimes.get(str(name))
                if runtime is not None:
                    await runtime.destroy(deployment_id)
            changes += 1
        bound = list(self.edge.state.aliases)
        known = set(await Alias.filter(hostname__in=bound).values_list("hostname", flat=True))
        for hostname in bound:
            if hostname not in known:
                await self.app.edge.unbind(hostname)
                changes += 1
        return changes

    async def _protect_changed(self, projects: Iterable[Project]) -> None:
        """Apply the protection settings of projects changed since the last look."""
        for project in projects:
            if self.projects_seen.get(project.id) != project.updated_at:
                await protection.apply(self.app, project)
                self.projects_seen[project.id] = project.updated_at
