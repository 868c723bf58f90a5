"""The deployment page: state, URLs, the build log with its steps and their timings, and,
once the deployment is ready, its runtime status and runtime logs.

The page is complete as served; ``static/live.js`` then follows the
deployment's Server-Sent Events (``/api/v1/deployments/{id}/events``) and
updates the state, the steps and the log in place, and appends new runtime log
lines from ``/api/v1/deployments/{id}/runtime-logs/events``. ``static/collab.js``
shows who else is on the page and re-renders the comments when they change
(``/api/v1/deployments/{id}/presence/events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.build.buildlog import DONE_STEP
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    DeploymentLog,
    DeploymentState,
    User,
)
from autostack_core.services import comments, deployments
from autostack_core.services.runtime_logs import runtime_view
from autostack_web.access import deployment_access, page
from autostack_web.flash import flash_of
from autostack_web.rendering import host_of, render

RUNTIME_LINES = 200
"""Runtime log lines a page shows when served (the API's runtime-logs reads more)."""


@dataclass
class Step:
    """One step of a build log: the time of its earlier spans (``spent``) and its latest
    span, which lasts until another step starts."""

    name: str
    started: datetime
    ended: datetime
    spent: float = 0.0

    @property
    def label(self) -> str:
        return self.name.title()

    @property
    def seconds(self) -> float:
        return self.spent + (self.ended - self.started).total_seconds()


def steps_of(lines: list[DeploymentLog]) -> list[Step]:
    """The steps in the order they first ran, each once: a step lasts until the next one
    starts, and a step that runs again (an upload before and after the build) adds up."""
    steps: dict[str, Step] = {}
    current: Step | None = None
    for line in lines:
        if current is not None:
            current.ended = line.timestamp
            if current.name == line.step:
                continue
        if line.step == DONE_STEP:
            current = None
            continue
        current = steps.get(line.step)
        if current is None:
            current = steps[line.step] = Step(line.step, line.timestamp, line.timestamp)
        else:
            current.spent = current.seconds
            current.started = current.ended = line.timestamp
    return list(steps.values())


async def deployment_page(request: Request, user: User, status_code: int = 200,
                          **extra: Any) -> Response:
    """The page; ``extra`` may add a ``comment_error`` and the ``draft`` it refused."""
    deployment, project, role = await deployment_access(user, request.path_params["id"])
    host = host_of(request)
    lines = list(await DeploymentLog.filter(deployment_id=deployment.id).order_by("id"))
    aliases = await Alias.filter(deployment_id=deployment.id) \
        .exclude(kind=AliasKind.DEPLOYMENT).order_by("id")
    production = await deployments.production_deployment(host, project)
    runtime = await runtime_view(host, project, deployment, RUNTIME_LINES) \
        if deployment.state == DeploymentState.READY else None
    return await render(request, "deployment.html", {
        "deployment": deployment, "project": project, "role": role, "lines": lines,
        "steps": steps_of(lines), "step": lines[-1].step if lines else None,
        "aliases": [deployments.url_for(host, alias.hostname) for alias in aliases],
        "serving_production": production is not None and production.id == deployment.id,
        "runtime": runtime, "comments": await comments.listed(deployment),
        "handles": set(comments.handles(
            await comments.team_members(project.team_id))),  # type: ignore[attr-defined]
        "comment_error": None, "draft": "", "flash": flash_of(request), **extra,
    }, status_code=status_code)


routes: list[BaseRoute] = [
    Route("/deployments/{id}", page(deployment_page), methods=["GET"], include_in_schema=False),
]
