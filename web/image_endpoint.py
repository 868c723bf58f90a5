"""``/_vercel/image`` and ``/_next/image`` on a deployment's hostname (the edge proxies them here).

The local edge sends these two paths of every hosted hostname to the control
plane, ``Host`` kept, after its protection check. The check is made again
here, so a request that reaches the control plane directly gets nothing of a
protected deployment either: the bypass secret or a valid access cookie, else
401. The work is :mod:`autostack_core.images.service`'s.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.images.request import ENDPOINTS
from autostack_core.images.service import service_for
from autostack_core.infrastructure.models import ProtectionMode
from autostack_core.services import protection_gate as gate
from autostack_core.services.protection_gate import Target
from autostack_web.protection_gate import base_domain, denied, request_host
from autostack_web.rendering import host_of


async def admitted(request: Request, target: Target) -> bool:
    """Whether the visitor may see the hostname's files (always, when it is not protected)."""
    if target.mode == ProtectionMode.NONE:
        return True
    headers = {key.lower(): value for key, value in request.headers.items()}
    secret, _ = gate.sent_bypass(headers, f"?{request.url.query}")
    if gate.bypass_matches(target.project, secret):
        return True
    return await gate.cookie_admits(host_of(request), target, request.cookies.get(gate.COOKIE))


async def image(request: Request) -> Response:
    """One optimized image: see :meth:`ImageService.answer` for the rules."""
    hostname = request_host(request)
    target = await gate.target_of(hostname, base_domain(request))
    if target is None or target.deployment is None:
        return Response(
            f"no deployment is served at {hostname}",
            status_code=404,
            media_type="text/plain",
            headers={"Cache-Control": "no-store"},
        )
    if not await admitted(request, target):
        return denied()
    service = service_for(host_of(request).settings)
    answer = await service.answer(
        target.deployment,
        request.query_params,
        request.headers.get("accept", ""),
        request.headers.get("if-none-match"),
    )
    body = b"" if request.method == "HEAD" else answer.body
    response: Response = Response(body, status_code=answer.status, headers=answer.headers)
    if request.method == "HEAD":
        response.headers["Content-Length"] = str(len(answer.body))
    if target.mode != ProtectionMode.NONE:
        # As the edge says for every protected answer: no shared cache keeps it.
        response.headers["Cache-Control"] = "private, no-store"
    return response


routes: list[BaseRoute] = [
    Route(path, image, methods=["GET", "HEAD"], include_in_schema=False) for path in ENDPOINTS
]
