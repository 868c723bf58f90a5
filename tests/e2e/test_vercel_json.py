"""``vercel.json`` routing through the real pipeline and edge, as Vercel documents it.

``cleanUrls``, ``trailingSlash``, ``redirects``, ``rewrites`` and ``headers``
together in one project (issue 16, item 9): with ``cleanUrls`` every later
rewrite used to answer 404, because the clean-URL rewrite to ``<path>.html``
ended routing whether or not that file existed (``check: true`` was not
honoured). What each request must answer follows Vercel's documentation of
``vercel.json`` and of the Build Output API's routes: redirects (clean URLs,
trailing slash, then the project's) before any file, an existing file before
any rewrite, a rewrite taken only when its destination exists, headers on
every response they match, and the project's ``404.html`` for the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

PAGES = {
    "index.html": "home",
    "about.html": "about",
    "post.html": "post",
    "blog/real.html": "real post",
    "docs/index.html": "docs",
    "docs/start.html": "docs start",
    "app-3f9a8c1d2e.js": "console.log(1)",
    "404.html": "custom not found",
}


def site(folder: Path, config: dict[str, object]) -> Path:
    for name, text in PAGES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "vercel.json").write_text(json.dumps(config))
    return folder


def deploy(server: Server, folder: Path, project: str) -> str:
    result = json.loads(server.cli("deploy", str(folder), "--prod", "--project", project,
                                   "--json").stdout)
    assert result["state"] == "ready", result
    return f"{project}.localhost"


def get(server: Server, hostname: str, path: str) -> httpx.Response:
    return server.edge_get(hostname, path)


def test_clean_urls_rewrites_redirects_and_headers_together(server: Server,
                                                            tmp_path: Path) -> None:
    config = {
        "cleanUrls": True,
        "trailingSlash": False,
        "redirects": [{"source": "/legacy/:path*", "destination": "/docs/:path*"},
                      {"source": "/moved", "destination": "/about", "permanent": False}],
        "rewrites": [{"source": "/blog/:slug", "destination": "/post.html"},
                     {"source": "/guide/:page", "destination": "/docs/:page"},
                     {"source": "/broken/:x", "destination": "/missing.html"}],
        "headers": [{"source": "/(.*)", "headers": [{"key": "X-Frame-Options",
                                                     "value": "DENY"}]},
                    {"source": "/blog/:slug", "headers": [{"key": "X-Post", "value": ":slug"}]}],
    }
    host = deploy(server, site(tmp_path / "site", config), "clean")

    def answer(path: str) -> tuple[int, str]:
        response = get(server, host, path)
        return response.status_code, response.headers.get("location") or response.text

    # cleanUrls: served without the extension; the .html and /index forms redirect (308).
    assert answer("/about") == (200, "about")
    assert answer("/about.html") == (308, "/about")
    assert answer("/index.html") == (308, "/")
    assert answer("/docs") == (200, "docs"), "a folder is served without a slash redirect"
    assert answer("/docs/index") == (308, "/docs")
    assert answer("/docs/start") == (200, "docs start")
    # trailingSlash: false removes the slash.
    assert answer("/about/") == (308, "/about")
    assert answer("/docs/") == (308, "/docs")
    # Rewrites after cleanUrls (the bug): taken, and a file that exists wins over them.
    assert answer("/blog/hello") == (200, "post")
    assert answer("/blog/real") == (200, "real post")
    # A rewrite's destination goes through clean URLs too (check: the filesystem again).
    assert answer("/guide/start") == (200, "docs start")
    # A rewrite whose destination does not exist falls through to the 404 page.
    assert answer("/broken/x") == (404, "custom not found")
    assert answer("/nowhere") == (404, "custom not found")
    # The project's redirects: 308 by default, 307 when not permanent, segments carried.
    assert answer("/legacy/start") == (308, "/docs/start")
    assert answer("/moved") == (307, "/about")
    # Headers on every response they match, with the source's segments.
    post = get(server, host, "/blog/hello")
    assert post.headers["x-frame-options"] == "DENY"
    assert post.headers["x-post"] == "hello"
    assert get(server, host, "/about").headers["x-frame-options"] == "DENY"
    assert "x-post" not in get(server, host, "/about").headers
    assert get(server, host, "/app-3f9a8c1d2e.js").headers["cache-control"] == \
        "public, max-age=31536000, immutable"


def test_trailing_slash_true_with_clean_urls(server: Server, tmp_path: Path) -> None:
    config = {"cleanUrls": True, "trailingSlash": True,
              "rewrites": [{"source": "/blog/:slug/", "destination": "/post.html"}]}
    host = deploy(server, site(tmp_path / "site", config), "slash")

    def answer(path: str) -> tuple[int, str]:
        response = get(server, host, path)
        return response.status_code, response.headers.get("location") or response.text

    assert answer("/about") == (308, "/about/")
    assert answer("/about/") == (200, "about")
    assert answer("/about.html") == (308, "/about/")
    assert answer("/docs/") == (200, "docs")
    assert answer("/blog/hello") == (308, "/blog/hello/")
    assert answer("/blog/hello/") == (200, "post")
    # A file with an extension never gets a slash; with one it loses it.
    assert answer("/app-3f9a8c1d2e.js") == (200, "console.log(1)")
    assert answer("/app-3f9a8c1d2e.js/") == (308, "/app-3f9a8c1d2e.js")
