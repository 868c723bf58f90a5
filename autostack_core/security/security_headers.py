"""Browser security headers on every response of the dashboard and the API.

The dashboard shows what teams typed (project names, commit messages, log
lines), so a slip in escaping must not become script: the Content-Security-
Policy allows only the dashboard's own script and style files, no inline
``<script>``, ``on*=`` attribute or ``style=`` attribute (htmx's own inline
indicator style is turned off in ``base.html``). No other site may frame a
page (clickjacking the deploy and delete buttons), the browser may not guess
content types, other sites are not told which page linked to them (URLs can
hold invitation tokens), and under an https public URL browsers remember to
use https only.

A pure ASGI middleware, so streamed responses (live logs over Server-Sent
Events) pass through untouched; a header a handler set itself wins.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",  # avatars from GitHub and Google
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HSTS = "max-age=31536000"
"""A year, for the dashboard's host only: deployments' hosts decide for themselves."""


def security_headers(https: bool) -> dict[str, str]:
    """The headers every response carries; HSTS only when the public URL is https."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = security_headers(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
