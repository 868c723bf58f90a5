"""Build Output API v3 routing inside a packaged image: the local edge's answers, in Python.

Standard library only, no I/O: copied into the image beside
:mod:`.image_launcher`, which asks :meth:`Router.route` what to answer and
does it. The routes are the deployment's own ``config.json`` (what
:mod:`.routes_config` and the other builders write), read the way the local
edge reads them (``plugins/providers/local/edge_routes.py``): the edge turns
them into Caddy JSON, and an image has no Caddy, so this walks the same list
with the same rules. ``tests/e2e/test_image_routes.py`` serves one output
through both and compares every answer.

The rules, in the edge's order:

* every path matching the edge's hashed-asset pattern gets its immutable
  ``Cache-Control``; ``overrides`` serve a file at another path;
* routes before ``{"handle": "filesystem"}``: ``src`` anchored and matched
  case-insensitively (unless ``caseSensitive``), with ``methods``, ``has`` and
  ``missing``; ``headers`` set on the answer; a 3xx ``status`` with a
  ``Location`` (or a ``dest``) redirects at once; a ``dest`` rewrites; without
  ``continue`` the route ends routing and its path is served (a ``status``
  without ``dest`` answers that status);
* ``check: true`` rewrites serve their destination only when it is a file (or a
  folder's ``index.html``) or a function, else the path is put back and routing
  goes on (a ``status`` of 400 or more answers that error instead);
* ``hit`` routes set their headers when the path is a file;
* ``{"handle": "filesystem"}``: a file of ``static/`` (a folder's
  ``index.html``), else a function at exactly that path;
* a deployment with a server or functions: files first, then functions, then
  the server, else 404;
* errors: the ``error`` phase's routes (``/404.html`` with 404), else
  ``static/404.html`` with 404 when it exists, else AutoStack's page.

Where the edge skips a route (a lookaround other than a leading negative
lookahead, a back-reference: RE2 cannot run them) this skips it too.
A route with a ``middlewarePath`` calls :attr:`Router.middleware` where it
matches (the launcher asks the edge worker, as the edge does:
``plugins/providers/local/edge_middleware.py``): its answer is the response,
or routing goes on with its headers added, the request headers it changed and
the path it rewrote to. Without a middleware caller such routes are skipped,
as at the edge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

Route = dict[str, Any]
HASHED_ASSET_PATTERN = re.compile(
    r"^/(?:assets|_next/static|_astro|_app/immutable|static/(?:js|css|media))/"
    r".*[-.][A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
"""The local edge's pattern for content-hashed files (``edge_routes.HASHED_ASSET_PATTERN``)."""
IMMUTABLE = "public, max-age=31536000, immutable"
PATH_SAFE = "/:@!$&'()*+,;=-._~"
"""What a path keeps unescaped when it is sent on (RFC 3986's path characters)."""
_LOOKAROUND = re.compile(r"\(\?<?[=!]|\\[1-9]")
_LEADING_NEGATIVE_LOOKAHEAD = re.compile(r"^\^\(\?!([^()]*)\)(.*)$")
_CAPTURE_REFERENCE = re.compile(r"\$(\d+|[A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Request:
    """What routing reads of a request: ``path`` decoded, ``query`` as sent, ``headers`` by
    lower-case name."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    host: str = ""


@dataclass
class Answer:
    """What to answer.

    ``kind`` is ``file`` (``target`` a path of ``static/``), ``function``
    (``target`` the runtime), ``server``, ``redirect`` (``headers`` has the
    ``Location``), ``response`` (a middleware's own: ``body``), ``status``
    (AutoStack's page) or ``error`` (the 404 page: :meth:`Router.error` says
    which). ``uri`` and ``request_headers`` are what a function or the server is
    asked for; ``status`` None means the file's or upstream's own.
    """

    kind: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    target: str = ""
    uri: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class MiddlewareAnswer:
    """What a middleware said: ``go_on`` with ``headers`` added to the answer, request
    headers set and deleted, and maybe a ``rewrite`` (path and query); else the response
    (``status``, ``headers``, ``body``)."""

    go_on: bool
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    body: bytes = b""
    rewrite: str | None = None
    set_headers: dict[str, str] = field(default_factory=dict)
    delete_headers: list[str] = field(default_factory=list)


@dataclass
class Router:
    """The routes of one output; ``file_at`` says which file of ``static/`` serves a path
    (itself, else its folder's ``index.html``), ``function_at`` which function runtime serves
    exactly that path."""

    config: Mapping[str, Any]
    file_at: Callable[[str], str | None]
    function_at: Callable[[str], str | None]
    has_server: bool = False
    has_functions: bool = False
    middleware: Callable[[str, Request], MiddlewareAnswer] | None = None
    """Calls the middleware a ``middlewarePath`` names for a request."""

    def route(self, request: Request) -> Answer:
        """The answer to ``request``."""
        return _Walk(self, request).run()

    def error(self, status: int, path: str, has_404_page: bool) -> Answer:
        """The answer for an error: the ``error`` phase's matching route, else ``404.html``
        (status 404) when ``has_404_page``, else ``error``: AutoStack's error page."""
        phase, error_routes = "", False
        for route in self.config.get("routes") or []:
            if not isinstance(route, dict) or "handle" in route:
                phase = str(route.get("handle", phase)) if isinstance(route, dict) else phase
                continue
            if phase != "error":
                continue
            error_routes = True
            if (found := _match(route, Request("GET", path))) is None:
                continue
            headers = _substituted(route.get("headers") or {}, found)
            dest = _substitute(str(route.get("dest") or path), found).split("?", 1)[0]
            code = route.get("status") if isinstance(route.get("status"), int) else 404
            file = self.file_at(dest)
            return Answer("file", code, headers, file) if file else Answer("error", code)
        if has_404_page and not error_routes:  # the error phase's routes replace it
            return Answer("file", 404, {}, "404.html")
        return Answer("error", status)


class _Walk:
    """One request's way through the routes."""

    def __init__(self, router: Router, request: Request) -> None:
        self.router = router
        self.request = Request(request.method, request.path, request.query,
                               {name.lower(): value for name, value in request.headers.items()},
                               request.host)
        self.dynamic = router.has_server or router.has_functions
        self.headers: dict[str, str] = {}
        if HASHED_ASSET_PATTERN.match(request.path):
            self.headers["Cache-Control"] = IMMUTABLE

    @property
    def uri(self) -> str:
        path = quote(self.request.path, safe=PATH_SAFE)
        return path + (f"?{self.request.query}" if self.request.query else "")

    def run(self) -> Answer:
        self.override()
        routes = [route for route in self.router.config.get("routes") or []
                  if isinstance(route, dict)]
        hit = _phase_routes(routes, "hit")
        phase, filesystem = "none", False
        for route in routes:
            if "handle" in route:
                phase = str(route["handle"])
                if phase == "filesystem" and not filesystem:
                    filesystem = True
                    if (answer := self.filesystem(hit)) is not None:
                        return answer
                continue
            if phase in ("error", "hit") or not _runnable(route) \
                    or (route.get("middlewarePath") and self.router.middleware is None):
                continue
            found = _match(route, self.request)
            if found is not None and route.get("middlewarePath"):
                if (answer := self.call_middleware(str(route["middlewarePath"]))) is not None:
                    return answer
                continue
            if found is not None and (answer := self.apply(route, found)) is not None:
                return answer
        if self.dynamic:
            if not filesystem and (answer := self.served(self.request.path)) is not None:
                return answer
            return self.answer("server") if self.router.has_server else self.answer("error", 404)
        if not filesystem and (file := self.router.file_at(self.request.path)):
            return self.answer("file", None, file)
        return self.answer("error", 404)

    def override(self) -> None:
        """``overrides``: a file served at another path, with its content type."""
        for filename, override in sorted((self.router.config.get("overrides") or {}).items()):
            if isinstance(override, dict) and "path" in override \
                    and self.request.path == "/" + str(override["path"]).lstrip("/"):
                self.request.path = "/" + str(filename).lstrip("/")
                if override.get("contentType"):
                    self.headers["Content-Type"] = str(override["contentType"])

    def filesystem(self, hit: list[Route]) -> Answer | None:
        exact = self.router.file_at(self.request.path)
        for route in hit:
            if exact == self.request.path.lstrip("/") \
                    and (found := _match(route, self.request)) is not None:
                self.headers.update(_substituted(route.get("headers") or {}, found))
        return self.served(self.request.path)

    def served(self, path: str) -> Answer | None:
        """A file at ``path``, else a function at it."""
        if file := self.router.file_at(path):
            return self.answer("file", None, file)
        if (runtime := self.router.function_at(path)):
            return self.answer("function", None, runtime)
        return None

    def apply(self, route: Route, found: re.Match[str]) -> Answer | None:
        """One matching route: an answer, or None when routing goes on."""
        headers = _substituted(route.get("headers") or {}, found)
        status = route.get("status") if isinstance(route.get("status"), int) else None
        location = headers.pop("Location", None) or headers.pop("location", None)
        dest = _substitute(str(route["dest"]), found) if route.get("dest") else None
        if status is not None and 300 <= status < 400 and (location or dest):
            return Answer("redirect", status, {**self.headers, **headers,
                                               "Location": location or dest or ""})
        if route.get("check") and dest and not route.get("continue"):
            return self.check(dest, status, headers)
        self.headers.update(headers)
        if dest:
            self.rewrite(dest)
        if route.get("continue"):
            return None
        if status is not None and not dest:
            return self.answer("status", status)
        if not self.dynamic:
            file = self.router.file_at(self.request.path)
            return self.answer("file", status, file) if file else self.answer("error", 404)
        answer = self.served(self.request.path)
        if answer is not None:
            return answer
        return self.answer("server") if self.router.has_server else self.answer("error", 404)

    def check(self, dest: str, status: int | None, headers: dict[str, str]) -> Answer | None:
        """A ``check: true`` rewrite: its destination if that exists, else go on unchanged."""
        before = (self.request.path, self.request.query)
        self.rewrite(dest)
        path = self.request.path
        if file := self.router.file_at(path):
            self.headers.update(headers)
            return self.answer("file", status, file)
        if runtime := self.router.function_at(path):
            return self.answer("function", None, runtime)
        if status is not None and status >= 400:
            return self.answer("error", status)
        self.request.path, self.request.query = before
        return None

    def rewrite(self, dest: str) -> None:
        """As Caddy's ``rewrite``: the path changes; the query only when ``dest`` has one."""
        path, question, query = dest.partition("?")
        if path:
            self.request.path = unquote(path)
        if question:
            self.request.query = query

    def call_middleware(self, path: str) -> Answer | None:
        """The middleware's response, or None once its changes are applied."""
        assert self.router.middleware is not None
        said = self.router.middleware(path.strip("/"), self.request)
        if not said.go_on:
            return Answer("response", said.status, {**self.headers, **said.headers},
                          uri=self.uri, body=said.body)
        self.headers.update(said.headers)
        headers = dict(self.request.headers)
        for name in said.delete_headers:
            headers.pop(name.lower(), None)
        headers.update({name.lower(): value for name, value in said.set_headers.items()})
        self.request.headers = headers
        if said.rewrite:
            self.rewrite(said.rewrite)
        return None

    def answer(self, kind: str, status: int | None = None, target: str = "") -> Answer:
        return Answer(kind, status, dict(self.headers), target, self.uri,
                      dict(self.request.headers))


def _phase_routes(routes: list[Route], wanted: str) -> list[Route]:
    phase, found = "none", []
    for route in routes:
        if "handle" in route:
            phase = str(route["handle"])
        elif phase == wanted and _runnable(route):
            found.append(route)
    return found


def _pattern(src: str) -> str:
    """``src`` anchored as Vercel (and the edge) anchor it."""
    return ("" if src.startswith("^") else "^") + src + ("" if src.endswith("$") else "$")


def _runnable(route: Route) -> bool:
    """Whether the edge runs this route's ``src`` (RE2: no lookaround but a leading negative
    lookahead, no back-reference) and its conditions."""
    pattern = _pattern(str(route.get("src", "/.*")))
    lookahead = _LEADING_NEGATIVE_LOOKAHEAD.match(pattern)
    rest = [lookahead.group(1), lookahead.group(2)] if lookahead else [pattern]
    conditions = [*(route.get("has") or []), *(route.get("missing") or [])]
    return not any(_LOOKAROUND.search(part) for part in rest) and all(
        isinstance(item, dict) and item.get("type") in ("host", "header", "cookie", "query")
        for item in conditions)


def _match(route: Route, request: Request) -> re.Match[str] | None:
    flags = 0 if route.get("caseSensitive") else re.IGNORECASE
    found = re.match(_pattern(str(route.get("src", "/.*"))), request.path, flags)
    if found is None:
        return None
    if route.get("methods") and request.method.upper() not in \
            [str(method).upper() for method in route["methods"]]:
        return None
    for key, wanted in (("has", True), ("missing", False)):
        for item in route.get(key) or []:
            if _condition(item, request) != wanted:
                return None
    return found


def _condition(item: Mapping[str, Any], request: Request) -> bool:
    """One ``has``/``missing`` item (host, header, cookie, query), as the edge's matchers."""
    kind, value, key = item.get("type"), item.get("value"), str(item.get("key", ""))
    if kind == "host":
        return request.host.split(":", 1)[0].lower() == str(value).lower()
    if kind == "header":
        actual = request.headers.get(key.lower())
        return actual is not None and (value is None or re.search(f"^{value}$", actual) is not None)
    if kind == "cookie":
        cookie = f"(?:^|;\\s*){re.escape(key)}={value if value is not None else '[^;]*'}(?:;|$)"
        return re.search(cookie, request.headers.get("cookie", "")) is not None
    values = [v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == key]
    return bool(values) and (value is None or str(value) in values)


def _substitute(template: str, found: re.Match[str]) -> str:
    """``$1`` and ``$name`` replaced by the match's captures (empty when absent)."""
    def capture(reference: re.Match[str]) -> str:
        name = reference.group(1)
        try:
            return found.group(int(name) if name.isdigit() else name) or ""
        except IndexError:  # no such group: Caddy's placeholder is empty too
            return ""

    return _CAPTURE_REFERENCE.sub(capture, template)


def _substituted(headers: Mapping[str, Any], found: re.Match[str]) -> dict[str, str]:
    return {str(name): _substitute(str(value), found) for name, value in headers.items()}
