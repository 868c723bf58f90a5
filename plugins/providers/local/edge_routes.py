"""Translate a deployment's Build Output API v3 ``config.json`` into Caddy JSON.

Pure functions, no I/O: :func:`deployment_handler` returns the ``subroute``
handler that serves one static deployment, and :func:`translate_routes` the
Caddy routes for the ``routes`` of its ``config.json``. The edge manager
(:mod:`autostack_plugins.providers.local.edge`) shares one such handler between all deployments
with the same routes, its root found from the request's hostname. Matching
and escaping user text are in :mod:`autostack_plugins.providers.local.edge_matchers`.

Vercel's routing phases map onto one Caddy route list, evaluated in order:

* routes before ``{"handle": "filesystem"}``: ``src`` becomes a
  ``path_regexp`` matcher, ``dest`` a ``rewrite``, ``headers`` a ``headers``
  handler, a 3xx ``status`` with a ``Location`` a ``static_response``
  redirect. Without ``continue: true`` a matching route ends routing: what
  its ``dest`` names is served from the files (or 404).
* ``hit`` phase: headers applied only when the path is an existing file; they
  run just before the filesystem check.
* ``{"handle": "filesystem"}``: ``file_server`` with ``pass_thru``, so a file
  that exists is served and a miss goes on to the next routes (the
  ``filesystem``, ``miss`` and ``rewrite`` phases, in order). A directory is
  served without a redirect to its trailing-slash form, as on Vercel (a
  ``trailingSlash`` setting is the project's own redirect route). A catch-all
  rewrite after it (``{"src": "/(.*)", "dest": "/index.html"}``) is thus the
  SPA fallback: try the file, else ``index.html``.
* ``check: true`` on a rewrite (every ``vercel.json`` rewrite, and
  ``cleanUrls``' ``/about`` to ``/about.html``): the destination is checked
  against the filesystem (and a dynamic deployment's functions); it is served
  when it exists, else the path is put back and the next routes are tried,
  as Vercel does (a ``status`` of 400 or more answers that error instead).
  Without it, a later rewrite could never be reached.
* ``error`` phase: a route with ``status`` 404 and a ``dest`` (``/404.html``)
  becomes the subroute's error handler, serving that file with status 404.

A deployment with a server or functions gets ``functions`` routes (each
matching only its own paths) and a ``server`` catch-all route: wherever a
static deployment would serve a file, a dynamic one serves the file if it
exists, else the matching function, else the server (else 404). Static
files always come first, as on Vercel.

A route with a ``middlewarePath`` calls the deployment's middleware where it
matches (:mod:`autostack_plugins.providers.local.edge_middleware`) and routing
goes on, unless the middleware answered itself.

A value Caddy cannot take literally (a header name that is not an HTTP
token, a backslash right before a ``$1``) or a regular expression RE2 cannot
run skips its route with a warning rather than failing the whole edge
configuration. Regular expressions are compiled as written (no placeholders
there), so a ``{2}`` quantifier stays one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autostack_plugins.providers.local.edge_matchers import (
    conditions,
    headers_handler,
    literal,
    path_matcher,
    placeholders,
)

JSON = dict[str, Any]

ENCODINGS: JSON = {
    "handler": "encode",
    "encodings": {"zstd": {}, "gzip": {}},
    "prefer": ["zstd", "gzip"],
}

# Build tools put content-hashed files in these folders; they never change.
HASHED_ASSET_PATTERN = (
    r"^/(?:assets|_next/static|_astro|_app/immutable|static/(?:js|css|media))/"
    r".*[-.][A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$"
)
IMMUTABLE = "public, max-age=31536000, immutable"

# Inline styles only: braces would read as Caddy placeholders.
NOT_FOUND_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; color: #111; margin: 0">
<main style="text-align: center; padding-top: 30vh">
<h1 style="font-size: 1.4rem">{title}</h1><p style="color: #555">{detail}</p>
<p style="color: #999"><small>AutoStack</small></p></main></body></html>
"""


def not_found_page(title: str, detail: str) -> str:
    """AutoStack's own 404 page (unknown hosts, missing files without a 404.html)."""
    return NOT_FOUND_PAGE.format(title=title, detail=detail)


def html_response(status: int | str, body: str) -> JSON:
    """A ``static_response`` answering ``body`` as HTML; ``status`` may be a placeholder."""
    return {
        "handler": "static_response",
        "status_code": status,
        "headers": {"Content-Type": ["text/html; charset=utf-8"]},
        "body": body,
    }


@dataclass
class Translation:
    """The Caddy routes and error routes for one deployment, and what was skipped."""

    routes: list[JSON] = field(default_factory=list)
    errors: list[JSON] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    has_filesystem: bool = False


def file_server(root: str, status: int | None = None) -> JSON:
    """A ``file_server`` for ``root``; ``status`` overrides the status code (error pages)."""
    handler: JSON = {"handler": "file_server", "root": root}
    if status is not None:
        handler["status_code"] = status
    return handler


