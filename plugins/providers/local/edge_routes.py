"""Translate a deployment's Build Output API v3 ``config.json`` into Caddy JSON.

Pure functions, no I/O: :func:`deployment_handler` returns the ``subroute``
handler that serves one static deployment, and :func:`translate_routes` the
Caddy routes for the ``routes`` of its ``config.json``. The edge manager
(:mod:`autostack_plugins.providers.local.edge`) shares one such handler between all deployments
with the same routes, its root found from the request's hostname.

Vercel's routing phases map onto one Caddy route list, evaluated in order:

* routes before ``{"handle": "filesystem"}`` and in the ``miss``/``rewrite``
  phases: ``src`` becomes a ``path_regexp`` matcher, ``dest`` a ``rewrite``,
  ``headers`` a ``headers`` handler, a 3xx ``status`` with a ``Location`` a
  ``static_response`` redirect. Without ``continue: true`` a matching route
  ends routing: what its ``dest`` names is served from the files (or 404).
* ``{"handle": "filesystem"}``: ``file_server`` with ``pass_thru``, so a file
  that exists is served and a miss goes on to the next routes. A catch-all
  rewrite after it (``{"src": "/(.*)", "dest": "/index.html"}``) is thus the
  SPA fallback: try the file, else ``index.html``.
* ``hit`` phase: headers applied only when the path is an existing file.

A deployment with a server or functions gets ``functions`` routes (each
matching only its own paths) and a ``server`` catch-all route: wherever a
static deployment would serve a file, a dynamic one serves the file if it
exists, else the matching function, else the server (else 404). Static
files always come first, as on Vercel.
* ``error`` phase: a route with ``status`` 404 and a ``dest`` (``/404.html``)
  becomes the subroute's error handler, serving that file with status 404.

No user text is ever a placeholder. Caddy expands ``{env.NAME}``,
``{file./path}`` and the like in header names and values, redirect targets,
rewrites and the ``host``, ``path`` and ``query`` matchers, so every string a
``config.json`` puts there goes through :func:`literal`, which escapes its
braces the way Caddy's replacer reads them literally (``\\{``, ``\\}``);
only the ``{http.regexp...}`` placeholders made from ``$1``/``$name`` are
real. A value Caddy cannot take literally (a header name that is not an HTTP
token, a backslash right before a ``$1``) skips its route with a warning.
Regular expressions are compiled as written (no placeholders there), so a
``{2}`` quantifier stays one.

Vercel matches ``src`` case-insensitively and anchored unless told otherwise;
so do we. Caddy's regular expressions are RE2: a leading negative lookahead
(``^(?!/api).*$``, common in error routes) is rewritten into a ``not``
matcher; any other lookaround or back-reference is reported as a warning and
the route is skipped rather than failing the whole edge configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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

_LOOKAROUND = re.compile(r"\(\?<?[=!]|\\[1-9]")
_LEADING_NEGATIVE_LOOKAHEAD = re.compile(r"^\^\(\?!([^()]*)\)(.*)$")
_CAPTURE_REFERENCE = re.compile(r"\$(\d+|[A-Za-z_][A-Za-z0-9_]*)")
# RFC 9110 token: what an HTTP field name may be.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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


def normalize_src(src: str) -> str:
    """Anchor ``src`` like Vercel does (``^`` and ``$`` are added when missing)."""
    if not src.startswith("^"):
        src = "^" + src
    if not src.endswith("$"):
        src = src + "$"
    return src


def literal(text: str) -> str:
    """``text`` as Caddy's replacer reads it literally: every brace escaped with a backslash.

    Caddy drops a backslash only right before a brace, and cannot escape a
    backslash itself, so a ``\\{`` of the user's becomes ``\\\\{``: the first
    backslash stays, the second escapes the brace.
    """
    return text.replace("{", "\\{").replace("}", "\\}")


def placeholders(template: str, matcher_name: str) -> str:
    """Turn ``$1``/``$name`` references into Caddy ``{http.regexp.NAME.1}`` placeholders.

    Everything else in ``template`` is literal; raises ``ValueError`` for a
    backslash right before a reference (Caddy would read the placeholder's
    brace as escaped).
    """
    parts: list[str] = []
    end = 0
    for match in _CAPTURE_REFERENCE.finditer(template):
        text = template[end:match.start()]
        if text.endswith("\\"):
            raise ValueError(f"a backslash right before {match.group()} in {template!r}")
        parts += [literal(text), f"{{http.regexp.{matcher_name}.{match.group(1)}}}"]
        end = match.end()
    return "".join([*parts, literal(template[end:])])


def header_name(name: str) -> str:
    """``name`` if it is a valid HTTP field name (which has no braces); else ``ValueError``."""
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    return name


def path_matcher(src: str, name: str, case_sensitive: bool) -> JSON:
    """A Caddy matcher set for a Vercel ``src``; raises ``ValueError`` if RE2 cannot run it."""
    pattern = normalize_src(src)
    excluded: str | None = None
    lookahead = _LEADING_NEGATIVE_LOOKAHEAD.match(pattern)
    if lookahead:
        excluded, pattern = "^" + lookahead.group(1), "^" + lookahead.group(2)
    if _LOOKAROUND.search(pattern) or (excluded and _LOOKAROUND.search(excluded)):
        raise ValueError(f"unsupported regular expression (lookaround): {src}")
    flags = "" if case_sensitive else "(?i)"
    matcher: JSON = {"path_regexp": {"name": name, "pattern": flags + pattern}}
    if excluded is not None:
        matcher["not"] = [{"path_regexp": {"pattern": flags + excluded}}]
    return matcher


def _conditions(route: JSON, matcher: JSON) -> None:
    """Add ``methods``, ``has`` and ``missing`` conditions to ``matcher`` in place."""
    if route.get("methods"):
        matcher["method"] = [str(method).upper() for method in route["methods"]]
    for key, negate in (("has", False), ("missing", True)):
        for condition in route.get(key) or []:
            single = _condition(condition)
            if negate:
                matcher.setdefault("not", []).append(single)
            else:
                for name, value in single.items():
                    if isinstance(value, list):  # host
                        matcher.setdefault(name, []).extend(value)
                    else:
                        matcher.setdefault(name, {}).update(value)


def _condition(condition: JSON) -> JSON:
    kind, value = condition.get("type"), condition.get("value")
    key = str(condition.get("key", ""))
    pattern = f"^{value}$" if value is not None else ".*"
    if kind == "host":
        return {"host": [literal(str(value))]}
    if kind == "header":
        return {"header_regexp": {key: {"pattern": pattern}}}
    if kind == "cookie":
        cookie = f"(?:^|;\\s*){re.escape(key)}={value if value is not None else '[^;]*'}(?:;|$)"
        return {"header_regexp": {"Cookie": {"pattern": cookie}}}
    if kind == "query":
        return {"query": {literal(key): [literal(str(value)) if value is not None else "*"]}}
    raise ValueError(f"unsupported condition type: {kind}")


def _headers_handler(headers: dict[str, Any], name: str) -> JSON:
    return {
        "handler": "headers",
        "response": {
            "set": {header_name(str(key)): [placeholders(str(value), name)]
                    for key, value in headers.items()}
        },
    }


def file_server(root: str, status: int | None = None) -> JSON:
    """A ``file_server`` for ``root``; ``status`` overrides the status code (error pages)."""
    handler: JSON = {"handler": "file_server", "root": root}
    if status is not None:
        handler["status_code"] = status
    return handler


Serve = Callable[[int | None], JSON]


def _route(route: JSON, index: int, root: str, phase: str, serve: Serve) -> JSON:
    """One non-``handle`` route of a phase other than ``error``."""
    name = f"r{index}"
    matcher = path_matcher(str(route.get("src", "/.*")), name, bool(route.get("caseSensitive")))
    _conditions(route, matcher)
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
        redirect = [_headers_handler(headers, name), response] if headers else [response]
        return {"match": [matcher], "handle": redirect, "terminal": True}
    handle: list[JSON] = []
    if headers:
        handle.append(_headers_handler(headers, name))
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


def _error_route(route: JSON, index: int, root: str) -> JSON:
    """An ``error``-phase route: serve ``dest`` with the route's status (a custom 404)."""
    name = f"e{index}"
    matcher = path_matcher(str(route.get("src", "/.*")), name, bool(route.get("caseSensitive")))
    status = route.get("status")
    handle: list[JSON] = []
    if route.get("headers"):
        handle.append(_headers_handler(route["headers"], name))
    if route.get("dest"):
        handle.append({"handler": "rewrite", "uri": placeholders(str(route["dest"]), name)})
    handle.append(file_server(root, status if isinstance(status, int) else 404))
    return {"match": [matcher], "handle": handle, "terminal": True}


def translate_routes(
    routes: list[JSON], root: str, functions: Sequence[JSON] = (), server: JSON | None = None,
) -> Translation:
    """Translate Build Output API v3 ``routes`` for a deployment whose files are in ``root``.

    ``functions`` and ``server`` are the routes of a dynamic deployment (see the
    module docstring); without them the deployment is static.
    """
    result = Translation()
    phase = "none"
    dynamic = bool(functions) or server is not None

    def serve(status: int | None) -> JSON:
        if not dynamic:
            return file_server(root, status)
        return {"handler": "subroute", "routes": dynamic_routes(root, functions, server)}

    for index, route in enumerate(routes):
        if "handle" in route:
            phase = str(route["handle"])
            if phase == "filesystem" and not result.has_filesystem:
                result.has_filesystem = True
                result.routes.append({"handle": [{**file_server(root), "pass_thru": True}]})
                result.routes.extend(functions)
            continue
        try:
            if phase == "error":
                result.errors.append(_error_route(route, index, root))
            else:
                result.routes.append(_route(route, index, root, phase, serve))
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
) -> tuple[JSON, list[str]]:
    """The ``subroute`` handler serving a deployment, and translation warnings.

    ``root`` is the deployment's ``static/`` folder (it may contain Caddy
    placeholders), ``config`` its parsed ``config.json`` (``{}`` when
    absent). ``has_404_page`` says whether
    ``static/404.html`` exists: it is then the page for every 404, as on
    Vercel, unless the config's ``error`` phase says otherwise.
    ``functions`` and ``server`` are the routes reaching a dynamic
    deployment's processes, tried after the static files.
    """
    translation = translate_routes(list(config.get("routes") or []), root, functions, server)
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
