"""Who may see and do what: signed-in pages, team roles, and error pages.

Every dashboard endpoint is wrapped by :func:`page`: it sends visitors to the
log-in page and turns an :class:`~autostack_core.errors.ApiError` raised by a
role check into an HTML page. Non-members get 404 (they must not learn that a
project exists); members whose role is too low get 403 with what they need.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import Deployment, Project, Role, Team, User
from autostack_core.services.access import require_team_role
from autostack_core.services.checks import checked_id, fits
from autostack_web.rendering import login_redirect, redirect, render, signed_in_user

Handler = Callable[[Request, User], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def page(handler: Handler) -> Endpoint:
    """An endpoint for signed-in users whose role errors become pages."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        user = signed_in_user(request)
        if user is None:
            # A form posted after the session ended cannot be replayed: start from the dashboard.
            return login_redirect(request) if request.method == "GET" else redirect("/login")
        try:
            return await handler(request, user)
        except ApiError as error:
            return await error_page(request, error)

    return endpoint


def path_id(request: Request, what: str, name: str = "id") -> int:
    """The ``{name:int}`` path parameter; beyond an id column it names no ``what``: 404."""
    return checked_id(request.path_params[name], what, name)


async def error_page(request: Request, error: ApiError) -> Response:
    if error.status == 404:
        what = error.message.removesuffix(" not found")
        return await render(request, "not_found.html", {"what": what}, status_code=404)
    return await render(request, "error.html", {"error": error}, status_code=error.status)


async def project_access(
    user: User, name: str, minimum: Role = Role.VIEWER
) -> tuple[Project, Role]:
    """The project called ``name`` and the user's role in its team (404 for non-members)."""
    project = None
    if fits(Project, "name", name):
        project = await Project.get_or_none(name=name).select_related("team")
    if project is None:
        raise NotFound("project")
    try:
        role = await require_team_role(project.team, user, minimum)
    except NotFound as error:
        raise NotFound("project") from error
    return project, role


async def deployment_access(
    user: User, deployment_id: str, minimum: Role = Role.VIEWER
) -> tuple[Deployment, Project, Role]:
    """A deployment that is not deleted, its project and the user's role (404 for non-members)."""
    deployment = None
    if fits(Deployment, "id", deployment_id):
        deployment = await Deployment.get_or_none(id=deployment_id, deleted_at__isnull=True)
    if deployment is None:
        raise NotFound("deployment")
    project = await Project.get(id=deployment.project_id).select_related("team")  # type: ignore[attr-defined]
    try:
        role = await require_team_role(project.team, user, minimum)
    except NotFound as error:
        raise NotFound("deployment") from error
    return deployment, project, role


async def team_access(user: User, slug: str, minimum: Role = Role.VIEWER) -> tuple[Team, Role]:
    """The team with ``slug`` and the user's role in it (404 for non-members)."""
    team = await Team.get_or_none(slug=slug) if fits(Team, "slug", slug) else None
    if team is None:
        raise NotFound("team")
    return team, await require_team_role(team, user, minimum)
