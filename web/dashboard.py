"""The signed-in home: a team's projects as cards, with a team switcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.auth import teams_json
from autostack_core.api.projects import latest_deployment, projects_of
from autostack_core.errors import NotFound
from autostack_core.models import Deployment, DeploymentLog, DeploymentState, Project, User
from autostack_web.access import page
from autostack_web.rendering import render


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


async def current_step(deployment: Deployment | None) -> str | None:
    """The log step a running deployment is at (None when it is not building)."""
    if deployment is None or deployment.state != DeploymentState.BUILDING:
        return None
    line = await DeploymentLog.filter(deployment_id=deployment.id).order_by("-id").first()
    return None if line is None else line.step


async def project_cards(user: User, team_slug: str) -> list[Card]:
    cards = []
    for project in await projects_of(user, team_slug):
        latest = await latest_deployment(project)
        cards.append(Card(project, latest, await current_step(latest)))
    return cards


async def dashboard(request: Request, user: User) -> Response:
    teams = await teams_json(user)
    team = chosen_team(teams, request.query_params.get("team"))
    if team is None:
        raise NotFound("team")
    cards = await project_cards(user, team["slug"])
    return await render(request, "dashboard.html", {"teams": teams, "team": team, "cards": cards})


routes: list[BaseRoute] = [
    Route("/dashboard", page(dashboard), methods=["GET"], include_in_schema=False),
]
