"""Routing inside a packaged image (:mod:`autostack_plugins.builders.image_routes`), pure.

The same answers against the real local edge: ``tests/e2e/test_image_package_routes.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from autostack_plugins.builders.image_launcher import NOT_FOUND_PAGE
from autostack_plugins.builders.image_routes import (
    IMMUTABLE,
    Answer,
    MiddlewareAnswer,
    Request,
    Router,
)
from autostack_plugins.builders.netlify_routes import from_headers_file, from_redirects_file
from autostack_plugins.builders.routes_config import build_config, from_vercel_json
from autostack_plugins.providers.local import edge_routes

pytestmark = pytest.mark.dbless

FILES = {"index.html", "about.html", "post.html", "docs/index.html", "404.html",
         "assets/app-1a2b3c4d5e.js"}


def router(config: dict[str, Any], files: set[str] = FILES,
           functions: dict[str, str] | None = None, server: bool = False) -> Router:
    def file_at(path: str) -> str | None:
        relative = path.strip("/")
        for candidate in (relative, f"{relative}/index.html".lstrip("/")):
            if candidate in files:
                return candidate
        return None

    functions = functions or {}
    return Router(config, file_at, functions.get, has_server=server,
                  has_functions=bool(functions))


def get(routes: Router, path: str, method: str = "GET", **headers: str) -> Answer:
    path, _, query = path.partition("?")
    return routes.route(Request(method, path, query, headers, headers.get("host", "")))


def test_vercel_json_redirects_rewrites_and_headers() -> None:
    rules = from_vercel_json({
        "cleanUrls": True, "trailingSlash": False,
        "redirects": [{"source": "/old/:slug", "destination": "/new/:slug", "statusCode": 301}],
        "rewrites": [{"source": "/blog/:slug", "destination": "/post?slug=:slug"}],
        "headers": [{"source": "/(.*)", "headers": [{"key": "X-Frame-Options",
                                                     "value": "DENY"}]}]})
    routes = router(build_config(rules, files=FILES))
    moved = get(routes, "/old/thing")
    assert (moved.kind, moved.status, moved.headers["Location"]) == ("redirect", 301, "/new/thing")
    assert moved.headers["X-Frame-Options"] == "DENY", "headers before it are kept"
    assert get(routes, "/about.html").headers["Location"] == "/about"
    assert get(routes, "/docs/").headers["Location"] == "/docs"
    about = get(routes, "/about")
    assert (about.kind, about.target, about.status) == ("file", "about.html", None)
    post = get(routes, "/blog/hello")
    assert (post.target, post.uri) == ("post.html", "/post.html?slug=hello")
    assert get(routes, "/docs").target == "docs/index.html"
    asset = get(routes, "/assets/app-1a2b3c4d5e.js")
    assert asset.headers["Cache-Control"] == IMMUTABLE
    missing = get(routes, "/missing")
    assert (missing.kind, missing.status) == ("error", 404)
    page = routes.error(404, "/missing", has_404_page=True)
    assert (page.kind, page.status, page.target) == ("file", 404, "404.html")


def test_a_checked_rewrite_that_misses_puts_the_path_back() -> None:
    rules = from_vercel_json({"rewrites": [
        {"source": "/(.*)", "destination": "/nothing/$1"},
        {"source": "/gone", "destination": "/none", "statusCode": 410}]})
    files = {"index.html", "page.html"}
    routes = router(build_config(rules, files=files), files)
    page = get(routes, "/page.html")
    assert (page.kind, page.target) == ("file", "page.html"), "the file wins"
    absent = get(routes, "/absent")
    assert (absent.kind, absent.status, absent.uri) == ("error", 404, "/absent")
    gone = get(routes, "/gone")
    assert (gone.kind, gone.status) == ("error", 410)


def test_netlify_files_and_the_spa_fallback() -> None:
    rules = from_redirects_file("/x/*  /y/:splat  302\n/api/*  /.netlify/:splat  200!\n")
    rules += from_headers_file("/about.html\n  X-Hit: yes\n")
    routes = router(build_config(rules, files=FILES, spa_fallback=True))
    splat = get(routes, "/x/a/b")
    assert (splat.status, splat.headers["Location"]) == (302, "/y/a/b")
    assert get(routes, "/about.html").headers["X-Hit"] == "yes"
    deep = get(routes, "/settings/profile")
    assert (deep.kind, deep.target) == ("file", "index.html")


def test_functions_answer_their_exact_path_then_the_server() -> None:
    routes = router({}, {"index.html"}, {"/api/hello": "python", "/api/[name]": "node"},
                    server=True)
    assert get(routes, "/").target == "index.html"
    hello = get(routes, "/api/hello?x=1", "POST")
    assert (hello.kind, hello.target, hello.uri) == ("function", "python", "/api/hello?x=1")
    other = get(routes, "/api/other")
    assert (other.kind, other.uri) == ("server", "/api/other"), "as the edge: exact paths only"
    assert get(routes, "/api/hello/").kind == "server"


def test_conditions_methods_case_and_skipped_routes() -> None:
    config = {"version": 3, "routes": [
        {"src": "/a(?=b)", "status": 404},
        {"src": "/only-post", "methods": ["POST"], "status": 405},
        {"src": "/beta", "has": [{"type": "cookie", "key": "beta", "value": "1"}],
         "headers": {"Location": "/beta-on"}, "status": 307},
        {"src": "/host", "missing": [{"type": "host", "value": "a.example"}], "status": 403},
        {"src": "/Exact", "caseSensitive": True, "status": 418},
        {"handle": "filesystem"},
    ]}
    routes = router(config, {"ab"})
    assert get(routes, "/ab").kind == "file", "the edge cannot run a lookahead: skipped"
    assert get(routes, "/only-post").kind == "error"
    assert get(routes, "/only-post", "POST").status == 405
    assert get(routes, "/beta").kind == "error"
    assert get(routes, "/beta", cookie="a=2; beta=1").status == 307
    assert get(routes, "/host", host="a.example:8080").kind == "error"
    assert get(routes, "/host", host="b.example").status == 403
    assert get(routes, "/EXACT").kind == "error"
    assert get(routes, "/Exact").status == 418


def test_error_phase_and_overrides() -> None:
    config = {"version": 3, "overrides": {"about.html": {"path": "about",
                                                         "contentType": "text/html"}},
              "routes": [{"handle": "filesystem"}, {"handle": "error"},
                         {"src": "/docs/(.*)", "dest": "/docs/index.html", "status": 404}]}
    routes = router(config)
    about = get(routes, "/about")
    assert (about.target, about.headers["Content-Type"]) == ("about.html", "text/html")
    docs = routes.error(404, "/docs/missing", has_404_page=True)
    assert (docs.target, docs.status) == ("docs/index.html", 404)
    other = routes.error(404, "/elsewhere", has_404_page=True)
    assert other.kind == "error", "the error phase's routes replace 404.html"


def test_middleware_answers_or_changes_the_request_and_routing_goes_on() -> None:
    calls: list[tuple[str, str, dict[str, str]]] = []

    def middleware(path: str, request: Request) -> MiddlewareAnswer:
        calls.append((path, request.path, dict(request.headers)))
        if request.path == "/secret":
            return MiddlewareAnswer(False, {"Content-Type": "text/plain"}, 403, b"no")
        if request.path == "/about":
            return MiddlewareAnswer(True, {"X-Variant": "v2"}, rewrite="/post.html?v=2",
                                    set_headers={"X-User": "ada"}, delete_headers=["x-drop"])
        return MiddlewareAnswer(True, {"X-Hello": "world"})

    config = {"version": 3, "routes": [
        {"src": "^(?!/skip)/.*$", "middlewarePath": "_middleware", "continue": True},
        {"handle": "filesystem"}]}
    routes = router(config, functions={"/api/who": "edge"})
    routes.middleware = middleware
    blocked = get(routes, "/secret")
    assert (blocked.kind, blocked.status, blocked.body) == ("response", 403, b"no")
    about = get(routes, "/about", **{"x-drop": "1", "x-kept": "2"})
    assert (about.kind, about.target, about.uri) == ("file", "post.html", "/post.html?v=2")
    assert about.headers["X-Variant"] == "v2"
    assert about.request_headers == {"x-kept": "2", "x-user": "ada"}
    who = get(routes, "/api/who")
    assert (who.kind, who.target, who.headers["X-Hello"]) == ("function", "edge", "world")
    assert get(routes, "/skip").kind == "error" and len(calls) == 3, "the matcher is honoured"
    routes.middleware = None
    assert get(routes, "/secret").kind == "error", "without an edge worker: skipped, as at the edge"


def test_the_launcher_s_error_page_is_the_edge_s() -> None:
    assert NOT_FOUND_PAGE == edge_routes.NOT_FOUND_PAGE
