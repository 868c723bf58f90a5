"""The signed-in user's in-app notifications (``/api/v1/notifications``): mentions in
comments (:mod:`autostack_core.services.comments`), newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user
from autostack_core.services import inbox


async def list_notifications(request: Request) -> Response:
    """Your newest notifications and how many are unread.
    ---
    summary: List your notifications
    tags: [account]
    """
    user = current_user(request)
    return JSONResponse({"unread": await inbox.unread(user),
                         "notifications": [inbox.as_json(row) for row in await inbox.recent(user)]})


async def mark_read(request: Request) -> Response:
    """Mark all your notifications read.
    ---
    summary: Mark your notifications read
    tags: [account]
    """
    return JSONResponse({"marked": await inbox.mark_read(current_user(request))})


routes: list[BaseRoute] = [
    Route("/api/v1/notifications", list_notifications, methods=["GET"]),
    Route("/api/v1/notifications/read", mark_read, methods=["POST"]),
]
