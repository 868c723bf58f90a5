"""The edge with a real Caddy on free loopback ports, through the local runtime and edge."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import Release
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.output import edge_deployment
from tests.conftest import free_port
from tests.eventually import eventually
from tests.local_pair import LocalPair, release

pytestmark = [pytest.mark.e2e, pytest.mark.dbless]

ROUTES = [
    {"src": "/old/(.*)", "headers": {"Location": "/new/$1"}, "status": 308},
    {"src": "/(.*)", "headers": {"X-Frame-Options": "DENY"}, "continue": True},
    {"src": "/blog/([^/]+)", "dest": "/post.html"},
    {"handle": "filesystem"},
    {"src": "/(.*)", "dest": "/index.html"},
]




def make_output(root: Path, name: str, files: dict[str, str], config: object = None) -> Path:
    output = root / name
    for relative, text in files.items():
        path = output / "static" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if config is not None:
        (output / "config.json").write_text(json.dumps(config))
    return output


def spec(deployment_id: str, output: Path, *hostnames: str) -> Release:
    return release(deployment_id, output, *hostnames)


@pytest.fixture
def edge_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", edge_port=free_port())
    settings.ensure_dirs()
    return settings


@pytest.fixture
async def provider(edge_settings: Settings) -> AsyncIterator[LocalPair]:
    local = LocalPair(edge_settings)
    await local.start()
    try:
        yield local
    finally:
        await local.stop()


@pytest.fixture
async def http(edge_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client opening a connection per request.

    A deployment with a new set of routes reloads Caddy, which closes idle
    keep-alive connections (HTTP allows it; clients retry); these tests are
    about what is served, so none of them reuses a connection across one.
    """
    base = f"http://127.0.0.1:{edge_settings.edge_port}"
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=5.0, limits=limits) as client:
        yield client


def host(name: str) -> dict[str, str]:
    return {"Host": name}


