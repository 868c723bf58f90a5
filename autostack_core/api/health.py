"""Liveness: is the server up, and which version."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core import __version__


async def health(request: Request) -> Response:
    """Answer 200 while the server runs.
    ---
    summary: Health check
    tags: [server]
    security: []
    responses:
      200: {description: "{ok: true, version}"}
    """
    return JSONResponse({"ok": True, "version": __version__})


routes: list[BaseRoute] = [Route("/api/v1/health", health, methods=["GET"])]
