"""The signed-in home: a team's projects as cards, and creating a project."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.auth import teams_json
from autostack_core.api.projects import (
    SETTING_FIELDS,
    create_project,
    latest_deployment,
    parse_create,
    projects_of,
)
from autostack_core.auth import client_ip
from autostack_core.errors import ApiError
from autostack_core.models import Project, User
from autostack_core.utils import slugify
from autostack_web.rendering import form_text, login_redirect, redirect, render, signed_in_user


def chosen_team(teams: list[dict[str, Any]], slug: str | None) -> dict[str, Any] | None:
    """The team named by ``slug`` among the user's teams, else their first (personal) one."""
    for team in teams:
        if team["slug"] == slug:
            return team
    return None if slug else (teams[0] if teams else None)


async def project_cards(user: User, team_slug: str) -> list[dict[str, Any]]:
    cards = []
    for project in await projects_of(user, team_slug):
        cards.append({"project": project, "latest": await latest_deployment(project)})
    return cards


async def dashboard(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    teams = await teams_json(user)
    team = chosen_team(teams, request.query_params.get("team"))
    if team is None:
        return await render(request, "not_found.html", {"what": "team"}, status_code=404)
    cards = await project_cards(user, team["slug"])
    return await render(request, "dashboard.html", {"teams": teams, "team": team, "cards": cards})


def suggested_name(git_url: str) -> str:
    """A project name from the last part of a git URL (``.../my-app.git`` -> ``my-app``)."""
    tail = git_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return slugify(tail.removesuffix(".git"))


async def new_project(request: Request) -> Response:
    user = signed_in_user(request)
    if user is None:
        return login_redirect(request)
    teams = [team for team in await teams_json(user) if team["role"] != "viewer"]
    git_url = request.query_params.get("git_url", "").strip()
    values: dict[str, str] = {
        "git_url": git_url, "name": suggested_name(git_url) if git_url else "",
        "team": request.query_params.get("team", ""), "branch": "main",
    }
    context: dict[str, Any] = {"teams": teams, "values": values, "error": None,
                               "fields": SETTING_FIELDS}
    if request.method == "GET":
        return await render(request, "new_project.html", context)
    async with request.form() as form:
        values = {name: form_text(form, name) for name in ("name", "team", *SETTING_FIELDS)}
    context["values"] = values
    try:
        body = parse_create({key: value for key, value in values.items() if value})
        project: Project = await create_project(user, body, client_ip(request))
    except ApiError as error:
        context["error"] = error
        return await render(request, "new_project.html", context, status_code=error.status)
    team = await project.team
    return redirect(f"/dashboard?team={team.slug}")


routes: list[BaseRoute] = [
    Route("/dashboard", dashboard, methods=["GET"], include_in_schema=False),
    Route("/new", new_project, methods=["GET", "POST"], include_in_schema=False),
]
