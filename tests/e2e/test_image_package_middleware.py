"""Middleware and Edge functions packaged as an image answer as at the local edge.

A static site with a root ``middleware.js`` is built by the real static and
middleware builders; an Edge function is added as the functions builder
writes one (``functions/api/whoami.func``, ``"runtime": "edge"``). The output
is deployed on the local runtime behind the local edge (Caddy calling the edge
worker in the run sandbox) and packaged on the Node.js test base image (buildah,
Debian's docker-registry, podman running it on the loopback), where the
launcher calls the same edge worker: every request gets the same status,
headers and body from both.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_plugins.builders.middleware import build_middleware
from autostack_plugins.builders.static_site import build_static_site
from tests.containers_standin import image_registry
from tests.local_pair import LocalPair
from tests.node_base_image import node_base_image
from tests.packaged_image import at_edge_and_in_image, differences, edge, static_context

__all__ = ["edge", "image_registry", "node_base_image"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

MIDDLEWARE = """\
import { next, rewrite } from "@vercel/edge";

export const config = { matcher: ["/old", "/about", "/hello", "/secret/:path*", "/api/:path*"] };

export default async function middleware(request) {
  const url = new URL(request.url);
  if (url.pathname === "/old") {
    return new Response(null, { status: 308, headers: { location: "/new" } });
  }
  if (url.pathname === "/about") {
    return rewrite(new URL("/about-v2.html", request.url), { headers: { "x-variant": "v2" } });
  }
  if (url.pathname.startsWith("/secret")) {
    return new Response("blocked by middleware", { status: 403 });
  }
  if (url.pathname === "/api/whoami") {
    const headers = new Headers(request.headers);
    headers.set("x-user", "ada");
    headers.delete("x-drop-me");
    return next({ request: { headers } });
  }
  return next({ headers: { "x-hello": "world", "x-method": request.method } });
}
"""
WHOAMI = """\
export const config = { runtime: "edge" };
export default (request) => Response.json({
  user: request.headers.get("x-user"), dropped: request.headers.get("x-drop-me"),
  kept: request.headers.get("x-kept"), method: request.method,
  query: new URL(request.url).searchParams.get("q") });
"""
PAGES = {"index.html": "home", "new.html": "new page", "about.html": "about v1",
         "about-v2.html": "about v2", "hello.html": "hello page", "other.html": "other"}
REQUESTS = [("GET", "/", {}), ("GET", "/old", {}), ("GET", "/about", {}),
            ("GET", "/hello", {}), ("GET", "/hello.html", {}), ("GET", "/secret/plans", {}),
            ("GET", "/other.html", {}), ("GET", "/api/whoami?q=1",
                                         {"x-drop-me": "1", "x-kept": "yes"}),
            ("POST", "/api/whoami", {}), ("GET", "/nothing", {})]
COMPARED = ("location", "x-variant", "x-hello", "x-method", "content-type")


async def build(tmp_path: Path) -> Path:
    workspace = tmp_path / "project"
    workspace.mkdir()
    for name, text in PAGES.items():
        (workspace / name).write_text(text)
    (workspace / "middleware.js").write_text(MIDDLEWARE)
    output = tmp_path / "build" / "output"
    output.mkdir(parents=True)
    context = static_context(tmp_path, workspace, output, "mw", Settings(data_dir=tmp_path))
    await build_static_site(context)
    assert await build_middleware(context)
    function = output / "functions" / "api" / "whoami.func"
    (function / "api").mkdir(parents=True)
    (function / "api" / "whoami.js").write_text(WHOAMI)
    (function / ".vc-config.json").write_text(
        json.dumps({"runtime": "edge", "entrypoint": "api/whoami.js"}))
    return output


async def test_packaged_middleware_and_edge_functions_answer_as_the_local_edge(
        tmp_path: Path, edge: LocalPair, node_base_image: str, image_registry: str) -> None:
    output = await build(tmp_path)
    async with at_edge_and_in_image(tmp_path, edge, output, "mw", node_base_image,
                                    image_registry) as (info, image_url):
        assert info["packaged"] == ["static", "functions"]
        found = differences(edge, "mw.localhost", image_url, REQUESTS, COMPARED)
        assert not found, "\n".join(found)
        about = httpx.get(image_url + "/about")
        assert (about.text, about.headers["x-variant"]) == ("about v2", "v2")
        blocked = httpx.get(image_url + "/secret/plans")
        assert (blocked.status_code, blocked.text) == (403, "blocked by middleware")
        whoami = httpx.get(image_url + "/api/whoami?q=1", headers={"x-drop-me": "1"})
        assert whoami.json() == {"user": "ada", "dropped": None, "kept": None, "method": "GET",
                                 "query": "1"}
