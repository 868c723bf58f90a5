"""Skew protection through the real server and edge (issue 16, item 4).

A page loaded from deployment v1 keeps fetching its own hashed asset and
calling its own function after v2 is promoted, for the project's window,
pinned by the ``__vdpl`` cookie the edge set on the page, the
``x-deployment-id`` header or ``?dpl=``; after the window, and for a
deployment the hostname never served (another project's), the request is
served by v2 as usual.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autostack_core.interfaces.edge import SKEW_COOKIE, SKEW_HEADER, SKEW_QUERY
from tests.e2e.conftest import Server, signed_in_server

pytestmark = pytest.mark.e2e

WINDOW_SECONDS = 12
NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture
def skew_server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    """A server whose garbage collection keeps the previous deployments."""
    with signed_in_server(tmp_path, database_url, AUTOSTACK_RETENTION_KEEP="10") as instance:
        yield instance


def version(folder: Path, name: str, asset_hash: str) -> Path:
    """A page loading its hashed asset and calling its function, both saying ``name``."""
    (folder / "assets").mkdir(parents=True)
    (folder / "api").mkdir()
    asset = f"/assets/app-{asset_hash}.js"
    (folder / "index.html").write_text(f'<h1>{name}</h1><script src="{asset}"></script>')
    (folder / asset.lstrip("/")).write_text(f"console.log('{name}')")
    (folder / "api" / "version.js").write_text(
        f"module.exports = (req, res) => {{ res.end('{name}') }}\n")
    return folder


def deploy(server: Server, folder: Path, project: str) -> str:
    result = json.loads(server.cli("deploy", str(folder), "--prod", "--project", project,
                                   "--json").stdout)
    assert result["state"] == "ready", result
    return str(result["id"])


def test_a_page_of_the_previous_deployment_keeps_its_assets_and_functions(
    skew_server: Server, tmp_path: Path
) -> None:
    with contextlib.ExitStack() as stack:
        pinned_within_the_window_only(skew_server, tmp_path, stack)


def pinned_within_the_window_only(server: Server, tmp_path: Path,
                                  stack: contextlib.ExitStack) -> None:
    v1 = deploy(server, version(tmp_path / "v1", "v1", "aaaaaaaa11"), "skewapp")
    other = deploy(server, version(tmp_path / "other", "other", "cccccccc33"), "otherapp")
    with server.api() as api:
        assert api.get("/api/v1/projects/skewapp/skew-protection").json()["skew_protection"] \
            == {"enabled": True, "seconds": 43200, "default_seconds": 43200}
        changed = api.put("/api/v1/projects/skewapp/skew-protection",
                          json={"seconds": WINDOW_SECONDS})
        assert changed.status_code == 200, changed.text
        assert changed.json()["hostnames"] == 1
        assert api.put("/api/v1/projects/skewapp/skew-protection",
                       json={"seconds": -1}).status_code == 422
    assert server.cli("skew", "skewapp").stdout.strip() == \
        f"Skew protection: {WINDOW_SECONDS} s (default 43200 s)"
    edge = f"http://127.0.0.1:{server.edge_port}"
    old_tab = stack.enter_context(httpx.Client(base_url=edge, timeout=30,
                                               headers={"Host": "skewapp.localhost"}))
    fresh = stack.enter_context(httpx.Client(base_url=edge, timeout=30,
                                             headers={"Host": "skewapp.localhost"}))
    page = old_tab.get("/", headers=NAVIGATION)
    assert page.text.startswith("<h1>v1</h1>")
    assert old_tab.cookies[SKEW_COOKIE] == v1, page.headers

    v2 = deploy(server, version(tmp_path / "v2", "v2", "bbbbbbbb22"), "skewapp")
    moved = time.monotonic()
    assert fresh.get("/", headers=NAVIGATION).text.startswith("<h1>v2</h1>")
    assert fresh.cookies[SKEW_COOKIE] == v2
    # A reload of the old tab is a navigation: the current deployment, whatever the cookie.
    assert old_tab.get("/", headers={**NAVIGATION, "Cookie": f"{SKEW_COOKIE}={v1}"}) \
        .text.startswith("<h1>v2</h1>")

    def pinned_answers() -> list[tuple[int, str]]:
        cookie = {"Cookie": f"{SKEW_COOKIE}={v1}"}
        return [(r.status_code, r.text) for r in (
            old_tab.get("/assets/app-aaaaaaaa11.js", headers=cookie),
            old_tab.get("/api/version", headers=cookie),
            fresh.get("/api/version", headers={SKEW_HEADER: v1}),
            fresh.get(f"/assets/app-aaaaaaaa11.js?{SKEW_QUERY}={v1}"),
        )]

    # Pinned answers are v1's within the window; later ones (checked below) are v2's. No
    # assert on how long the checks took: they either fall in the window and must pass, or
    # fail saying how late they came (a loaded machine), never pass for the wrong reason.
    pinned = pinned_answers()
    assert pinned == [(200, "console.log('v1')"), (200, "v1"), (200, "v1"),
                      (200, "console.log('v1')")], \
        f"{pinned}, {time.monotonic() - moved:.1f} s after the move (window {WINDOW_SECONDS} s)"
    # Unpinned, or pinned to a deployment this hostname never served: the current one.
    assert fresh.get("/assets/app-aaaaaaaa11.js").status_code == 404
    assert fresh.get("/api/version").text == "v2"
    for pin in (other, "nope", "../otherapp.localhost"):
        assert fresh.get("/api/version", headers={SKEW_HEADER: pin}).text == "v2", pin
        assert fresh.get(f"/assets/app-cccccccc33.js?{SKEW_QUERY}={pin}").status_code == 404
    other_host = {"Host": "otherapp.localhost", SKEW_HEADER: v1}
    assert httpx.get(f"{edge}/api/version", headers=other_host, timeout=30).text == "other"

    time.sleep(max(0.0, WINDOW_SECONDS - (time.monotonic() - moved)) + 2.5)
    after = pinned_answers()
    assert [status for status, _ in after] == [404, 200, 200, 404], after
    assert after[1][1] == after[2][1] == "v2"
