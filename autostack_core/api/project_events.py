"""Live lists: Server-Sent Events for a project's deployments and for a team's.

``GET /api/v1/projects/{name}/events`` and ``GET /api/v1/teams/{slug}/events``
send a ``deployment`` event whenever a deployment appears in, or changes state
within, the newest deployments of the project (or of the team's projects), and
an ``alias`` event whenever one of the watched aliases (the project's
production and preview aliases; the production alias of each of the team's
projects) points at another deployment: a promote, a rollback, or production
moving to a deployment after it became ready. Like every live view, they are
woken by the event bus and re-read the database
(:mod:`autostack_core.infrastructure.events`); each ``deployment`` event carries
``{id, project, state, new}``, each ``alias`` event ``{hostname, project,
deployment}``. A page that gets one re-renders the part that shows it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.queryset import QuerySet

from autostack_core.api.deps import project_for, team_for
from autostack_core.infrastructure.models import Alias, AliasKind, Deployment, Role
from autostack_core.services.deployments import project_channel, team_channel

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

WATCHED = 50
"""How many of the newest deployments a stream compares between wake-ups."""
POLL_SECONDS = 5.0
WATCHED_ALIASES = (AliasKind.PRODUCTION, AliasKind.BRANCH, AliasKind.PULL_REQUEST)
"""The aliases a project page shows: its production card and its previews."""


async def changes(
    app: AutoStack, channel: str, deployments: QuerySet[Deployment], aliases: QuerySet[Alias]
) -> AsyncIterator[dict[str, str]]:
    """A ``deployment`` event for each new deployment or state change seen on ``channel``,
    an ``alias`` event for each of ``aliases`` that points somewhere else."""
    known: dict[str, str] | None = None
    served: dict[str, str] | None = None
    async for _ in app.events.changes(channel, poll_seconds=POLL_SECONDS):
        rows = await deployments.filter(deleted_at__isnull=True).order_by("-created_at") \
            .limit(WATCHED).values("id", "state", "project__name")
        current = {row["id"]: str(row["state"]) for row in rows}
        seen = known or {}
        for row in reversed(rows) if known is not None else []:
            if seen.get(row["id"]) != current[row["id"]]:
                yield {"event": "deployment", "data": json.dumps({
                    "id": row["id"], "project": row["project__name"],
                    "state": current[row["id"]], "new": row["id"] not in seen})}
        known = current
        pointed = await aliases.values("hostname", "deployment_id", "project__name")
        before = served or {}
        for alias in pointed if served is not None else []:
            if before.get(alias["hostname"]) != alias["deployment_id"]:
                yield {"event": "alias", "data": json.dumps({
                    "hostname": alias["hostname"], "project": alias["project__name"],
                    "deployment": alias["deployment_id"]})}
        served = {alias["hostname"]: alias["deployment_id"] for alias in pointed}


async def project_events(request: Request) -> Response:
    """Server-Sent Events: ``deployment`` when a project's deployment appears or changes.
    ---
    summary: Follow a project's deployments live (SSE)
    tags: [deployments]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    stream = changes(app, project_channel(project.name), Deployment.filter(project=project),
                     Alias.filter(project=project, kind__in=WATCHED_ALIASES))
    return EventSourceResponse(stream, ping=15)


async def team_events(request: Request) -> Response:
    """Server-Sent Events: ``deployment`` when a deployment of the team's projects appears
    or changes.
    ---
    summary: Follow a team's deployments live (SSE)
    tags: [teams]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    """
    app: AutoStack = request.app.state.autostack
    team, _ = await team_for(request, Role.VIEWER)
    stream = changes(app, team_channel(team.id), Deployment.filter(project__team_id=team.id),
                     Alias.filter(project__team_id=team.id, kind=AliasKind.PRODUCTION))
    return EventSourceResponse(stream, ping=15)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/events", project_events, methods=["GET"]),
    Route("/api/v1/teams/{slug}/events", team_events, methods=["GET"]),
]
