"""The Marketplace page (``/marketplace``).

The page shows what ``autostack plugins --json`` prints (one document,
:func:`autostack_core.services.marketplace.marketplace_json`): installed plugins with
their versions, kinds and hooks, installed templates with a one-click deploy, and the
catalog searched by kind, framework and words through query parameters (a plain GET
form: it works without JavaScript). Deploy buttons are Markdown snippets linking to
``/new?template=NAME`` or ``/new?repository-url=URL``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import User
from autostack_core.services.catalog import KINDS
from autostack_core.services.marketplace import marketplace_json
from autostack_web.access import page
from autostack_web.deploy_buttons import button_markdown, check_repository_url
from autostack_web.new_project import deploy_teams
from autostack_web.rendering import host_of, render, server_url


async def show(request: Request, user: User) -> Response:
    query = request.query_params
    kind, framework = query.get("kind", "").strip(), query.get("framework", "").strip()
    words = query.get("q", "").strip()
    error = None
    if kind and kind not in KINDS:
        error = ApiError(422, f"kind: choose one of {', '.join(KINDS)}", "kind")
        kind = ""
    host = host_of(request)
    market = await marketplace_json(host.settings, host.plugins, host.templates.values(),
                                    kind, framework, words)
    base = server_url(request)
    repository = query.get("repository_url", "").strip()
    repository_button = ""
    if repository:
        try:
            repository_button = button_markdown(
                base, {"repository-url": check_repository_url(repository)})
        except ApiError as refused:
            error = refused
    buttons = {t["slug"]: button_markdown(base, {"template": t["slug"]})
               for t in market["templates"]}
    teams = await deploy_teams(user)
    return await render(request, "marketplace.html", {
        "market": market, "buttons": buttons, "repository_url": repository,
        "repository_button": repository_button, "error": error,
        "deploy_team": teams[0]["slug"] if teams else None,
    }, status_code=error.status if error else 200)


routes: list[BaseRoute] = [
    Route("/marketplace", page(show), methods=["GET"], include_in_schema=False),
]
