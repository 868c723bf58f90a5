"""The signed-in user's notifications page (``/notifications``): mentions in comments,
newest first, each linking to its comment; "Mark all read" empties the header's count."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.infrastructure.models import User
from autostack_core.services import inbox
from autostack_web.access import page
from autostack_web.rendering import redirect, render


async def show(request: Request, user: User) -> Response:
    return await render(request, "notifications.html", {
        "notifications": await inbox.recent(user), "unread": await inbox.unread(user)})


async def read_all(request: Request, user: User) -> Response:
    await inbox.mark_read(user)
    return redirect("/notifications")


routes: list[BaseRoute] = [
    Route("/notifications", page(show), methods=["GET"], include_in_schema=False),
    Route("/notifications/read", page(read_all), methods=["POST"], include_in_schema=False),
]