async def test_static_site_with_compression_etag_and_404(
    provider: LocalPair, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    big = "<h1>hello</h1>" + "lorem ipsum " * 400
    output = make_output(tmp_path, "a", {"index.html": big, "404.html": "custom missing"})
    await provider.deploy(spec("a1", output, "site-a1.localhost"))

    plain = await http.get("/", headers=host("site-a1.localhost"))
    assert plain.status_code == 200 and plain.text == big
    assert plain.headers["etag"] and plain.headers["last-modified"]
    for encoding in ("gzip", "zstd"):
        encoded = await http.get("/", headers={**host("site-a1.localhost"),
                                               "Accept-Encoding": encoding})
        assert encoded.headers["content-encoding"] == encoding
    cached = await http.get("/", headers={**host("site-a1.localhost"),
                                          "If-None-Match": plain.headers["etag"]})
    assert cached.status_code == 304
    missing = await http.get("/nope", headers=host("site-a1.localhost"))
    assert (missing.status_code, missing.text) == (404, "custom missing")
    assert await provider.runtime.status("a1") == "ready"


async def test_config_routes_redirect_rewrite_headers_and_spa(
    provider: LocalPair, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    files = {"index.html": "app shell", "post.html": "a post", "assets/app-1a2b3c4d5e.js": "js"}
    output = make_output(tmp_path, "b", files, {"version": 3, "routes": ROUTES})
    await provider.deploy(spec("b1", output, "site-b1.localhost"))
    get = lambda path: http.get(path, headers=host("site-b1.localhost"))  # noqa: E731

    redirect = await get("/old/page")
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/new/page")
    post = await get("/blog/hello")
    assert post.text == "a post" and post.headers["x-frame-options"] == "DENY"
    spa = await get("/settings/profile")
    assert (spa.status_code, spa.text) == (200, "app shell")
    asset = await get("/assets/app-1a2b3c4d5e.js")
    assert asset.text == "js" and "immutable" in asset.headers["cache-control"]


async def test_unknown_host_gets_autostack_404(
    provider: LocalPair, http: httpx.AsyncClient
) -> None:
    for name in ("nothing.localhost", "..", "UPPER.localhost"):
        response = await http.get("/", headers=host(name))
        assert response.status_code == 404
        assert "No deployment at this address" in response.text


async def test_alias_moves_under_load_lose_no_request(
    provider: LocalPair, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    a = spec("m1", make_output(tmp_path, "m1", {"index.html": "A"}), "site-m1.localhost")
    b = spec("m2", make_output(tmp_path, "m2", {"index.html": "B"},
                               {"version": 3, "routes": ROUTES}), "site-m2.localhost")
    await provider.deploy(a)
    await provider.deploy(b)
    await provider.route("site.localhost", a)
    bodies: list[str] = []
    failures: list[str] = []
    done = asyncio.Event()

    async def client_loop() -> None:
        while not done.is_set():
            try:
                response = await http.get("/", headers=host("site.localhost"))
                bodies.append(response.text if response.status_code == 200 else "status")
            except httpx.HTTPError as error:
                failures.append(repr(error))

    loops = [asyncio.create_task(client_loop()) for _ in range(4)]
    deadline = time.monotonic() + 2.0
    for move in range(20):
        await provider.route("site.localhost", b if move % 2 == 0 else a)
        wanted = len(bodies) + 6
        await asyncio.sleep(max(0.0, (deadline - time.monotonic()) / (20 - move)))
        # Paced by answers too, not by time alone: a loaded machine answers fewer than
        # 100 requests in 2 s, and each route must be asked while it is the one served.
        await eventually(lambda wanted=wanted: len(bodies) >= wanted,
                         "answers after an alias move")
    done.set()
    await asyncio.gather(*loops)
    assert failures == []
    assert set(bodies) == {"A", "B"}
    assert len(bodies) > 100
    await provider.unroute("site.localhost")
    assert (await http.get("/", headers=host("site.localhost"))).status_code == 404


async def test_destroy_removes_hostnames_and_aliases(
    provider: LocalPair, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    d = spec("d1", make_output(tmp_path, "d1", {"index.html": "D"}), "site-d1.localhost")
    await provider.route("prod.localhost", d)
    assert (await http.get("/", headers=host("prod.localhost"))).text == "D"
    await provider.runtime.destroy("d1")
    for name in ("site-d1.localhost", "prod.localhost"):
        assert (await http.get("/", headers=host(name))).status_code == 404
    assert await provider.runtime.status("d1") == "absent"


async def test_access_log_is_json_in_its_file_only(
    provider: LocalPair, http: httpx.AsyncClient, tmp_path: Path, edge_settings: Settings
) -> None:
    output = make_output(tmp_path, "l", {"index.html": "L"})
    await provider.deploy(spec("l1", output, "site-l1.localhost"))
    for _ in range(3):
        await http.get("/", headers=host("site-l1.localhost"))
    access = edge_settings.path("logs", "edge-access.log")
    # Caddy writes its access log after it answers.
    await eventually(lambda: access.exists() and len(access.read_text().splitlines()) >= 3,
                     "three lines in the access log")
    lines = [json.loads(line) for line in access.read_text().splitlines()]
    assert {line["request"]["host"] for line in lines} == {"site-l1.localhost"}
    assert "http.log.access" not in edge_settings.path("logs", "edge.log").read_text()


async def test_restart_readopts_the_running_caddy(
    edge_settings: Settings, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = LocalPair(edge_settings)
    await first.start()
    try:
        output = make_output(tmp_path, "r", {"index.html": "R"})
        await first.route("keep.localhost", spec("r1", output, "site-r1.localhost"))
        # A second control plane (the first one "crashed") adopts the same Caddy.
        second = LocalPair(edge_settings)
        await second.start()
        assert second.caddy.adopted and second.caddy.process is None
        assert second.caddy.served_by("keep.localhost") == "r1"
        assert (await http.get("/", headers=host("keep.localhost"))).text == "R"
        # A clean stop of the adopting control plane stops the edge it adopted.
        await second.stop()
        with pytest.raises(httpx.ConnectError):
            await http.get("/", headers=host("keep.localhost"))
    finally:
        await first.stop()


async def test_state_rebuilds_a_fresh_caddy(edge_settings: Settings, tmp_path: Path) -> None:
    output = make_output(tmp_path, "s", {"index.html": "S"})
    first = Edge(edge_settings)
    await first.start()
    try:
        await first.deploy(edge_deployment("s1", output, ["site-s1.localhost"]))
    finally:
        await first.stop()
    second = Edge(edge_settings)
    await second.start()
    try:
        assert not second.adopted
        base = f"http://127.0.0.1:{edge_settings.edge_port}"
        async with httpx.AsyncClient(base_url=base) as client:
            response = await client.get("/", headers=host("site-s1.localhost"))
        assert response.text == "S"
    finally:
        await second.stop()