Serve = Callable[[int | None], JSON]
Middleware = Callable[[str], JSON]
"""The route calling a deployment's middleware, from its ``middlewarePath``."""


def _route(route: JSON, index: int, root: str, phase: str, serve: Serve,
           functions: Sequence[JSON] = (), middleware: Middleware | None = None) -> JSON:
    """One non-``handle`` route of a phase other than ``error``."""
    name = f"r{index}"
    matcher = path_matcher(str(route.get("src", "/.*")), name, bool(route.get("caseSensitive")))
    conditions(route, matcher)
    if route.get("middlewarePath"):
        if middleware is None:
            raise ValueError("middleware needs an edge function of its own (middlewarePath "
                             f"{route['middlewarePath']!r} is not one)")
        # Routing goes on after the call unless the middleware answered.
        return {"match": [matcher], "handle": [
            {"handler": "subroute", "routes": [middleware(str(route["middlewarePath"]))]}]}
    if phase == "hit":
        matcher["file"] = {"root": root, "try_files": ["{http.request.uri.path}"]}
    headers = {str(k): v for k, v in (route.get("headers") or {}).items()}
    status = route.get("status")
    location = headers.pop("Location", None) or headers.pop("location", None)
    if isinstance(status, int) and 300 <= status < 400 and (location or route.get("dest")):
        response: JSON = {
            "handler": "static_response",
            "status_code": status,
            "headers": {"Location": [placeholders(str(location or route["dest"]), name)]},
        }
        redirect = [headers_handler(headers, name), response] if headers else [response]
        return {"match": [matcher], "handle": redirect, "terminal": True}
    if route.get("check") and route.get("dest") and not route.get("continue") \
            and phase != "hit":
        return _check_route(route, name, matcher, headers, root, functions)
    handle: list[JSON] = []
    if headers:
        handle.append(headers_handler(headers, name))
    if route.get("dest"):
        handle.append({"handler": "rewrite", "uri": placeholders(str(route["dest"]), name)})
    if route.get("continue") or phase == "hit":
        return {"match": [matcher], "handle": handle}
    if isinstance(status, int) and not route.get("dest"):
        page = not_found_page(f"{status}", "This page is not available.")
        handle.append(html_response(status, page))
    else:
        handle.append(serve(status if isinstance(status, int) else None))
    return {"match": [matcher], "handle": handle, "terminal": True}


CHECKED_URI = "autostack_unchecked"
"""The request's URI before a ``check: true`` rewrite, put back when the check misses."""


def _check_route(route: JSON, name: str, matcher: JSON, headers: dict[str, Any], root: str,
                 functions: Sequence[JSON]) -> JSON:
    """A ``check: true`` rewrite: serve its destination if it exists, else go on unchanged.

    The destination exists when it is a file (or a folder with an
    ``index.html``) of the deployment, or, for a dynamic deployment, one of its
    functions (each of ``functions`` matches only its own paths). On a miss
    the URI is put back, so the next routes see the path the visitor asked
    for; a ``status`` of 400 or more answers that error instead.
    """
    status = route.get("status")
    found = {"file": {"root": root, "try_files": [
        "{http.request.uri.path}", "{http.request.uri.path}/index.html"]}}
    hit: list[JSON] = [headers_handler(headers, name)] if headers else []
    hit += [{"handler": "rewrite", "uri": "{http.matchers.file.relative}"},
            file_server(root, status if isinstance(status, int) else None)]
    if isinstance(status, int) and status >= 400:
        miss: JSON = {"handler": "error", "status_code": status}
    else:
        miss = {"handler": "rewrite", "uri": f"{{http.vars.{CHECKED_URI}}}"}
    return {"match": [matcher], "handle": [
        {"handler": "vars", CHECKED_URI: "{http.request.uri}"},
        {"handler": "subroute", "routes": [
            {"handle": [{"handler": "rewrite",
                         "uri": placeholders(str(route["dest"]), name)}]},
            {"match": [found], "handle": hit, "terminal": True},
            *functions,
            {"handle": [miss]},
        ]},
    ]}


def _error_route(route: JSON, index: int, root: str) -> JSON:
    """An ``error``-phase route: serve ``dest`` with the route's status (a custom 404)."""
    name = f"e{index}"
    matcher = path_matcher(str(route.get("src", "/.*")), name, bool(route.get("caseSensitive")))
    status = route.get("status")
    handle: list[JSON] = []
    if route.get("headers"):
        handle.append(headers_handler(route["headers"], name))
    if route.get("dest"):
        handle.append({"handler": "rewrite", "uri": placeholders(str(route["dest"]), name)})
    handle.append(file_server(root, status if isinstance(status, int) else 404))
    return {"match": [matcher], "handle": handle, "terminal": True}


