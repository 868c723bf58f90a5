"""The signed-in home: a team's projects as cards, a page at a time, with a team switcher.

A card shows production first (the deployment the production alias serves: a
failed preview does not make a healthy site look broken, and after a rollback
it is the rolled-back-to deployment), and the latest activity beside it when
that is another deployment (a preview building, a failed build).

A page of cards costs three queries whatever the team's size: the team's
project count, the page's projects with the ids of their production and
newest deployments, and those deployments with the step the building ones are
at. They read only the columns a card shows (a deployment row also carries its
manifests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import RawSQL

from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import Deployment, Project, Team, User
from autostack_core.services import screenshots
from autostack_core.services.team_sso import SsoRequired
from autostack_core.services.teams import teams_json
from autostack_web.access import page
from autostack_web.rendering import host_of, render

PAGE_SIZE = 24
CARD_FIELDS = ("id", "project_id", "state", "created_at", "branch", "commit_sha",
               "commit_message", "source_type")
"""What a card shows of a deployment (``_macros.html``: state, age, progress, source)."""

# Correlated subqueries, which Tortoise cannot express, in SQL that SQLite and
# PostgreSQL both run. A project's newest deployment is found through the
# (project_id, created_at) index; a building one's step is its last log line's.
LATEST_DEPLOYMENT = RawSQL(
    '(SELECT "id" FROM "deployments" WHERE "project_id" = "projects"."id"'
    ' AND "deleted_at" IS NULL ORDER BY "created_at" DESC LIMIT 1)')
PRODUCTION_DEPLOYMENT = RawSQL(
    '(SELECT "deployment_id" FROM "aliases" WHERE "project_id" = "projects"."id"'
    " AND \"kind\" = 'production' LIMIT 1)")
CURRENT_STEP = RawSQL(
    """(CASE WHEN "deployments"."state" = 'building' THEN (SELECT "step" FROM"""
    ' "deployment_logs" WHERE "deployment_id" = "deployments"."id" ORDER BY "id" DESC'
    " LIMIT 1) END)")


@dataclass
class Card:
    """A project card: its production deployment, and its latest one when that is another
    (with the step it is at)."""

    project: Project
    production: Deployment | None
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


async def card_deployments(ids: set[str]) -> dict[str, Deployment]:
    """The deployments by id, each with ``step`` if it is building."""
    rows = await Deployment.filter(id__in=ids).annotate(step=CURRENT_STEP).only(*CARD_FIELDS)
    return {row.id: row for row in rows}


async def project_cards(team_slug: str, number: int) -> tuple[list[Card], int]:
    """One page of the team's project cards, most recently updated first, and the total."""
    projects = Project.filter(team__slug=team_slug)
    total = await projects.count()
    chosen = await projects.order_by("-updated_at", "-id") \
        .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE) \
        .annotate(latest_id=LATEST_DEPLOYMENT, production_id=PRODUCTION_DEPLOYMENT) \
        .only("id", "name", "production_url", "git_url")
    wanted = {getattr(project, key) for project in chosen
              for key in ("latest_id", "production_id")} - {None}
    found = await card_deployments(wanted) if wanted else {}
    cards = []
    for project in chosen:
        production = found.get(getattr(project, "production_id", None) or "")
        latest = found.get(getattr(project, "latest_id", None) or "")
        if latest is not None and production is not None and latest.id == production.id:
            latest = None  # production is the latest activity: shown once
        cards.append(Card(project, production, latest, getattr(latest, "step", None)))
    return cards, total


async def dashboard(request: Request, user: User) -> Response:
    teams = await teams_json(user)
    team = chosen_team(teams, request.query_params.get("team"))
    if team is None:
        raise NotFound("team")
    if team.get("sso_required"):  # listed, but its projects need a sign-in through its SSO
        raise SsoRequired(await Team.get(slug=team["slug"]))
    number = page_number(request.query_params.get("page"))
    cards, total = await project_cards(team["slug"], number)
    pages = max(1, -(-total // PAGE_SIZE))
    thumbnails = screenshots.stored(host_of(request).settings,
                                    (card.production.id for card in cards if card.production))
    return await render(request, "dashboard.html", {
        "teams": teams, "team": team, "cards": cards, "total": total,
        "page": number, "pages": pages, "thumbnails": thumbnails,
    })


routes: list[BaseRoute] = [
    Route("/dashboard", page(dashboard), methods=["GET"], include_in_schema=False),
]
