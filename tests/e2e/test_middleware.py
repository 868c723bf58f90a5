"""Root ``middleware.js`` and Edge functions through the real pipeline, edge (Caddy) and sandbox.

Issue 16 item 8: a plain static site with a Vercel-style ``middleware.js``
(Web ``Request``/``Response``, ``config.matcher``, ``@vercel/edge``'s helpers, a
file of its own it imports, so bundled with esbuild) is built, deployed on the
local provider and asked through the real edge: a redirect, a rewrite to
another file, a response header added to the page that is then served, a
path blocked with 403, a path the matcher does not match left alone (the
middleware would have blocked it), the body of a ``POST`` reaching the
function after the middleware, request headers the middleware changes
reaching an Edge function (not the edge's own), and hostile answers (a rewrite to another
host, Caddy placeholders in a header and a rewrite, a Node.js module the
Edge runtime lacks) doing nothing harmful. One deployment, one test: the
whole runs in a few seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

MIDDLEWARE = """\
import { next, rewrite } from "@vercel/edge";
import { MOVED } from "./lib/paths.js";

export const config = {
  matcher: ["/old", "/about", "/hello", "/secret/:path*", "/evil/:path*", "/api/:path*"],
};

export default async function middleware(request) {
  const url = new URL(request.url);
  const at = (path) => new URL(path, request.url).href;
  if (url.pathname in MOVED) return Response.redirect(at(MOVED[url.pathname]), 308);
  if (url.pathname === "/about") {
    return rewrite(at("/about-v2.html"), { headers: { "x-variant": "v2" } });
  }
  if (url.pathname.startsWith("/secret")) {
    return new Response("blocked by middleware", { status: 403 });
  }
  if (url.pathname === "/evil/host") {
    return new Response(null, { headers: { "x-middleware-rewrite": "http://127.0.0.1:9/x" } });
  }
  if (url.pathname === "/evil/header") {
    return new Response(null, { headers: { "x-middleware-next": "1",
                                           "x-leak": "{env.HOME}{file./etc/passwd}" } });
  }
  if (url.pathname === "/evil/rewrite") {
    const target = at("/{env.HOME}?f={file./etc/passwd}");
    return new Response(null, { headers: { "x-middleware-rewrite": target } });
  }
  if (url.pathname === "/evil/fs") {
    const fs = await import("node:fs");
    return new Response(fs.readFileSync("/etc/passwd", "utf8"));
  }
  if (url.pathname === "/api/whoami") {
    // NextResponse.next({ request: { headers } }): the function sees the changed request.
    const headers = new Headers(request.headers);
    headers.set("x-user", "ada");
    headers.delete("x-drop-me");
    headers.set("x-forwarded-for", "203.0.113.9");
    return next({ request: { headers } });
  }
  if (url.pathname.includes("block")) {
    return new Response("should never be called", { status: 451 });
  }
  // Go on, with a header on the final response (NextResponse.next() style).
  return next({ headers: { "x-hello": "world", "x-method": request.method } });
}
"""

WHOAMI = """\
export const config = { runtime: "edge" };
export default (request) => Response.json(Object.fromEntries(
  ["x-user", "x-drop-me", "x-kept", "x-forwarded-for"].map((n) => [n, request.headers.get(n)])));
"""

EDGE_FUNCTION = """\
export const config = { runtime: "edge" };
export default async function handler(request) {
  const { searchParams } = new URL(request.url);
  return Response.json({ hello: searchParams.get("name"), method: request.method });
}
"""


def write_site(folder: Path) -> Path:
    (folder / "api").mkdir(parents=True)
    pages = {"index.html": "home", "new.html": "new page", "about.html": "about v1",
             "about-v2.html": "about v2", "hello.html": "hello page",
             "unmatched-block.html": "left alone"}
    for name, text in pages.items():
        (folder / name).write_text(text)
    (folder / "middleware.js").write_text(MIDDLEWARE)
    (folder / "lib").mkdir()  # imported: the build bundles the middleware with esbuild
    (folder / "lib" / "paths.js").write_text('export const MOVED = { "/old": "/new" };\n')
    (folder / "api" / "echo.js").write_text(
        "module.exports = (req, res) => { res.end(`echo ${req.method} ${req.body}`) }\n")
    (folder / "api" / "edge.js").write_text(EDGE_FUNCTION)
    (folder / "api" / "whoami.js").write_text(WHOAMI)
    return folder


def test_middleware_redirects_rewrites_sets_headers_and_blocks(server: Server,
                                                               tmp_path: Path) -> None:
    result = json.loads(server.cli("deploy", str(write_site(tmp_path / "site")), "--prod",
                                   "--project", "mw", "--json").stdout)
    assert result["state"] == "ready", result
    host = "mw.localhost"

    def get(path: str) -> httpx.Response:
        return server.edge_get(host, path)

    redirect = get("/old")
    assert (redirect.status_code, redirect.headers["location"]) == (308, "http://mw.localhost/new")
    rewritten = get("/about")
    assert (rewritten.status_code, rewritten.text) == (200, "about v2")
    assert rewritten.headers["x-variant"] == "v2"
    page = get("/hello.html")  # not matched: no middleware, no header
    assert page.text == "hello page" and "x-hello" not in page.headers
    hello = get("/hello")  # matched; goes on to cleanUrls-free routing: 404 page, header set
    assert hello.headers["x-hello"] == "world" and hello.headers["x-method"] == "GET"
    blocked = get("/secret/plans")
    assert (blocked.status_code, blocked.text) == (403, "blocked by middleware")
    assert get("/unmatched-block.html").text == "left alone"
    assert "middleware" not in get("/middleware.js").text  # the source is not published

    # The body of a POST goes on to the function; the middleware saw its method.
    posted = httpx.post(f"http://127.0.0.1:{server.edge_port}/api/echo", content="ping",
                        headers={"Host": host, "Content-Type": "text/plain"}, timeout=10)
    assert (posted.status_code, posted.text) == (200, "echo POST ping")
    assert posted.headers["x-method"] == "POST"
    # An Edge function (export const config = { runtime: "edge" }) at its own path.
    edge = get("/api/edge?name=ada")
    assert edge.json() == {"hello": "ada", "method": "GET"}
    # A visitor cannot ask the edge worker for a middleware call itself.
    sneaky = httpx.get(f"http://127.0.0.1:{server.edge_port}/api/edge",
                       headers={"Host": host, "X-Autostack-Middleware": "_middleware"}, timeout=10)
    assert sneaky.json()["method"] == "GET" and "x-middleware-rewrite" not in sneaky.headers
    assert get("/_middleware").status_code == 404
    # Request headers the middleware changes reach the function; the edge's own do not change.
    seen = httpx.get(f"http://127.0.0.1:{server.edge_port}/api/whoami", timeout=10, headers={
        "Host": host, "X-Drop-Me": "gone?", "X-Kept": "kept", "X-User": "mallory"}).json()
    assert seen["x-user"] == "ada" and seen["x-drop-me"] is None and seen["x-kept"] == "kept"
    assert "203.0.113.9" not in (seen["x-forwarded-for"] or "")

    # Hostile answers: no proxying to another host, placeholders stay text, no filesystem.
    assert get("/evil/host").status_code == 502
    leak = get("/evil/header")
    assert leak.headers["x-leak"] == "{env.HOME}{file./etc/passwd}"
    rewrite = get("/evil/rewrite")
    assert rewrite.status_code == 404 and os.environ.get("HOME", "/root") not in rewrite.text
    assert "root:" not in rewrite.text
    fs = get("/evil/fs")
    assert fs.status_code == 500 and "root:" not in fs.text
