"""A project's runtime logs: which deployment they are read from, filtered and followed.

The project Logs page and ``/api/v1/projects/{name}/logs`` read one deployment's runtime
logs, the production deployment's unless another ready deployment of the project is
asked for, through :mod:`autostack_core.services.releases` (so any runtime's ``logs``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import Deployment, DeploymentState
from autostack_core.interfaces.runtime import LogLine
from autostack_core.services import deployments, releases
from autostack_core.services.log_search import ErrorGroup, ErrorGroups, LogFilter
from autostack_core.services.runtime_logs import MAX_LINES

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project

CHOICES = 20
"""Ready deployments a reader can pick from (the latest first)."""


async def ready_deployments(project: Project) -> list[Deployment]:
    return list(
        await Deployment.filter(
            project_id=project.id, state=DeploymentState.READY, deleted_at__isnull=True
        )
        .order_by("-created_at")
        .limit(CHOICES)
    )


async def deployment_of(
    app: AutoStack, project: Project, deployment_id: str | None
) -> Deployment | None:
    """The deployment whose logs to read: ``deployment_id`` (one of the project's, else a
    404 naming ``deployment``), or production, or the latest ready one, or none."""
    if deployment_id:
        found = await Deployment.get_or_none(
            id=deployment_id[:16], project_id=project.id, deleted_at__isnull=True
        )
        if found is None:
            raise NotFound("deployment", "deployment")
        return found
    production = await deployments.production_deployment(app, project)
    if production is not None:
        return production
    latest = await ready_deployments(project)
    return latest[0] if latest else None


@dataclass
class LogView:
    """What a search found: the kept lines (oldest first), their error groups, and every
    replica the deployment's logs name (for the replica filter)."""

    lines: list[LogLine]
    errors: list[ErrorGroup]
    replicas: list[str]


async def search(
    app: AutoStack, project: Project, deployment: Deployment, wanted: LogFilter, limit: int = 1000
) -> LogView:
    """The last ``limit`` lines that ``wanted`` keeps, and the error groups of every kept
    line (not only the last ``limit``). Raises
    :class:`~autostack_core.services.releases.RuntimeMissing` without the runtime."""
    kept: deque[LogLine] = deque(maxlen=min(max(limit, 1), MAX_LINES))
    replicas: set[str] = set()
    errors = ErrorGroups()
    async for line in releases.logs(app, project, deployment, since=wanted.since):
        replicas.add(line.source)
        if wanted.keeps(line):
            kept.append(line)
            errors.add(line)
    return LogView(list(kept), errors.ranked(), sorted(replicas))


async def follow(
    app: AutoStack, project: Project, deployment: Deployment, wanted: LogFilter
) -> AsyncIterator[LogLine]:
    """New lines from now on that ``wanted`` keeps (its ``since`` is ignored), until the
    reader stops."""
    async for line in releases.logs(app, project, deployment, since=datetime.now(UTC), follow=True):
        if wanted.until and line.timestamp > wanted.until:
            return
        if wanted.keeps(line):
            yield line
