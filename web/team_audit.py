"""The team's audit log page (``/teams/{slug}/audit``): owners and admins only.

Filters are a GET form (action, actor, project, target, since, until) read by
:func:`autostack_core.services.audit.filter_from`, as the API reads them;
"Older" follows the page's cursor. A malformed filter is shown beside its field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import AuditEvent, User
from autostack_core.services import audit
from autostack_web.access import page, team_access
from autostack_web.rendering import render

FILTERS = ("action", "actor", "project", "target", "since", "until")


async def show(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"])
    audit.check_reader(role)
    values = {name: request.query_params.get(name, "") for name in FILTERS}
    rows: list[AuditEvent] = []
    error, older = None, None
    try:
        rows, next_cursor = await audit.page(team, audit.filter_from(request.query_params))
    except ApiError as problem:
        error = problem
    else:
        if next_cursor is not None:
            kept = {name: value for name, value in values.items() if value}
            older = f"?{urlencode({**kept, 'cursor': next_cursor})}"
    return await render(request, "team_audit.html", {
        "team": team, "role": role, "events": [audit.event_json(row) for row in rows],
        "values": values, "error": error, "older": older,
        "newest": bool(request.query_params.get("cursor"))},
        status_code=422 if error else 200)


routes: list[BaseRoute] = [
    Route("/teams/{slug}/audit", page(show), methods=["GET"], include_in_schema=False),
]
