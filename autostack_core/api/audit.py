"""A team's audit log (``/api/v1/teams/{slug}/audit``): owners and admins read it.

Non-members get 404 as for every team route; members and viewers get 403.
The rows and their filters are :mod:`autostack_core.services.audit`'s.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import team_for
from autostack_core.infrastructure.models import Role
from autostack_core.services import audit

_TEXT: dict[str, Any] = {"type": "string"}
_MAYBE_OBJECT: dict[str, Any] = {"type": "object", "nullable": True}
SCHEMAS: dict[str, Any] = {
    "AuditEvent": {
        "type": "object", "description": "What audit.event_json() writes.",
        "required": ["id", "created_at", "action", "actor", "address", "target"],
        "properties": {
            "id": {"type": "integer"}, "created_at": _TEXT, "action": _TEXT,
            "actor": {"type": "object", "properties": {
                "name": _TEXT, "user_id": {"type": "integer", "nullable": True},
                "token": {"type": "string", "nullable": True}}},
            "address": _TEXT,
            "target": {"type": "object", "properties": {"type": _TEXT, "id": _TEXT}},
            "project": {"type": "string", "nullable": True},
            "before": _MAYBE_OBJECT, "after": _MAYBE_OBJECT, "details": {"type": "object"},
        },
    },
    "AuditPage": {
        "type": "object", "required": ["events", "next_cursor"],
        "properties": {
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}},
            "next_cursor": {"type": "integer", "nullable": True,
                            "description": "send as cursor for older rows; null at the end"},
        },
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


async def list_events(request: Request) -> Response:
    """The team's audit log, newest first (owners and admins).
    ---
    summary: Read the audit log
    tags: [teams]
    parameters:
      - {name: action, in: query, schema: {type: string},
         description: "an action (deployment.promoted) or a family (deployment)"}
      - {name: actor, in: query, schema: {type: string},
         description: "a user's e-mail or an API token's name"}
      - {name: project, in: query, schema: {type: string}}
      - {name: target, in: query, schema: {type: string}, description: "id or type:id"}
      - {name: since, in: query, schema: {type: string},
         description: "ISO date or time (UTC unless given), or an age: 30m, 24h, 7d"}
      - {name: until, in: query, schema: {type: string}}
      - {name: cursor, in: query, schema: {type: integer},
         description: "the previous page's next_cursor"}
      - {name: limit, in: query, schema: {type: integer, default: 50, maximum: 200}}
    responses:
      200: {description: a page of the log, schema: AuditPage}
      403: {description: members and viewers cannot read the audit log}
      404: {description: no such team, or not a member}
      422: {description: a filter is malformed; the error names it}
    """
    team, role = await team_for(request, Role.VIEWER)
    audit.check_reader(role)
    rows, next_cursor = await audit.page(team, audit.filter_from(request.query_params))
    return JSONResponse({"events": [audit.event_json(row) for row in rows],
                         "next_cursor": next_cursor})


routes: list[BaseRoute] = [
    Route("/api/v1/teams/{slug}/audit", list_events, methods=["GET"]),
]
