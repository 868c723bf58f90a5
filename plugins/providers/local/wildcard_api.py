"""The wildcard certificate of the base domain (``/api/v1/edge/wildcard-certificate``).

A server-wide certificate is no team's business: only the users listed in
``AUTOSTACK_ADMINS`` read its state and ask for a renewal now. Mounted by
:mod:`autostack_plugins.providers.local.wildcard_plugin` through
``register_routes``, so the routes check the signed-in user themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, Forbidden, Unauthorized
from autostack_plugins.providers.local import wildcard_certificate

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

RENEW_TASK = "renew_wildcard_certificate"


def host_of(request: Request) -> AutoStack:
    app: AutoStack = request.app.state.autostack
    return app


def require_server_admin(request: Request) -> None:
    """401 when nobody is signed in, 403 unless it is one of ``AUTOSTACK_ADMINS``."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise Unauthorized()
    if user.email.lower() not in host_of(request).settings.admins:
        raise Forbidden("this needs a server admin (an e-mail listed in AUTOSTACK_ADMINS)")


async def get_state(request: Request) -> Response:
    """The wildcard certificate: issued (expiry, issuer, renewal date), failed (the error), pending.
    ---
    summary: Wildcard certificate state
    tags: [edge]
    responses:
      200: {description: "{enabled, names, status, expires_at, renew_after, error, ...}"}
      403: {description: Not a server admin}
    """
    require_server_admin(request)
    state = wildcard_certificate.state(host_of(request).settings)
    return JSONResponse(state.as_dict())


async def renew(request: Request) -> Response:
    """Obtain or renew the wildcard certificate now, through the queue.
    ---
    summary: Renew the wildcard certificate
    tags: [edge]
    responses:
      202: {description: Queued; poll the state}
      403: {description: Not a server admin}
      409: {description: No DNS host configured, or the base domain is localhost}
    """
    require_server_admin(request)
    app = host_of(request)
    if not wildcard_certificate.enabled(app.settings):
        raise ApiError(409, "no wildcard certificate here: set AUTOSTACK_DNS_HOST and a "
                            "base domain other than localhost")
    app.queue.enqueue(RENEW_TASK, True)
    state = wildcard_certificate.state(app.settings)
    return JSONResponse({**state.as_dict(), "queued": True}, status_code=202)


routes: list[BaseRoute] = [
    Route("/api/v1/edge/wildcard-certificate", get_state, methods=["GET"]),
    Route("/api/v1/edge/wildcard-certificate/renew", renew, methods=["POST"]),
]
