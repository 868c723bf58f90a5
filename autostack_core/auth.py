"""Placeholder authentication middleware (replaced by the auth module)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class AuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["user"] = None
        await self.app(scope, receive, send)
