"""The web vitals beacon at the control plane: the script and the posts the edge proxies.

An edge serves :data:`~autostack_core.services.web_vitals.SCRIPT_PATH` and
proxies :data:`~autostack_core.services.web_vitals.BEACON_PATH` of every hostname
it serves here with the visitor's ``Host`` (the local edge: its
``edge_insights`` route), so the page posts to its own origin: no CORS, no
cookie. The body is read up to its limit and no further.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of
from autostack_core.errors import ApiError
from autostack_core.services import web_vitals


async def script(request: Request) -> Response:
    """The opt-in beacon script (``<script defer src="/_autostack/insights/script.js">``)."""
    return Response(
        web_vitals.SCRIPT,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def limited_body(request: Request, limit: int) -> bytes:
    """The request's body, or 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the body is over {limit} bytes")
    return bytes(body)


async def vitals(request: Request) -> Response:
    """Store one page view's vitals (204); 413, 422 or 404 for what cannot be kept."""
    body = await limited_body(request, web_vitals.MAX_BODY_BYTES)
    hostname = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
    await web_vitals.record(hostname, autostack_of(request).settings.base_domain, body)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route(web_vitals.SCRIPT_PATH, script, methods=["GET"]),
    Route(web_vitals.BEACON_PATH, vitals, methods=["POST"]),
]
