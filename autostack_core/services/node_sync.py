"""Every node's edge serves every ready deployment of the shared database.

With several nodes sharing PostgreSQL, Redis and the S3 store (``docs/scaling.md``),
a deployment is built and first served by whichever node's worker took it. An edge
and runtimes that run on each node (the local plugin's) learn of the others' work
here: an edge plugin hands :class:`EdgeSync` a :class:`NodeEdge` (what its edge
serves now and which runtimes put deployments on it), and :meth:`EdgeSync.sync`
serves on this node every ready deployment of the projects on those runtimes
(``local``, ``containers``) that it lacks, its files pulled
from the bucket and checked (``releases.serve``, as a promote does), points every
alias where the database says (``releases.bind``: protection and skew window
included), shares production as a weighted split or a rolling release's stage
says (``splits.bind_weighted``), and drops what the database deleted.

When it runs: once at start, whenever a node announces a deployment or an alias
change (the ``notify`` hook publishes :data:`SYNC_CHANNEL` on the event bus, Redis
across nodes), and every :data:`SYNC_SECONDS` for what no event announces
(deletions, protection changes). Only with Redis and ``AUTOSTACK_STORE=s3``: one
box, or nodes without a shared store, have nothing to learn.

Redirects are synced too: the ``extra_redirects`` hook says which hostnames the
plugins redirect (the domains plugin's custom domains that redirect), and the node's
edge redirects exactly those, so a redirect set through one node is served by all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Project,
    RollingRelease,
)
from autostack_core.services import protection, releases, rolling_releases, splits
from autostack_core.services.rollout_stages import weights

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
ANNOUNCED_KINDS = ("deployment.", "alias.", "rollout.")


class NodeEdge(Protocol):
    """What an edge of this node serves now (the edge plugin's own state, read only)."""

    runtimes: tuple[str, ...]
    """The runtimes that put deployments on this edge."""

    def deployments(self) -> set[str]:
        """The deployments on the edge."""

    def aliases(self) -> dict[str, str]:
        """Hostnames bound to one deployment: ``{hostname: deployment id}``."""

    def splits(self) -> dict[str, dict[str, int]]:
        """Hostnames split between deployments: ``{hostname: {deployment id: weight}}``."""

    def redirects(self) -> dict[str, tuple[str, int]]:
        """Hostnames redirected: ``{hostname: (target hostname, status)}``."""


def enabled(app: AutoStack) -> bool:
    """Whether this node shares its database, queue and store with others."""
    settings = app.settings
    return bool(settings.redis_url) and \
        settings.plugin_setting("AUTOSTACK_STORE", "local") == "s3"


async def wanted_splits(projects: dict[int, Project], aliases: list[Alias]) \
        -> list[tuple[Project, str, dict[str, int]]]:
    """The projects whose production the database shares between deployments, each with its
    control deployment and the weights: a rolling release's current stage, else a weighted
    split started while production was its control (as ``splits.active_split`` reads it)."""
    production = {alias.project.id: alias.deployment.id for alias in aliases
                  if alias.kind == AliasKind.PRODUCTION and alias.deployment is not None}
    rollouts = {rollout.project_id: rollout for rollout in  # type: ignore[attr-defined]
                await RollingRelease.filter(project_id__in=list(projects),
                                            state__in=rolling_releases.ACTIVE).order_by("id")}
    wanted = []
    for project_id, project in projects.items():
        rollout = rollouts.get(project_id)
        split = splits.saved_split(project)
        if rollout is not None:
            stage = rolling_releases.stages_of(rollout)[rollout.stage]
            old, new = weights(stage.percent)
            wanted.append((project, rollout.from_deployment,
                           {rollout.from_deployment: old, rollout.to_deployment: new}))
        elif split is not None and production.get(project_id) == split["control"]:
            variants: dict[str, int] = {}
            for variant in split["variants"]:
                key = str(variant["deployment"])
                variants[key] = variants.get(key, 0) + int(variant["weight"])
            wanted.append((project, str(split["control"]), variants))
    return wanted


class EdgeSync:
    """Keeps one node's edge equal to the shared database (see the module's docstring)."""

    def __init__(self, app: AutoStack, edge: NodeEdge) -> None:
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
        names = [name for name in self.edge.runtimes if name in self.app.runtimes]
        if not names:
            return 0
        changes = await self._drop_deleted()
        changes += await self._sync_redirects()
        ready = await Deployment.filter(
            state=DeploymentState.READY, deleted_at__isnull=True,
            project__provider__in=names).select_related("project")
        served = self.edge.deployments()
        for deployment in ready:
            if deployment.id not in served:
                changes += await self._try(deployment.id, partial(
                    releases.serve, self.app, deployment.project, deployment))
        aliases = await Alias.filter(
            deployment__state=DeploymentState.READY, deployment__deleted_at__isnull=True,
            project__provider__in=names).select_related("project", "deployment")
        projects = {deployment.project.id: deployment.project for deployment in ready}
        shared: set[str] = set()
        for project, control, variants in await wanted_splits(projects, aliases):
            hostnames = await splits.split_hostnames(self.app, project, control)
            shared.update(hostnames)
            if any(self._differs(hostname, variants) for hostname in hostnames):
                changes += await self._try(control, partial(
                    self._bind_split, project, control, variants))
        for alias in aliases:
            hostname, target = str(alias.hostname), alias.deployment
            if target is not None and hostname not in shared and \
                    self.edge.aliases().get(hostname) != target.id:
                changes += await self._try(target.id, partial(
                    releases.bind, self.app, alias.project, target, hostname))
        await self._protect_changed(projects.values())
        return changes

    def _differs(self, hostname: str, variants: dict[str, int]) -> bool:
        """Whether the edge serves ``hostname`` otherwise than by ``variants``' weights."""
        serving = [deployment_id for deployment_id, weight in variants.items() if weight > 0]
        if len(serving) == 1:  # the edge keeps a split with one positive weight as an alias
            return bool(self.edge.aliases().get(hostname) != serving[0])
        return bool(self.edge.splits().get(hostname) != variants)

    async def _bind_split(self, project: Project, control: str, variants: dict[str, int]) -> None:
        rows = {row.id: row for row in await Deployment.filter(id__in=[control, *variants])}
        await splits.bind_weighted(self.app, project, rows[control],
                                   [(rows[key], weight) for key, weight in variants.items()])

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
        served = list(self.edge.deployments())
        rows = {row[0]: row[1:] for row in await Deployment.filter(id__in=served)
                .values_list("id", "deleted_at", "project__provider")}
        changes = 0
        for deployment_id in served:
            deleted_at, provider = rows.get(deployment_id, (True, None))
            if deleted_at is None:
                continue
            names = [provider] if provider else list(self.edge.runtimes)
            for name in names:
                runtime = self.app.runtimes.get(str(name))
                if runtime is not None:
                    await runtime.destroy(deployment_id)
            changes += 1
        bound = list(self.edge.aliases())
        known = {str(hostname) for hostname in
                 await Alias.filter(hostname__in=bound).values_list("hostname", flat=True)}
        for hostname in bound:
            if hostname not in known:
                await self.app.edge.unbind(hostname)
                changes += 1
        return changes

    async def _sync_redirects(self) -> int:
        """Redirect what the plugins redirect (``extra_redirects``), no more, no less."""
        wanted = {str(hostname): (str(target), int(status)) for hostname, target, status in
                  await self.app.call_list_hook("extra_redirects", app=self.app)}
        served = self.edge.redirects()
        changes = 0
        for hostname in served.keys() - wanted.keys():
            await self.app.edge.unbind(hostname)
            changes += 1
        for hostname, (target, status) in wanted.items():
            if served.get(hostname) != (target, status):
                try:
                    await self.app.edge.redirect(hostname, target, status)
                except Exception:
                    logger.exception("could not redirect %s on this node", hostname)
                    continue
                changes += 1
        return changes

    async def _protect_changed(self, projects: Iterable[Project]) -> None:
        """Apply the protection settings of projects changed since the last look."""
        for project in projects:
            if self.projects_seen.get(project.id) != project.updated_at:
                await protection.apply(self.app, project)
                self.projects_seen[project.id] = project.updated_at
