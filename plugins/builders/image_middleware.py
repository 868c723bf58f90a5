"""Middleware calls inside a packaged image: the local edge's call, from the launcher.

Standard library only; copied into the image with :mod:`.image_launcher`. The
edge worker (``edge_functions.mjs``, the same file the local runtime runs) is
asked as the local edge asks it (``plugins/providers/local/edge_middleware.py``):
a ``GET`` without a body, the visitor's headers, the function's path in
``X-Autostack-Middleware`` and the method in ``X-Autostack-Method``. Its answer:

* ``X-Middleware-Next`` or ``X-Middleware-Rewrite``: routing goes on (on the
  rewritten path), with the answer's other headers added to the response and
  the request headers of the ``X-Middleware-Set-Name-<n>``/``-Set-Value-<n>``
  and ``X-Middleware-Delete-<n>`` slots changed;
* anything else is the response.
"""

from __future__ import annotations

import http.client
from urllib.parse import quote

from .image_routes import PATH_SAFE, MiddlewareAnswer, Request

NEXT = "x-middleware-next"
REWRITE = "x-middleware-rewrite"
OVERRIDE_SLOTS = 8
"""Request headers a middleware may set, and as many it may delete (edge_functions.mjs)."""
UNUSED = "x-autostack-unused"
"""What an unused slot names."""
NOT_COPIED = {"content-length", "content-type", "date", "connection", "keep-alive",
              "transfer-encoding", "via", "server"}
"""The worker's headers that never reach the visitor when routing goes on (as at the edge;
``x-middleware-*`` neither)."""
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
               "proxy-authorization", "proxy-authenticate", "content-length"}
INTERNAL = ("x-autostack-middleware", "x-autostack-method")
"""Headers only the launcher sends the edge worker; a visitor's are dropped."""
TIMEOUT_SECONDS = 300


def call(port: int, path: str, request: Request) -> MiddlewareAnswer:
    """Ask the edge worker on ``port`` to run middleware ``path`` for ``request``."""
    uri = quote(request.path, safe=PATH_SAFE) + (f"?{request.query}" if request.query else "")
    headers = {name: value for name, value in request.headers.items()
               if name.lower() not in HOP_HEADERS and name.lower() not in INTERNAL}
    headers.update({"X-Autostack-Middleware": path, "X-Autostack-Method": request.method})
    upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_SECONDS)
    try:
        upstream.request("GET", uri, headers=headers)
        response = upstream.getresponse()
        body = response.read()
    finally:
        upstream.close()
    answer = {name.lower(): value for name, value in response.getheaders()}
    if NEXT not in answer and REWRITE not in answer:
        return MiddlewareAnswer(False, {name: value for name, value in response.getheaders()
                                        if name.lower() not in HOP_HEADERS},
                                response.status, body)
    names = [answer.get(f"x-middleware-set-name-{slot}", UNUSED)
             for slot in range(1, OVERRIDE_SLOTS + 1)]
    values = [answer.get(f"x-middleware-set-value-{slot}", "")
              for slot in range(1, OVERRIDE_SLOTS + 1)]
    deleted = [answer.get(f"x-middleware-delete-{slot}", UNUSED)
               for slot in range(1, OVERRIDE_SLOTS + 1)]
    return MiddlewareAnswer(
        True,
        {name: value for name, value in response.getheaders()
         if name.lower() not in NOT_COPIED and not name.lower().startswith("x-middleware-")},
        rewrite=answer.get(REWRITE),
        set_headers={name: value for name, value in zip(names, values, strict=True)
                     if name.lower() != UNUSED},
        delete_headers=[name for name in deleted if name.lower() != UNUSED])
