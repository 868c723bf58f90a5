"""The image optimizer's parts: settings, query rules, conversion, the disk cache, sources.

Real images made with Pillow, a real store and a real HTTP server on the
loopback for remote sources; the endpoint through the app is in
``test_image_endpoint.py``, through Caddy in ``tests/e2e/test_images.py``.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from autostack_core.images import config as images_config
from autostack_core.images import sources
from autostack_core.images.cache import Entry, ImageCache, key_of
from autostack_core.images.config import DEFAULT_SIZES, ImagesConfig, RemotePattern, parse
from autostack_core.images.request import ImageRequestError, accepted_format, parse_query
from autostack_core.images.transform import ImageError, optimize, sniff
from autostack_core.infrastructure.store import Store
from autostack_core.security.outbound import Outbound
from autostack_plugins.builders.routes_config import build_config, from_vercel_json


def picture(width: int = 1200, height: int = 800, kind: str = "PNG", mode: str = "RGB") -> bytes:
    image = Image.new(
        mode, (width, height), (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128)
    )
    output = io.BytesIO()
    image.save(output, kind)
    return output.getvalue()


def size_of(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


# -- settings ------------------------------------------------------------------------------------


def test_defaults_are_next_js_sizes_and_webp() -> None:
    config = images_config.load([], lambda path: None)
    assert config.sizes == DEFAULT_SIZES and 640 in config.sizes and 3840 in config.sizes
    assert config.formats == ("image/webp",) and config.minimum_cache_ttl == 60
    assert not config.remote_patterns and not config.allow_svg


def test_build_output_config_json_images_win() -> None:
    files = {
        "config.json": json.dumps(
            {
                "version": 3,
                "images": {
                    "sizes": [256, 640],
                    "formats": ["image/avif", "image/webp"],
                    "minimumCacheTTL": 300,
                    "domains": ["Images.Example.com"],
                    "remotePatterns": [{"protocol": "https", "hostname": "**.cdn.example.org"}],
                },
            }
        ).encode()
    }
    config = images_config.load(list(files), files.get)
    assert config.sizes == (256, 640) and config.formats == ("image/avif", "image/webp")
    assert config.minimum_cache_ttl == 300 and config.domains == ("images.example.com",)
    assert config.allows_remote("https", "a.b.cdn.example.org", "", "/x.png", "")
    assert config.allows_remote("http", "images.example.com", "", "/x.png", "")
    assert not config.allows_remote("https", "cdn.example.org", "", "/x.png", "")


def test_next_js_build_files_give_device_and_image_sizes() -> None:
    manifest = {
        "version": 1,
        "images": {
            "deviceSizes": [640, 1080],
            "imageSizes": [32],
            "formats": ["image/webp"],
            "qualities": [50, 75],
        },
    }
    files = {
        "server/.next/images-manifest.json": json.dumps(manifest).encode(),
        "server/node_modules/x/.next/images-manifest.json": b"{}",
    }
    config = images_config.load(list(files), files.get)
    assert config.sizes == (32, 640, 1080) and config.qualities == (50, 75)
    assert config.source == "server/.next/images-manifest.json"
    required = {
        "config": {
            "images": {
                "deviceSizes": [828],
                "imageSizes": [],
                "remotePatterns": [{"hostname": "pics.example.net"}],
            }
        }
    }
    files = {"server/.next/required-server-files.json": json.dumps(required).encode()}
    config = images_config.load(list(files), files.get)
    assert config.sizes == (828,) and config.remote_patterns == (
        RemotePattern(hostname="pics.example.net"),
    )


def test_wrong_types_keep_the_defaults_and_are_named() -> None:
    config = parse(
        {"sizes": ["big"], "formats": ["image/gif"], "minimumCacheTTL": -1, "qualities": [0, 101]},
        "config.json",
    )
    assert config.sizes == DEFAULT_SIZES and config.formats == ("image/webp",)
    assert config.minimum_cache_ttl == 60 and config.qualities == ()
    assert set(config.ignored) == {"sizes", "formats", "minimumCacheTTL", "qualities"}


def test_remote_patterns_match_as_next_js_does() -> None:
    pattern = RemotePattern(
        hostname="*.example.com", protocol="https", port="", pathname="/account123/**"
    )
    pattern = RemotePattern(
        hostname=pattern.hostname, protocol=pattern.protocol, pathname=pattern.pathname
    )
    assert pattern.matches("https", "img.example.com", "", "/account123/a/b.png", "")
    assert not pattern.matches("https", "a.img.example.com", "", "/account123/a.png", "")
    assert not pattern.matches("http", "img.example.com", "", "/account123/a.png", "")
    assert not pattern.matches("https", "img.example.com", "", "/other/a.png", "")
    assert not pattern.matches("https", "img.example.com.evil.net", "", "/account123/a", "")


# -- the query -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"w": "640", "q": "75"}, '"url" parameter is required'),
        ({"url": "/a.png", "q": "75"}, '"w" parameter (width) is required'),
        ({"url": "/a.png", "w": "641", "q": "75"}, '"w" parameter (width) of 641 is not allowed'),
        ({"url": "/a.png", "w": "-5", "q": "75"}, '"w" parameter (width) must be an integer'),
        ({"url": "/a.png", "w": "640"}, '"q" parameter (quality) is required'),
        ({"url": "/a.png", "w": "640", "q": "0"}, "between 1 and 100"),
        ({"url": "/a.png", "w": "640", "q": "101"}, "between 1 and 100"),
        ({"url": "/a.png", "w": "640", "q": "7.5"}, "between 1 and 100"),
        ({"url": "//evil.example/a.png", "w": "640", "q": "75"}, "protocol-relative"),
        ({"url": "/_next/image?url=/a.png", "w": "640", "q": "75"}, "cannot be recursive"),
        ({"url": "ftp://example.com/a.png", "w": "640", "q": "75"}, '"url" parameter is invalid'),
        ({"url": "file:///etc/passwd", "w": "640", "q": "75"}, '"url" parameter is invalid'),
    ],
)
def test_bad_queries_name_the_parameter(query: dict[str, str], message: str) -> None:
    with pytest.raises(ImageRequestError, match=None) as raised:
        parse_query(query, ImagesConfig())
    assert message in str(raised.value)


def test_configured_qualities_limit_q() -> None:
    config = ImagesConfig(qualities=(75,))
    assert parse_query({"url": "/a.png", "w": "640", "q": "75"}, config).quality == 75
    with pytest.raises(ImageRequestError, match=r"quality.*of 80 is not allowed"):
        parse_query({"url": "/a.png", "w": "640", "q": "80"}, config)


def test_accept_picks_the_first_configured_format_the_browser_lists() -> None:
    both = ImagesConfig(formats=("image/avif", "image/webp"))
    chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
    assert accepted_format(chrome, both) == "image/avif"
    assert accepted_format("image/webp,*/*", both) == "image/webp"
    assert accepted_format(chrome, ImagesConfig()) == "image/webp"
    assert accepted_format("*/*", both) is None
    assert accepted_format("image/avif;q=0, image/webp", both) == "image/webp"


# -- conversion ----------------------------------------------------------------------------------


def test_resizes_down_and_encodes_webp_and_avif() -> None:
    source = picture(1200, 800)
    webp = optimize(source, 640, 75, "image/webp")
    assert webp.content_type == "image/webp" and sniff(webp.data) == "image/webp"
    assert size_of(webp.data) == (640, 427)
    avif = optimize(source, 256, 50, "image/avif")
    assert avif.content_type == "image/avif" and size_of(avif.data) == (256, 171)


def test_never_enlarges_and_keeps_the_type_without_accept() -> None:
    result = optimize(picture(300, 200, "JPEG"), 1080, 75, None)
    assert result.content_type == "image/jpeg" and size_of(result.data) == (300, 200)


def test_transparency_survives_webp() -> None:
    result = optimize(picture(400, 400, "PNG", "RGBA"), 256, 75, "image/webp")
    assert Image.open(io.BytesIO(result.data)).mode == "RGBA"


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    # 20,000 x 20,000 of one colour: a few hundred kilobytes of PNG, 1.2 GB decoded.
    image = Image.new("1", (20_000, 20_000))
    output = io.BytesIO()
    image.save(output, "PNG")
    assert len(output.getvalue()) < 2_000_000
    with pytest.raises(ImageError, match="pixels"):
        optimize(output.getvalue(), 640, 75, "image/webp")


def test_not_an_image_and_svg_are_refused() -> None:
    with pytest.raises(ImageError, match="not a valid image"):
        optimize(b"<html>hello</html>", 640, 75, "image/webp")
    with pytest.raises(ImageError, match="not a valid image"):
        optimize(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, 640, 75, "image/webp")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ImageError, match="dangerouslyAllowSVG"):
        optimize(svg, 640, 75, "image/webp")
    assert optimize(svg, 640, 75, "image/webp", allow_svg=True).content_type == "image/svg+xml"


def test_an_animated_gif_is_answered_as_it_is() -> None:
    frames = [Image.new("RGB", (50, 50), color) for color in ("red", "green", "blue")]
    output = io.BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:])
    result = optimize(output.getvalue(), 32, 75, "image/webp")
    assert result.data == output.getvalue() and result.content_type == "image/gif"


# -- the cache -----------------------------------------------------------------------------------


def test_cache_hits_and_evicts_the_least_recently_used(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "cache", max_bytes=10_000)
    types = {"webp": "image/webp"}
    for number in range(3):
        cache.put(key_of(number), Entry(b"x" * 3_000, "image/webp", f"e{number}", 99), "webp")
        os.utime(
            next((tmp_path / "cache").rglob(f"{key_of(number)}.*")),
            (1_000 + number, 1_000 + number),
        )
    assert cache.get(key_of(0), types) is not None  # used now: the most recent
    cache.put(key_of(3), Entry(b"y" * 3_000, "image/webp", "e3", 99), "webp")
    assert cache.size() <= 9_000
    assert cache.get(key_of(1), types) is None  # the least recently used went first
    hit = cache.get(key_of(0), types)
    assert hit is not None and hit.etag == "e0" and hit.expires == 99
    assert cache.get(key_of(3), types) is not None


# -- sources -------------------------------------------------------------------------------------


def test_local_paths_cannot_leave_the_deployment() -> None:
    assert sources.local_path("/photos/a%20b.png?v=2") == "static/photos/a b.png"
    for url in (
        "/../server/.env",
        "/a/../../x.png",
        "/%2e%2e/x.png",
        "/a//b.png",
        "/a%00.png",
        "/a%5c..%5cx.png",
    ):
        with pytest.raises(sources.SourceError) as raised:
            sources.local_path(url)
        assert raised.value.status == 400, url


def test_local_reads_only_the_manifest_s_static_files(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "static").mkdir(parents=True)
    (folder / "server").mkdir()
    (folder / "static" / "photo.png").write_bytes(picture(100, 100))
    (folder / "server" / "secret.png").write_bytes(picture(100, 100))
    store = Store(tmp_path / "store")
    manifest_hash, _ = store.put_tree(folder)
    files = store.load_manifest(manifest_hash)["files"]
    entry = files["static/photo.png"]
    found = sources.local("/photo.png", files, store.object_path(entry["sha256"]))
    assert found.data == (folder / "static" / "photo.png").read_bytes()
    with pytest.raises(sources.SourceError, match="names no file") as raised:
        sources.local("/secret.png", files, None)
    assert raised.value.status == 404
    with pytest.raises(sources.SourceError, match="larger than"):
        sources.local("/photo.png", files, store.object_path(entry["sha256"]), limit=10)


def test_a_symlinked_object_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target.png").write_bytes(picture(10, 10))
    (tmp_path / "link").symlink_to(tmp_path / "target.png")
    with pytest.raises(OSError):
        sources.read_object(tmp_path / "link", 1_000_000)


class ImageHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path.startswith("/img/slow"):
            time.sleep(2)
        try:
            self.send_response(200 if self.path.startswith("/img/") else 404)
            self.send_header("Content-Type", "image/png")
            self.send_header("Cache-Control", "public, max-age=600")
            self.end_headers()
            self.wfile.write(self.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the time limit test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_server() -> Iterator[str]:
    ImageHandler.body = picture(800, 600)
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def allowing(origin: str) -> ImagesConfig:
    host, port = origin.removeprefix("http://").split(":")
    return ImagesConfig(
        remote_patterns=(
            RemotePattern(hostname=host, protocol="http", port=port, pathname="/img/**"),
        )
    )


async def test_remote_fetches_an_allowed_pattern_when_loopback_is_allowed(
    image_server: str,
) -> None:
    found = await sources.remote(
        f"{image_server}/img/a.png", allowing(image_server), Outbound(allow=("127.0.0.0/8",))
    )
    assert found.data == ImageHandler.body and found.max_age == 600


async def test_remote_refuses_loopback_unless_the_operator_allows_it(image_server: str) -> None:
    with pytest.raises(sources.SourceError, match=r"not allowed.*127\.0\.0\.1") as raised:
        await sources.remote(f"{image_server}/img/a.png", allowing(image_server), Outbound())
    assert raised.value.status == 400


async def test_remote_refuses_what_no_pattern_allows(image_server: str) -> None:
    outbound = Outbound(allow=("127.0.0.0/8",))
    for url in (
        f"{image_server}/other/a.png",
        "http://169.254.169.254/img/latest",
        f"{image_server.replace('127.0.0.1', 'localhost')}/img/a.png",
        f"http://user@{image_server.removeprefix('http://')}/img/a.png",
    ):
        with pytest.raises(sources.SourceError, match="not allowed"):
            await sources.remote(url, allowing(image_server), outbound)


async def test_remote_size_limit(image_server: str) -> None:
    with pytest.raises(sources.SourceError, match="larger than 100 bytes") as raised:
        await sources.remote(
            f"{image_server}/img/a.png",
            allowing(image_server),
            Outbound(allow=("127.0.0.0/8",)),
            limit=100,
        )
    assert raised.value.status == 413


def test_vercel_json_images_reach_config_json() -> None:
    images = {"sizes": [256, 640], "remotePatterns": [{"hostname": "cdn.example.com"}]}
    rules = from_vercel_json({"cleanUrls": True, "images": images})
    config = build_config(rules, files=["index.html"])
    assert config["images"] == images
    assert "images" not in build_config(from_vercel_json({}), files=["index.html"])
    files = {"config.json": json.dumps(config).encode()}
    assert images_config.load(list(files), files.get).sizes == (256, 640)


def test_a_format_this_pillow_cannot_write_is_skipped() -> None:
    both = ImagesConfig(formats=("image/avif", "image/webp"))
    assert accepted_format("image/avif,image/webp", both, ("image/webp",)) == "image/webp"
    assert accepted_format("image/avif", both, ("image/webp",)) is None


async def test_remote_time_limit(image_server: str) -> None:
    with pytest.raises(sources.SourceError, match=r"within 0\.5 s") as raised:
        await sources.remote(
            f"{image_server}/img/slow.png",
            allowing(image_server),
            Outbound(allow=("127.0.0.0/8",)),
            seconds=0.5,
        )
    assert raised.value.status == 504
