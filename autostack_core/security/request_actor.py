"""Who the audit log names for a request: its user, API token and client address.

Installed after :class:`~autostack_core.security.auth.AuthMiddleware`, whose
``request.state`` it reads, it binds the request's
:class:`~autostack_core.services.audit.Actor` for the code serving it, so a
service records a change (:func:`~autostack_core.services.audit.record`) with
the right actor however deep it is called. The address is the one the ASGI
server reports, which names the client behind ``AUTOSTACK_TRUSTED_PROXIES``
only (uvicorn's ``forwarded_allow_ips``).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from autostack_core.security.auth import client_ip
from autostack_core.services import audit


def actor_of(connection: HTTPConnection) -> audit.Actor:
    """The request's user, the name of the API token it came with, and its client address."""
    token = getattr(connection.state, "api_token", None)
    return audit.Actor(user=getattr(connection.state, "user", None),
                       token_name=token.name if token is not None else "",
                       address=client_ip(connection))


class RequestActorMiddleware:
    """Bind each HTTP request's actor (:func:`autostack_core.services.audit.bind`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with audit.bind(actor_of(HTTPConnection(scope))):
            await self.app(scope, receive, send)
