"""``GET /api/v1/marketplace``: the document the Marketplace page shows."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user
from autostack_core.errors import ApiError
from autostack_core.services.catalog import KINDS
from autostack_core.services.marketplace import marketplace_json


async def show_marketplace(request: Request) -> Response:
    """Installed plugins and templates, and the catalog searched by kind, framework and words.
    ---
    summary: The marketplace
    tags: [templates]
    parameters:
      - {name: kind, in: query, schema: {type: string}}
      - {name: framework, in: query, schema: {type: string}}
      - {name: q, in: query, schema: {type: string}}
    """
    current_user(request)
    query = request.query_params
    kind = query.get("kind", "").strip()
    if kind and kind not in KINDS:
        raise ApiError(422, f"kind: choose one of {', '.join(KINDS)}", "kind")
    host = autostack_of(request)
    return JSONResponse(await marketplace_json(
        host.settings, host.plugins, host.templates.values(), kind,
        query.get("framework", "").strip(), query.get("q", "").strip()))


routes: list[BaseRoute] = [
    Route("/api/v1/marketplace", show_marketplace, methods=["GET"]),
]
