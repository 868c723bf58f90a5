"""The signed-in home: a team's projects as cards, a page at a time, with a team switcher.

A page of cards costs a fixed number of queries whatever the team's size: the
page's projects, their count, the latest deployment of each (one grouped query
for the newest creation time per project, one for those rows), and the step of
the ones building (two more).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.functions import Max

from autostack_core.api.auth import teams_json
from autostack_core.errors import NotFound
from autostack_core.models import Deployment, DeploymentLog, DeploymentState, Project, User
from autostack_web.access import page
from autostack_web.rendering import render

PAGE_SIZE = 24


@dataclass
class Card:
    """A project card: the project, its latest deployment and the step it is at."""

    project: Project
    latest: Deployment | None
    step: str | None


def chosen_team(teams: list[dict[str, Any]], slug: str | None) -> dict[str, Any] | None:
    """The team named by ``slug`` among the user's teams, else their first (personal) one."""
    for team in teams:
        if team["slug"] == slug:
            return team
    return None if slug else (teams[0] if teams else None)


def page_number(value: str | None) -> int:
    """The ``?page=`` asked for; anything that is not a positive number is the first page."""
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


async def latest_deployments(project_ids: list[int]) -> dict[int, Deployment]:
    """The newest deployment (not deleted) of each project, in two queries."""
    alive = Deployment.filter(project_id__in=project_ids, deleted_at__isnull=True)
    newest: list[tuple[int, datetime]] = await alive.annotate(newest=Max("created_at")) \
        .group_by("project_id").values_list("project_id", "newest")
    if not newest:
        return {}
    wanted = set(newest)
    # Two projects may share a creation time: keep only each project's own newest row.
    rows = await alive.filter(created_at__in=[moment for _, moment in newest])
    return {row.project_id: row for row in rows  # type: ignore[attr-defined]
            if (row.project_id, row.created_at) in wanted}  # type: ignore[attr-defined]


async def current_steps(building: list[str]) -> dict[str, str]:
    """The log step each building deployment is at (its last line's step)."""
    if not building:
        return {}
    last_ids = await DeploymentLog.filter(deployment_id__in=building) \
        .annotate(last=Max("id")).group_by("deployment_id").values_list("last", flat=True)
    lines = await DeploymentLog.filter(id__in=list(last_ids)).values_list("deployment_id", "step")
    return dict(lines)


async def project_cards(team_slug: str, number: int) -> tuple[list[Card], int]:
    """One page of the team's project cards, most recently updated first, and the total."""
    projects = Project.filter(team__slug=team_slug)
    total = await projects.count()
    chosen = await projects.order_by("-updated_at", "-id") \
        .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    latest = await latest_deployments([project.id for project in chosen])
    steps = await current_steps([row.id for row in latest.values()
                                 if row.state == DeploymentState.BUILDING])
    cards = [Card(project, latest.get(project.id), None) for project in chosen]
    for card in cards:
        if card.latest is not None:
            card.step = steps.get(card.latest.id)
    return cards, total


async def dashboard(request: Request, user: User) -> Response:
    teams = await teams_json(user)
    team = chosen_team(teams, request.query_params.get("team"))
    if team is None:
        raise NotFound("team")
    number = page_number(request.query_params.get("page"))
    cards, total = await project_cards(team["slug"], number)
    pages = max(1, -(-total // PAGE_SIZE))
    return await render(request, "dashboard.html", {
        "teams": teams, "team": team, "cards": cards, "total": total,
        "page": number, "pages": pages,
    })


routes: list[BaseRoute] = [
    Route("/dashboard", page(dashboard), methods=["GET"], include_in_schema=False),
]
