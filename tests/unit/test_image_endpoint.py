"""``/_vercel/image`` and ``/_next/image`` asked as the edge asks them (the hostname in ``Host``).

The ``site`` project (tests/web_fixtures.py) serves ``site.localhost``; its
current deployment gets a stored output here with a photo in ``static/`` and a
file outside it, and the requests go to the ASGI app in-process.
"""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from autostack_core.app import AutoStack
from autostack_core.images.service import service_for
from autostack_core.infrastructure.models import Deployment, User
from autostack_core.infrastructure.store import Store
from autostack_core.services import protection
from tests.fixtures_auth import client_for, owner
from tests.web_fixtures import Site, site

__all__ = ["owner", "site"]

ORIGIN = "http://site.localhost:8080"
WEBP = {"accept": "image/avif,image/webp,*/*"}


def png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (240, 90, 10)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
async def stored(autostack: AutoStack, site: Site, tmp_path: Path) -> Site:
    """The current deployment's output: static/photo.png, server/secret.png, images config."""
    out = tmp_path / "output"
    (out / "static" / "img").mkdir(parents=True)
    (out / "server").mkdir()
    (out / "static" / "photo.png").write_bytes(png(1000, 500))
    (out / "static" / "img" / "notes.txt").write_text("not an image")
    (out / "server" / "secret.png").write_bytes(png(10, 10))
    (out / "config.json").write_text(
        json.dumps(
            {
                "version": 3,
                "images": {"sizes": [256, 640], "formats": ["image/webp"], "minimumCacheTTL": 120},
            }
        )
    )
    manifest_hash, _ = Store.from_settings(autostack.settings).put_tree(out)
    await Deployment.filter(id=site.current.id).update(output_manifest_hash=manifest_hash)
    return site


@pytest.fixture
async def http(autostack: AutoStack) -> httpx.AsyncClient:
    async with client_for(autostack) as client:
        yield client


async def test_resized_webp_with_cache_headers_then_a_hit(
    http: httpx.AsyncClient, stored: Site
) -> None:
    url = f"{ORIGIN}/_vercel/image?url=/photo.png&w=256&q=75"
    first = await http.get(url, headers=WEBP)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(first.content)).size == (256, 128)
    assert first.headers["cache-control"] == "public, max-age=120, must-revalidate"
    assert first.headers["vary"] == "Accept"
    assert first.headers["x-autostack-image-cache"] == "MISS"
    assert first.headers["content-disposition"] == 'inline; filename="photo.webp"'
    second = await http.get(url, headers=WEBP)
    assert second.headers["x-autostack-image-cache"] == "HIT"
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    unchanged = await http.get(url, headers={**WEBP, "if-none-match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    # Without WebP in Accept the source's own type comes back, from another cache entry.
    plain = await http.get(
        f"{ORIGIN}/_next/image?url=/photo.png&w=256&q=75", headers={"accept": "*/*"}
    )
    assert plain.headers["content-type"] == "image/png"
    assert plain.headers["x-autostack-image-cache"] == "MISS"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("url=/photo.png&w=300&q=75", 400, '"w" parameter (width) of 300 is not allowed'),
        ("url=/photo.png&w=256&q=0", 400, "between 1 and 100"),
        ("url=/photo.png&w=256", 400, '"q" parameter (quality) is required'),
        ("w=256&q=75", 400, '"url" parameter is required'),
        ("url=/../server/secret.png&w=256&q=75", 400, "not a path inside the deployment"),
        ("url=/%2e%2e/server/secret.png&w=256&q=75", 400, "not a path inside the deployment"),
        ("url=/server/secret.png&w=256&q=75", 404, "names no file of this deployment"),
        ("url=/img/notes.txt&w=256&q=75", 400, "not a valid image"),
        ("url=http://169.254.169.254/latest/meta-data&w=256&q=75", 400, "not allowed"),
        ("url=https://example.com/a.png&w=256&q=75", 400, "matches no images.remotePatterns"),
    ],
)
async def test_bad_requests_are_refused_with_the_reason(
    http: httpx.AsyncClient, stored: Site, query: str, status: int, message: str
) -> None:
    response = await http.get(f"{ORIGIN}/_vercel/image?{query}", headers=WEBP)
    assert response.status_code == status
    assert message in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_unknown_hostname_is_404(http: httpx.AsyncClient, stored: Site) -> None:
    response = await http.get(
        "http://nobody.localhost:8080/_vercel/image?url=/photo.png&w=256&q=75"
    )
    assert response.status_code == 404 and "no deployment" in response.text


async def test_a_protected_hostname_needs_access_here_too(
    autostack: AutoStack, http: httpx.AsyncClient, stored: Site, owner: User
) -> None:
    await protection.change(
        autostack,
        owner,
        stored.project,
        "127.0.0.1",
        production="password",
        password="open sesame 42",
    )
    url = f"{ORIGIN}/_vercel/image?url=/photo.png&w=256&q=75"
    assert (await http.get(url, headers=WEBP)).status_code == 401
    secret = await protection.new_bypass(owner, stored.project, "127.0.0.1")
    allowed = await http.get(url, headers={**WEBP, "x-vercel-protection-bypass": secret})
    assert allowed.status_code == 200 and allowed.headers["content-type"] == "image/webp"
    assert allowed.headers["cache-control"] == "private, no-store"


async def test_concurrent_requests_for_one_image_convert_it_once(
    autostack: AutoStack, http: httpx.AsyncClient, stored: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_for(autostack.settings)
    stores: list[str] = []
    put = service.cache.put
    monkeypatch.setattr(
        service.cache, "put", lambda key, *args: (stores.append(key), put(key, *args))
    )
    url = f"{ORIGIN}/_vercel/image?url=/photo.png&w=640&q=60"
    answers = await asyncio.gather(*(http.get(url, headers=WEBP) for _ in range(4)))
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert len(stores) == 1
