"""Request body limits, enforced while the body is read.

A handler that calls ``request.body()`` buffers whatever the client sends: a
300 MB POST to the (unauthenticated) webhook endpoint grew the server from
105 MB to 1 GB. This ASGI middleware sits outside everything else, so every
reader (the CSRF form check, handlers, plugins' routes) sees a ``receive``
that counts bytes and stops at the route's limit: a declared
``Content-Length`` over it is answered 413 before anything is read, and a
streamed (chunked) body gets 413 as soon as the count passes it. Memory per
request stays at the limit plus one chunk, whatever the client sends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autostack_core.errors import ApiError, error_response


@dataclass(frozen=True)
class BodyLimit:
    """``limit`` bytes for requests whose method is in ``methods`` and path matches ``path``."""

    methods: frozenset[str]
    path: re.Pattern[str]
    limit: int
    what: str
    """Named in the error: "webhook body", "file", ..."""


class BodyTooLarge(ApiError):
    """Raised from ``receive`` once a body passes its limit; answered 413."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(413, f"{what} is larger than the limit of {limit} bytes", "body")


class BodyLimitMiddleware:
    """Answer 413 to any body larger than its route's limit (``default`` for the others)."""

    def __init__(self, app: ASGIApp, default: int, limits: Sequence[BodyLimit] = ()) -> None:
        self.app = app
        self.default = BodyLimit(frozenset(), re.compile(".*"), default, "request body")
        self.limits = tuple(limits)

    def limit_for(self, method: str, path: str) -> BodyLimit:
        for rule in self.limits:
            if method in rule.methods and rule.path.fullmatch(path):
                return rule
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self.limit_for(scope["method"], scope["path"])
        too_large = BodyTooLarge(rule.what, rule.limit)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > rule.limit:
            await _answer(too_large, scope, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.limit:
                    exceeded = True
                    raise too_large
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                # A handler swallowed BodyTooLarge and answered something else: the
                # client still learns why its request was cut short.
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Whatever a handler made of BodyTooLarge (re-raised, wrapped), the
            # answer is 413 while nothing else has been sent.
            if not exceeded or started:
                raise
        if exceeded and not started:
            await _answer(too_large, scope, send)


async def _answer(error: ApiError, scope: Scope, send: Send) -> None:
    response = error_response(error.status, error.message, error.field, error.code)
    response.headers["Connection"] = "close"

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
