"""Middleware and Edge functions (issue 16 item 8): the build step, the route, the edge protocol.

Fast: no Caddy, no sandbox; the requests through the real edge are in
``tests/e2e/test_middleware.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autostack_core.build.build_errors import BuildError
from autostack_core.interfaces import Detection
from autostack_plugins.builders.api_functions import find_functions as api_functions
from autostack_plugins.builders.functions import StaticFunctionsBuilder
from autostack_plugins.builders.middleware import (
    find_middleware,
    matcher_src,
    matchers,
    needs_bundle,
    with_middleware,
)
from autostack_plugins.providers.local.edge_config import profile_route
from autostack_plugins.providers.local.edge_matchers import path_matcher
from autostack_plugins.providers.local.edge_middleware import check_path, middleware_proxy
from autostack_plugins.providers.local.edge_routes import translate_routes
from autostack_plugins.providers.local.edge_state import EdgeDeployment
from autostack_plugins.providers.local.output import find_functions, programs
from tests.build_harness import Build

pytestmark = pytest.mark.dbless

MW_ROUTE = {"src": "^/old$", "middlewarePath": "_middleware", "continue": True}


def test_matcher_is_read_from_the_source_without_running_it() -> None:
    assert matchers("export default () => {}", "m.js") == ["/:path*"]
    assert matchers("export const config = { matcher: '/about/:path*' };", "m.js") == [
        "/about/:path*"]
    source = 'export const config = {\n  matcher: ["/a", `/b/:id`, \'/c\'],\n};\n'
    assert matchers(source, "m.js") == ["/a", "/b/:id", "/c"]
    with pytest.raises(BuildError, match=r"m\.js: config\.matcher must be"):
        matchers("export const config = { matcher: paths };", "m.js")
    with pytest.raises(BuildError, match="written literally"):
        matchers("export const config = { matcher: ['/a', ...more] };", "m.js")


def test_matchers_become_one_anchored_src() -> None:
    assert matcher_src(["/old"], "m.js") == "^/old$"
    src = matcher_src(["/old", "/blog/:slug"], "m.js")
    assert src == "^(?:/old|/blog/([^/]+?))$"
    # Next.js's "everything but" matcher: a leading lookahead the edge runs as a not matcher.
    src = matcher_src(["/((?!api|_next/static|favicon.ico).*)"], "m.js")
    assert src == "^(?!/api|/_next/static|/favicon.ico)/.*$"
    matcher = path_matcher(src, "r0", False)
    assert matcher["not"] == [{"path_regexp": {
        "pattern": "(?i)^(?:/api|/_next/static|/favicon.ico)"}}]
    with pytest.raises(BuildError, match="must be the only one"):
        matcher_src(["/a", "/((?!api).*)"], "m.js")


def test_the_middleware_route_goes_after_redirects_and_before_the_filesystem() -> None:
    config = {"version": 3, "routes": [
        {"src": "^/a$", "status": 308, "headers": {"Location": "/b"}},
        {"handle": "filesystem"}, {"src": "/(.*)", "dest": "/index.html"}]}
    routes = with_middleware(config, "^/x$")["routes"]
    assert routes[1] == {"src": "^/x$", "middlewarePath": "_middleware", "continue": True}
    assert routes[2] == {"handle": "filesystem"}
    assert with_middleware({}, "^/x$")["routes"] == [
        {"src": "^/x$", "middlewarePath": "_middleware", "continue": True}]


def test_typescript_or_importing_middleware_is_bundled(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "middleware.ts").write_text("export default () => {}")
    assert find_middleware(tmp_path) == "src/middleware.ts"
    assert needs_bundle("src/middleware.ts", "export default () => {}")
    assert needs_bundle("middleware.js", 'import { jwtVerify } from "jose";')
    assert needs_bundle("middleware.js", "import greet from './lib/greet.js';")
    assert needs_bundle("middleware.js", "const m = await import('./lib/x.js');")
    # What the edge worker provides itself runs as written.
    assert not needs_bundle("middleware.mjs", 'import { next } from "@vercel/edge";\n'
                            'const fs = await import("node:fs");\nexport default next;')


async def test_a_static_site_gets_a_middleware_function_and_its_route(tmp_path: Path) -> None:
    build = Build(tmp_path)
    source = "export const config = { matcher: ['/old'] };\nexport default () => {};\n"
    build.write({"index.html": "home", "middleware.js": source})
    await build.run(StaticFunctionsBuilder(), Detection(
        framework="static", name="Static HTML", runtime="static", confidence=0.1,
        output_directory="."))
    assert build.files("static") == ["index.html"]  # the source is not served
    assert build.json("functions/_middleware.func/.vc-config.json")["runtime"] == "edge"
    assert (build.output / "functions/_middleware.func/index.mjs").read_text() == source
    assert build.json("config.json")["routes"][0] == {
        "src": "^/old$", "middlewarePath": "_middleware", "continue": True}
    # The provider runs the edge worker but serves the middleware at no path.
    assert find_functions(build.output) == {"edge": []}
    assert [program.name for program in programs(build.output, {"edge": []})] == ["fn-edge"]


def test_api_files_with_the_edge_runtime_config_are_edge_functions(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "edge.js").write_text(
        "export const config = { runtime: 'edge' };\nexport default () => new Response('x');\n")
    (tmp_path / "api" / "node.js").write_text("module.exports = (req, res) => res.end('x');\n")
    found, _ = api_functions(tmp_path)
    assert [(f.route, f.runtime) for f in found] == [("api/edge", "edge"),
                                                      ("api/node", "nodejs20.x")]


def test_middleware_route_calls_the_worker_and_routing_goes_on() -> None:
    calls: list[str] = []

    def middleware(path: str) -> dict[str, Any]:
        calls.append(path)
        return {"handle": [{"handler": "reverse_proxy"}]}

    result = translate_routes([MW_ROUTE, {"handle": "filesystem"}], "/srv",
                              middleware=middleware)
    assert calls == ["_middleware"] and result.warnings == []
    route = result.routes[0]
    assert "terminal" not in route
    assert route["match"][0]["path_regexp"]["pattern"] == "(?i)^/old$"
    assert route["handle"] == [{"handler": "subroute", "routes": [
        {"handle": [{"handler": "reverse_proxy"}]}]}]
    # Without an edge worker the route is skipped, with a warning naming it.
    skipped = translate_routes([MW_ROUTE], "/srv")
    assert skipped.routes == [] and "middleware" in skipped.warnings[0]


def test_the_edge_sends_a_checked_path_and_reads_only_fixed_headers() -> None:
    proxy = middleware_proxy("/_middleware")
    assert proxy["rewrite"] == {"method": "GET"}  # the body stays for the page
    assert proxy["headers"]["request"]["set"] == {
        "X-Autostack-Middleware": ["_middleware"], "X-Autostack-Method": ["{http.request.method}"]}
    rewrite, go_on = proxy["handle_response"]
    assert rewrite["match"] == {"headers": {"X-Middleware-Rewrite": []}}
    assert rewrite["routes"][0]["handle"][-1] == {
        "handler": "rewrite", "uri": "{http.reverse_proxy.header.X-Middleware-Rewrite}"}
    assert go_on["match"] == {"headers": {"X-Middleware-Next": []}}
    copy, set_headers, delete_headers = go_on["routes"][0]["handle"]
    assert copy["handler"] == "copy_response_headers"
    assert {"X-Middleware-Next", "X-Middleware-Rewrite", "Content-Length",
            "X-Middleware-Set-Name-1", "X-Middleware-Delete-8"} <= set(copy["exclude"])
    # Request headers the middleware changed: names and values only from the worker's slots.
    assert set_headers["request"]["set"]["{http.reverse_proxy.header.X-Middleware-Set-Name-8}"] \
        == ["{http.reverse_proxy.header.X-Middleware-Set-Value-8}"]
    assert len(set_headers["request"]["set"]) == 8
    assert delete_headers["request"]["delete"][-1] == "X-Autostack-Unused"
    assert rewrite["routes"][0]["handle"][1:3] == [set_headers, delete_headers]
    for hostile in ("../etc", "{env.HOME}", "a b", ""):
        with pytest.raises(ValueError, match="invalid middlewarePath"):
            check_path(hostile)


def _routes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "handle" in node and isinstance(node["handle"], list):
            yield node
        for value in node.values():
            yield from _routes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _routes(value)


def test_the_profile_calls_middleware_without_ending_the_request(tmp_path: Path) -> None:
    deployment = EdgeDeployment(id="d1", root=str(tmp_path), hostnames=["a.localhost"],
                                config={"version": 3, "routes": [MW_ROUTE]},
                                functions={"edge": ["api/e"]})
    text = json.dumps(profile_route(tmp_path, deployment))
    assert '"X-Autostack-Middleware": ["_middleware"]' in text
    # A visitor's own X-Autostack-Middleware never reaches the edge functions' worker.
    assert '"delete": ["X-Autostack-Middleware"]' in text
    call = next(route for route in _routes(profile_route(tmp_path, deployment))
                if route.get("match", [{}])[0].get("path_regexp", {}).get("name") == "r0")
    # Only the 503 page (not running) ends the request; after the call routing goes on.
    for route in _routes(call):
        if route.get("terminal"):
            assert route["handle"][0]["status_code"] == 503
    # Without the edge runtime there is no call at all.
    static = EdgeDeployment(id="d2", root=str(tmp_path), hostnames=["b.localhost"],
                            config={"version": 3, "routes": [MW_ROUTE]})
    assert "X-Autostack-Middleware" not in json.dumps(profile_route(tmp_path, static))


def test_a_static_site_with_middleware_keeps_its_netlify_forms(tmp_path: Path) -> None:
    deployment = EdgeDeployment(id="d1", root=str(tmp_path), hostnames=["a.localhost"],
                                config={"version": 3, "routes": [MW_ROUTE]},
                                functions={"edge": []})
    routes = profile_route(tmp_path, deployment)["handle"][1]["routes"]
    assert routes[0]["handle"][0]["autostack_slot"] == "{http.regexp.slot.1}"  # for the worker
    assert routes[1]["handle"] == [{"handler": "invoke", "name": "forms"}]
    with_functions = EdgeDeployment(id="d2", root=str(tmp_path), hostnames=["b.localhost"],
                                    config={}, functions={"edge": ["api/e"]})
    text = json.dumps(profile_route(tmp_path, with_functions))
    assert '"name": "forms"' not in text  # a function may take its own posts
