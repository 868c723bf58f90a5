"""The signed-in user's in-app notifications (``/api/v1/notifications``): mentions in
comments (:mod:`autostack_core.services.comments`), newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user
from autostack_core.infrastructure.models import UserNotification

LISTED = 50
"""How many of the newest notifications the list shows."""


def as_json(row: UserNotification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "text": row.text, "link": row.link,
            "created_at": row.created_at.isoformat(),
            "read_at": row.read_at and row.read_at.isoformat()}


async def list_notifications(request: Request) -> Response:
    """Your newest notifications and how many are unread.
    ---
    summary: List your notifications
    tags: [account]
    """
    user = current_user(request)
    rows = await UserNotification.filter(user=user).order_by("-id").limit(LISTED)
    unread = await UserNotification.filter(user=user, read_at__isnull=True).count()
    return JSONResponse({"unread": unread, "notifications": [as_json(row) for row in rows]})


async def mark_read(request: Request) -> Response:
    """Mark all your notifications read.
    ---
    summary: Mark your notifications read
    tags: [account]
    """
    user = current_user(request)
    marked = await UserNotification.filter(user=user, read_at__isnull=True) \
        .update(read_at=datetime.now(UTC))
    return JSONResponse({"marked": marked})


routes: list[BaseRoute] = [
    Route("/api/v1/notifications", list_notifications, methods=["GET"]),
    Route("/api/v1/notifications/read", mark_read, methods=["POST"]),
]
