"""A packaged static site answers its ``config.json`` routes as the local edge does.

One project with ``vercel.json`` (``cleanUrls``, ``trailingSlash``, redirects
with captures, a ``has`` condition, headers, rewrites), Netlify's ``_redirects``
and ``_headers``, and a ``404.html`` is built by the real static builder; its
output is served by the local edge (real Caddy) and packaged as an image
(buildah, Debian's docker-registry, podman running it on the loopback), and
every request gets the same status, ``Location``, headers and body from both.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_plugins.builders.static_site import build_static_site
from tests.containers_standin import base_image, image_registry
from tests.local_pair import LocalPair
from tests.packaged_image import at_edge_and_in_image, differences, edge, static_context

__all__ = ["base_image", "edge", "image_registry"]
pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

VERCEL = {
    "cleanUrls": True,
    "trailingSlash": False,
    "redirects": [
        {"source": "/old/:slug", "destination": "/new/:slug", "statusCode": 301},
        {"source": "/temp", "destination": "/about", "permanent": False},
        {"source": "/promo", "has": [{"type": "query", "key": "go", "value": "1"}],
         "destination": "https://shop.example/promo"},
    ],
    "rewrites": [
        {"source": "/blog/:slug", "destination": "/post"},
        {"source": "/nowhere", "destination": "/no-such-page"},
    ],
    "headers": [
        {"source": "/(.*)", "headers": [{"key": "X-Frame-Options", "value": "DENY"}]},
        {"source": "/p/:slug", "headers": [{"key": "X-Page", "value": "page :slug"}]},
    ],
}
FILES = {
    "index.html": "<h1>home</h1>",
    "about.html": "<h1>about</h1>",
    "post.html": "<h1>a post</h1>",
    "docs/index.html": "<h1>docs</h1>",
    "p/one.html": "<h1>page one</h1>",
    "404.html": "<h1>not here</h1>",
    "assets/app-1a2b3c4d5e.js": "console.log(1)",
    "notes.txt": "plain notes",
    "vercel.json": json.dumps(VERCEL),
    "_redirects": "/x/*  /y/:splat  302\n/spa/*  /index.html  200\n",
    "_headers": "/notes.txt\n  X-Notes: yes\n",
}
REQUESTS = [
    "/", "/about", "/about.html", "/about/", "/index.html", "/docs", "/docs/", "/docs/index",
    "/old/thing", "/temp", "/promo", "/promo?go=1", "/promo?go=2", "/blog/hello",
    "/nowhere", "/x/a/b", "/spa/deep/link", "/p/one", "/notes.txt", "/missing",
    "/assets/app-1a2b3c4d5e.js", "/ABOUT", "/post?x=1",
]
COMPARED = ("location", "x-frame-options", "x-page", "x-notes", "cache-control",
            "content-type")


async def build(tmp_path: Path) -> Path:
    """The project's build output, as the static builder writes it."""
    workspace = tmp_path / "project"
    for name, text in FILES.items():
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text(text)
    output = tmp_path / "build" / "output"
    output.mkdir(parents=True)
    await build_static_site(
        static_context(tmp_path, workspace, output, "routes", Settings(data_dir=tmp_path)))
    return output


async def test_a_packaged_static_site_answers_its_routes_as_the_local_edge(
        tmp_path: Path, edge: LocalPair, base_image: str, image_registry: str) -> None:
    output = await build(tmp_path)
    async with at_edge_and_in_image(tmp_path, edge, output, "routes", base_image,
                                    image_registry) as (_, image_url):
        found = differences(edge, "routes.localhost", image_url,
                            [("GET", path, {}) for path in REQUESTS], COMPARED)
        assert not found, "\n".join(found)
        # What the comparison covers, said once more against the project's own files.
        moved = httpx.get(image_url + "/old/thing")
        assert (moved.status_code, moved.headers["location"]) == (301, "/new/thing")
        page = httpx.get(image_url + "/p/one")
        assert (page.text, page.headers["x-page"]) == ("<h1>page one</h1>", "page one")
        missing = httpx.get(image_url + "/missing")
        assert (missing.status_code, missing.text) == (404, "<h1>not here</h1>")