def translate_routes(
    routes: list[JSON], root: str, functions: Sequence[JSON] = (), server: JSON | None = None,
    middleware: Middleware | None = None,
) -> Translation:
    """Translate Build Output API v3 ``routes`` for a deployment whose files are in ``root``.

    ``functions`` and ``server`` are the routes of a dynamic deployment (see the
    module docstring); without them the deployment is static. ``middleware``
    gives the route calling the middleware a ``middlewarePath`` names
    (:mod:`.edge_middleware`); without it such routes are skipped.
    """
    result = Translation()
    phase = "none"
    dynamic = bool(functions) or server is not None

    def serve(status: int | None) -> JSON:
        if not dynamic:
            return file_server(root, status)
        return {"handler": "subroute", "routes": dynamic_routes(root, functions, server)}

    filesystem = -1  # where the filesystem check is in ``result.routes``
    for index, route in enumerate(routes):
        if "handle" in route:
            phase = str(route["handle"])
            if phase == "filesystem" and not result.has_filesystem:
                result.has_filesystem = True
                filesystem = len(result.routes)
                result.routes.append({"handle": [{**file_server(root), "pass_thru": True,
                                                  "canonical_uris": False}]})
                result.routes.extend(functions)
            continue
        try:
            if phase == "error":
                result.errors.append(_error_route(route, index, root))
            elif phase == "hit" and filesystem >= 0:
                # Headers for existing files must be set before the file is served.
                result.routes.insert(filesystem, _route(route, index, root, phase, serve))
                filesystem += 1
            else:
                result.routes.append(_route(route, index, root, phase, serve, functions,
                                            middleware))
        except ValueError as error:
            result.warnings.append(f"route {index} skipped: {error}")
    return result


def dynamic_routes(root: str, functions: Sequence[JSON], server: JSON | None) -> list[JSON]:
    """Files first, then the functions, then the server, else 404."""
    return [
        {"handle": [{**file_server(root), "pass_thru": True}]},
        *functions,
        server or {"handle": [{"handler": "error", "status_code": 404}]},
    ]


def deployment_handler(
    root: str, config: JSON, *, has_404_page: bool = False,
    functions: Sequence[JSON] = (), server: JSON | None = None,
    middleware: Middleware | None = None,
) -> tuple[JSON, list[str]]:
    """The ``subroute`` handler serving a deployment, and translation warnings.

    ``root`` is the deployment's ``static/`` folder (it may contain Caddy
    placeholders), ``config`` its parsed ``config.json`` (``{}`` when
    absent). ``has_404_page`` says whether
    ``static/404.html`` exists: it is then the page for every 404, as on
    Vercel, unless the config's ``error`` phase says otherwise.
    ``functions`` and ``server`` are the routes reaching a dynamic
    deployment's processes, tried after the static files; ``middleware`` the call
    to its middleware (see :func:`translate_routes`).
    """
    translation = translate_routes(list(config.get("routes") or []), root, functions, server,
                                   middleware)
    routes: list[JSON] = [
        {"handle": [ENCODINGS]},
        {
            "match": [{"path_regexp": {"pattern": HASHED_ASSET_PATTERN}}],
            "handle": [{"handler": "headers", "response": {"set": {"Cache-Control": [IMMUTABLE]}}}],
        },
        *_overrides(config.get("overrides") or {}),
        *translation.routes,
    ]
    if functions or server is not None:
        routes.extend(dynamic_routes(root, functions, server) if not translation.has_filesystem
                      else [server or {"handle": [{"handler": "error", "status_code": 404}]}])
    elif not translation.has_filesystem:
        routes.append({"handle": [file_server(root)]})
    else:
        routes.append({"handle": [{"handler": "error", "status_code": 404}]})
    errors = translation.errors or (
        [{"handle": [{"handler": "rewrite", "uri": "/404.html"}, file_server(root, 404)]}]
        if has_404_page
        else []
    )
    errors.append({"handle": [html_response(
        "{http.error.status_code}",
        not_found_page("{http.error.status_code}: {http.error.status_text}",
                       "This deployment has nothing at this address."),
    )]})
    handler: JSON = {"handler": "subroute", "routes": routes, "errors": {"routes": errors}}
    return handler, translation.warnings


def _overrides(overrides: dict[str, Any]) -> list[JSON]:
    """Build Output ``overrides``: a file served at another path (``about.html`` at ``/about``)."""
    routes: list[JSON] = []
    for filename, override in sorted(overrides.items()):
        if not isinstance(override, dict) or "path" not in override:
            continue
        handle: list[JSON] = [{"handler": "rewrite", "uri": literal("/" + filename.lstrip("/"))}]
        if override.get("contentType"):
            handle.insert(0, {"handler": "headers", "response": {
                "set": {"Content-Type": [literal(str(override["contentType"]))]}}})
        path = literal("/" + str(override["path"]).lstrip("/"))
        routes.append({"match": [{"path": [path]}], "handle": handle})
    return routes
