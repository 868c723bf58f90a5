"""Deployment thumbnails: the job, its storage, the route's authorization, the cards.

Chromium is replaced by a function returning a PNG made with Pillow here (the
fast tier runs no browser); tests/e2e/test_screenshots.py takes a real one
through the real edge.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PIL import Image

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, Role
from autostack_core.security import accounts
from autostack_core.services import retention, screenshots
from autostack_core.services.doctor import check_screenshots
from autostack_core.services.screenshot_capture import ScreenshotError, command, only_host
from tests.fixtures_auth import PASSWORD, add_user, client_for, owner
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]
RED = (255, 0, 0)


def png_of(colour: tuple[int, int, int], size: tuple[int, int] = (1280, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


async def red_page(url: str) -> bytes:
    assert url.startswith("http://site-")
    return png_of(RED)


def pixel(data: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        assert image.size == screenshots.THUMBNAIL_SIZE
        return tuple(image.convert("RGB").getpixel((320, 200)))  # type: ignore[arg-type]


async def test_a_ready_deployment_gets_a_small_webp_of_its_page(
    autostack: AutoStack, site: Site
) -> None:
    assert await screenshots.take(autostack, site.current.id, red_page)
    stored = screenshots.path_of(autostack.settings, site.current.id).read_bytes()
    red, green, blue = pixel(stored)[:3]
    assert red > 240 and green < 15 and blue < 15
    assert screenshots.stored(autostack.settings, [site.current.id, site.old.id]) \
        == {site.current.id}


async def test_no_thumbnail_for_a_deployment_not_ready_or_deleted(
    autostack: AutoStack, site: Site
) -> None:
    assert not await screenshots.take(autostack, site.running.id, red_page)
    await Deployment.filter(id=site.old.id).update(deleted_at=site.current.created_at)
    assert not await screenshots.take(autostack, site.old.id, red_page)
    assert not await screenshots.take(autostack, "nosuchdeployment", red_page)
    assert screenshots.stored(autostack.settings, [site.running.id, site.old.id]) == set()


async def test_a_page_chromium_could_not_take_stores_nothing(
    autostack: AutoStack, site: Site
) -> None:
    async def broken(url: str) -> bytes:
        return b"not a png"

    assert not await screenshots.take(autostack, site.current.id, broken)
    assert not screenshots.path_of(autostack.settings, site.current.id).exists()


def test_a_path_is_never_made_from_something_that_is_no_id(autostack: AutoStack) -> None:
    for bad in ("../keys", "a/b", "", "x" * 65):
        try:
            screenshots.path_of(autostack.settings, bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_nothing_is_taken_on_the_null_edge_or_when_turned_off(autostack: AutoStack) -> None:
    """The fast tier's null edge serves no pages; the setting turns screenshots off."""
    assert autostack.edge.name == "null"
    autostack.settings = replace(autostack.settings, screenshots=True)
    assert not screenshots.enabled(autostack)
    check = check_screenshots(replace(autostack.settings, screenshots=False))
    assert check.ok and "AUTOSTACK_SCREENSHOTS=0" in check.detail


async def test_members_see_the_thumbnail_on_the_cards_and_others_get_404(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    url = f"/deployments/{site.current.id}/thumbnail"
    assert (await http.get(url)).status_code == 404  # none taken yet
    assert 'class="card-thumb"' not in (await http.get("/dashboard")).text
    assert await screenshots.take(autostack, site.current.id, red_page)

    answer = await http.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/webp"
    assert answer.headers["cache-control"].startswith("private")
    assert pixel(answer.content)[0] > 240
    assert f'src="{url}"' in (await http.get("/dashboard")).text
    assert f'src="{url}"' in (await http.get("/projects/site")).text

    await accounts.create_user("stranger@example.com", PASSWORD)
    async with client_for(autostack) as stranger:
        assert (await stranger.get(url)).status_code in (302, 303, 307)  # to the log-in page
        await log_in(stranger, "stranger@example.com")
        refused = await stranger.get(url)
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("text/html")
    await add_user(site.project.team, "viewer@example.com", Role.VIEWER)  # type: ignore[arg-type]
    async with client_for(autostack) as viewer:
        await log_in(viewer, "viewer@example.com")
        assert (await viewer.get(url)).status_code == 200


async def test_the_thumbnail_goes_with_its_deployment(
    autostack: AutoStack, site: Site, signed_in: Client
) -> None:
    http, _ = signed_in
    assert await screenshots.take(autostack, site.old.id, red_page)
    await retention.delete_deployment(autostack, site.project, site.old)
    assert not screenshots.path_of(autostack.settings, site.old.id).exists()
    assert (await http.get(f"/deployments/{site.old.id}/thumbnail")).status_code == 404


def test_chromium_resolves_the_deployment_s_name_only(tmp_path: Path) -> None:
    argv = command("/usr/bin/chromium", "http://site-abc.localhost:8080/", tmp_path,
                   "/usr/bin/bwrap")
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE site-abc.localhost" in argv
    assert argv[0] == "/usr/bin/bwrap" and "--unshare-pid" in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    for url in ("http://a b.localhost/", "http://x.localhost,EXCLUDE evil/", "file:///etc"):
        with pytest.raises(ScreenshotError):
            only_host(url)


async def test_without_chromium_the_initial_stays_and_doctor_and_the_log_say_why(
    autostack: AutoStack, site: Site, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if "chrom" in name else real(name))
    check = check_screenshots(replace(autostack.settings, screenshots=True))
    assert check.ok and "Chromium is not installed" in check.detail
    monkeypatch.setattr(screenshots, "_warned", set())
    with caplog.at_level("WARNING", logger=screenshots.__name__):
        assert not await screenshots.take(autostack, site.current.id)
    assert "Chromium is not installed" in caplog.text
    assert screenshots.stored(autostack.settings, [site.current.id]) == set()


async def test_the_hourly_sweep_finds_production_without_a_thumbnail(
    autostack: AutoStack, site: Site
) -> None:
    """Production served before screenshots were on gets one; a page that failed is not
    tried every hour."""
    assert await screenshots.missing(autostack.settings) == [site.current.id]
    assert await screenshots.sweep(autostack) == 0  # the null edge serves no pages

    async def broken(url: str) -> bytes:
        raise ScreenshotError("Chromium took longer than 30 s")

    assert not await screenshots.take(autostack, site.current.id, broken)
    assert await screenshots.missing(autostack.settings) == []
    screenshots.remove(autostack.settings, site.current.id)
    assert await screenshots.missing(autostack.settings) == [site.current.id]
    assert await screenshots.take(autostack, site.current.id, red_page)
    assert await screenshots.missing(autostack.settings) == []
