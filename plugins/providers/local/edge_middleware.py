"""Middleware at the local edge: what the edge sends the edge worker and reads back; pure.

A Build Output route ``{"src": ..., "middlewarePath": "_middleware",
"continue": true}`` runs that ``"runtime": "edge"`` function before the
request is routed further (``docs/middleware.md``). Its ``src`` is compiled
into the route's matcher, so a request it does not match costs nothing more.
A matching request is proxied, without its body, to the deployment's edge
worker (``plugins/providers/launchers/edge_functions.mjs``), the way Caddy's
``forward_auth`` works; the worker's answer decides:

* ``x-middleware-next``: routing goes on; the answer's other headers are
  added to the final response;
* ``x-middleware-rewrite: /path?query``: the same, on that path (the worker
  only sends same-origin paths, braces percent-encoded);
* anything else (a redirect, a 403, a page of its own) is the response.

With the first two, the request headers the middleware set or deleted (at
most :data:`OVERRIDE_SLOTS` each) are changed before routing goes on.

No user value is a placeholder here: the path is checked (:func:`check_path`),
and headers are copied from the worker's response, whose values Caddy never
expands (a placeholder's value is not expanded again).
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

MIDDLEWARE_RUNTIME = "edge"
"""The function runtime, and worker, that runs middleware."""
NEXT = "X-Middleware-Next"
REWRITE = "X-Middleware-Rewrite"
OVERRIDE_SLOTS = 8
"""Request headers a middleware may set, and as many it may delete (edge_functions.mjs)."""
UNUSED = "X-Autostack-Unused"
"""The header an unused slot names: set, then deleted, it changes nothing."""
SET_NAMES = [f"X-Middleware-Set-Name-{slot}" for slot in range(1, OVERRIDE_SLOTS + 1)]
SET_VALUES = [f"X-Middleware-Set-Value-{slot}" for slot in range(1, OVERRIDE_SLOTS + 1)]
DELETES = [f"X-Middleware-Delete-{slot}" for slot in range(1, OVERRIDE_SLOTS + 1)]
NOT_COPIED = [NEXT, REWRITE, *SET_NAMES, *SET_VALUES, *DELETES, "Content-Length",
              "Content-Type", "Date", "Connection", "Keep-Alive", "Transfer-Encoding", "Via",
              "Server"]
"""The worker's headers that never reach the visitor."""
_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


def check_path(path: str) -> str:
    """``path`` (a function's path below ``functions/``) if safe to name in a header."""
    path = path.strip("/")
    if not _PATH.fullmatch(path) or ".." in path.split("/"):
        raise ValueError(f"invalid middlewarePath {path!r}")
    return path


def _answer(name: str) -> str:
    return f"{{http.reverse_proxy.header.{name}}}"


def request_changes() -> list[JSON]:
    """The handlers applying the request headers the middleware changed.

    The header names come from the worker's slots: Caddy expands a placeholder
    in a header's name once, and never the value it expands to. The worker
    sends every slot, names checked, unused ones naming :data:`UNUSED`.
    """
    slots = zip(SET_NAMES, SET_VALUES, strict=True)
    return [
        {"handler": "headers", "request": {"set": {
            _answer(name): [_answer(value)] for name, value in slots}}},
        {"handler": "headers", "request": {"delete": [*map(_answer, DELETES), UNUSED]}},
    ]


def middleware_proxy(path: str) -> JSON:
    """The ``reverse_proxy`` fields that make a call to the edge worker a middleware call."""
    copy = {"handler": "copy_response_headers", "exclude": NOT_COPIED}
    return {
        # The request's body stays for what serves the page; its method goes in a header.
        "rewrite": {"method": "GET"},
        "headers": {"request": {"set": {
            "X-Autostack-Middleware": [check_path(path)],
            "X-Autostack-Method": ["{http.request.method}"],
        }}},
        "handle_response": [
            {"match": {"headers": {REWRITE: []}}, "routes": [{"handle": [
                copy, *request_changes(), {"handler": "rewrite", "uri": _answer(REWRITE)}]}]},
            {"match": {"headers": {NEXT: []}}, "routes": [{"handle": [copy, *request_changes()]}]},
        ],
    }
