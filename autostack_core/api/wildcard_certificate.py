"""The wildcard certificate of the base domain (``/api/v1/edge/wildcard-certificate``).

A server-wide certificate is no team's business: only the users listed in
``AUTOSTACK_ADMINS`` read its state and ask for a renewal now.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import autostack_of
from autostack_core.api.deps import current_user
from autostack_core.errors import ApiError, Forbidden
from autostack_plugins.providers.local import wildcard_certificate


def require_server_admin(request: Request) -> None:
    """403 unless the signed-in user is one of ``AUTOSTACK_ADMINS``."""
    user = current_user(request)
    if user.email.lower() not in autostack_of(request).settings.admins:
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
    state = wildcard_certificate.state(autostack_of(request).settings)
    return JSONResponse(state.as_dict())


async def renew(request: Request) -> Response:
    """Obtain or renew the wildcard certificate now, through the queue.
    ---
    summary: Renew the wildcard certificate
    tags: [edge]
    responses:
      202: {description: Queued; poll the state}
      403: {description: Not a server admin}
      409: {description: No DNS provider configured, or the base domain is localhost}
    """
    require_server_admin(request)
    app = autostack_of(request)
    if not wildcard_certificate.enabled(app.settings):
        raise ApiError(409, "no wildcard certificate here: set AUTOSTACK_DNS_PROVIDER and a "
                            "base domain other than localhost")
    app.queue.enqueue("renew_wildcard_certificate", True)
    state = wildcard_certificate.state(app.settings)
    return JSONResponse({**state.as_dict(), "queued": True}, status_code=202)


routes: list[BaseRoute] = [
    Route("/api/v1/edge/wildcard-certificate", get_state, methods=["GET"]),
    Route("/api/v1/edge/wildcard-certificate/renew", renew, methods=["POST"]),
]
