"""A deployment's runtime log lines and status, as the API and the dashboard show them.

Both read the runtime through :mod:`autostack_core.services.releases`; this module keeps
the "last N lines" reading and the JSON form of a line in one place.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autostack_core.interfaces.runtime import LogLine, ReleaseStatus
from autostack_core.services import releases

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Deployment, Project

MAX_LINES = 10_000


def line_json(line: LogLine) -> dict[str, Any]:
    return {"timestamp": line.timestamp.isoformat(), "source": line.source,
            "stream": line.stream, "line": line.text}


async def last_lines(app: AutoStack, project: Project, deployment: Deployment,
                     limit: int) -> list[LogLine]:
    """The last ``limit`` lines (1 to :data:`MAX_LINES`) the runtime has for the deployment,
    oldest first. Raises :class:`~autostack_core.services.releases.RuntimeMissing` when the
    project's runtime is not installed."""
    lines: deque[LogLine] = deque(maxlen=min(max(limit, 1), MAX_LINES))
    async for line in releases.logs(app, project, deployment):
        lines.append(line)
    return list(lines)


@dataclass(frozen=True)
class RuntimeView:
    """What the dashboard shows of a deployment on its runtime."""

    status: ReleaseStatus
    lines: list[LogLine]
    missing: str | None = None
    """The project's runtime when it is not installed (then ``status`` is ``absent``)."""


async def runtime_view(app: AutoStack, project: Project, deployment: Deployment,
                       limit: int) -> RuntimeView:
    """The deployment's runtime status and its last ``limit`` log lines; a runtime that is
    not installed is said, not raised."""
    if project.provider not in app.runtimes:
        return RuntimeView(ReleaseStatus.ABSENT, [], missing=project.provider)
    status = await releases.status(app, project, deployment)
    return RuntimeView(status, await last_lines(app, project, deployment, limit))
