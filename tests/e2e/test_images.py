"""Image optimization through everything: CLI deploy, the store, Caddy, the control plane.

A static site with a photo is deployed, and ``/_vercel/image`` and
``/_next/image`` are asked through the real edge with the site's hostname, as a
browser would: the answer is the photo resized, as WebP or AVIF by ``Accept``,
a second ask is a cache hit, and what is not allowed is refused with the reason.
Next.js's ``next/image`` on a real Next.js app: ``test_nextjs_image_through_the_edge``.
"""

from __future__ import annotations

import html
import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

WEBP = "image/webp,*/*"
AVIF = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"


def photo(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (30, 140, 90))
    for x in range(0, width, 50):  # some detail, so sizes differ by quality
        image.paste((250, 250, 250), (x, 0, x + 10, height))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


class RemoteImages(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def remote() -> Iterator[str]:
    RemoteImages.body = photo(900, 300)
    server = ThreadingHTTPServer(("127.0.0.1", 0), RemoteImages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def get(
    server: Server, hostname: str, path: str, accept: str = WEBP, **headers: str
) -> httpx.Response:
    return httpx.get(
        f"http://127.0.0.1:{server.edge_port}{path}",
        headers={"Host": hostname, "Accept": accept, **headers},
        timeout=30,
    )


def dimensions(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_static_site_images_through_the_edge(server: Server, tmp_path: Path, remote: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('<img src="/_vercel/image?url=/photo.png&w=256&q=75">')
    (site / "photo.png").write_bytes(photo(1600, 900))
    host, port = remote.split(":")
    (site / "vercel.json").write_text(
        json.dumps(
            {
                "images": {
                    "sizes": [256, 640, 1080],
                    "formats": ["image/avif", "image/webp"],
                    "remotePatterns": [
                        {
                            "protocol": "http",
                            "hostname": host,
                            "port": port,
                            "pathname": "/pictures/**",
                        }
                    ],
                }
            }
        )
    )
    result = server.cli("deploy", str(site), "--prod", "--project", "gallery", "--json")
    assert json.loads(result.stdout)["state"] == "ready", result.stdout
    hostname = "gallery.localhost"

    first = get(server, hostname, "/_vercel/image?url=/photo.png&w=256&q=75")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/webp"
    assert dimensions(first.content) == (256, 144)
    assert first.headers["vary"] == "Accept"
    assert first.headers["cache-control"] == "public, max-age=60, must-revalidate"
    assert first.headers["x-autostack-image-cache"] == "MISS"
    again = get(server, hostname, "/_vercel/image?url=/photo.png&w=256&q=75")
    assert again.headers["x-autostack-image-cache"] == "HIT"
    assert again.content == first.content
    assert (
        get(
            server,
            hostname,
            "/_vercel/image?url=/photo.png&w=256&q=75",
            **{"If-None-Match": first.headers["etag"]},
        ).status_code
        == 304
    )

    avif = get(server, hostname, "/_next/image?url=%2Fphoto.png&w=640&q=50", accept=AVIF)
    assert avif.headers["content-type"] == "image/avif" and dimensions(avif.content) == (640, 360)
    original = get(server, hostname, "/_vercel/image?url=/photo.png&w=1080&q=75", accept="*/*")
    assert original.headers["content-type"] == "image/png"
    assert dimensions(original.content) == (1080, 608)

    fetched = get(server, hostname, f"/_vercel/image?url=http://{remote}/pictures/a.png&w=256&q=75")
    assert fetched.status_code == 200, fetched.text
    assert dimensions(fetched.content) == (256, 85)

    refused = {
        "/_vercel/image?url=/photo.png&w=300&q=75": (400, "of 300 is not allowed"),
        "/_vercel/image?url=/photo.png&w=256&q=101": (400, "between 1 and 100"),
        "/_vercel/image?url=/../photo.png&w=256&q=75": (400, "not a path inside"),
        # The output's config.json is beside static/, not in it: not a file of the site.
        "/_vercel/image?url=/config.json&w=256&q=75": (404, "names no file"),
        "/_vercel/image?url=/index.html&w=256&q=75": (400, "not a valid image"),
        f"/_vercel/image?url=http://{remote}/elsewhere.png&w=256&q=75": (400, "not allowed"),
        "/_vercel/image?url=http://169.254.169.254/pictures/x&w=256&q=75": (400, "not allowed"),
    }
    for path, (status, reason) in refused.items():
        response = get(server, hostname, path)
        assert (response.status_code, reason in response.text) == (status, True), (
            path,
            response.status_code,
            response.text,
        )
    # A protected site's images need the same access as its pages, and are never shared-cached.
    with server.api() as api:
        assert (
            api.put(
                "/api/v1/projects/gallery/protection",
                json={"production": "password", "password": "open sesame 42"},
            ).status_code
            == 200
        )
        secret = api.post("/api/v1/projects/gallery/protection/bypass").json()["secret"]
    image = "/_vercel/image?url=/photo.png&w=256&q=75"
    assert get(server, hostname, image).status_code == 401
    bypassed = get(server, hostname, image, **{"x-vercel-protection-bypass": secret})
    assert bypassed.status_code == 200 and bypassed.content == first.content
    assert bypassed.headers["cache-control"] == "private, no-store"
    # The page itself is still the deployment's, and unknown hosts still get the 404 page.
    assert (
        "/_vercel/image"
        in get(
            server, hostname, "/", accept="text/html", **{"x-vercel-protection-bypass": secret}
        ).text
    )
    assert (
        get(server, "nobody.localhost", "/_vercel/image?url=/photo.png&w=256&q=75").status_code
        == 404
    )


NEXT_PAGE = """import Image from "next/image";

export default function Home() {
  return (
    <main>
      <h1>Next images on AutoStack</h1>
      <Image src="/photo.png" alt="a photo" width={400} height={225} />
    </main>
  );
}
"""


@pytest.mark.dbless  # npm install and next build: the database paths are the static test's
def test_nextjs_image_through_the_edge(server: Server, tmp_path: Path) -> None:
    """``next/image`` unchanged: the page's srcset URLs answer resized WebP through the edge."""
    folder = tmp_path / "next"
    for name, text in {
        "package.json": json.dumps(
            {
                "name": "next-images",
                "private": True,
                "scripts": {"build": "next build", "start": "next start"},
                "dependencies": {"next": "15.5.4", "react": "19.1.1", "react-dom": "19.1.1"},
            }
        ),
        # Widths not among Next's defaults: the endpoint must read them from the build.
        "next.config.mjs": "export default { eslint: { ignoreDuringBuilds: true }, "
        "images: { deviceSizes: [500, 1000], imageSizes: [100] } };\n",
        "app/layout.js": "export default function RootLayout({ children }) {\n"
        '  return <html lang="en"><body>{children}</body></html>;\n}\n',
        "app/page.js": NEXT_PAGE,
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "public").mkdir()
    (folder / "public" / "photo.png").write_bytes(photo(1600, 900))
    result = json.loads(
        server.cli(
            "deploy", str(folder), "--prod", "--project", "nextimg", "--json", timeout=900
        ).stdout
    )
    assert result["state"] == "ready", result
    page = get(server, "nextimg.localhost", "/", accept="text/html")
    assert page.status_code == 200 and "Next images on AutoStack" in page.text
    srcset = html.unescape(re.search(r'srcSet="([^"]+)"', page.text, re.I).group(1))
    urls = [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
    assert all(url.startswith("/_next/image?url=%2Fphoto.png&w=") for url in urls), urls
    assert {re.search(r"&w=(\d+)", url).group(1) for url in urls} == {"500", "1000"}
    for url in urls:
        response = get(server, "nextimg.localhost", url, accept=AVIF)
        assert response.status_code == 200, (url, response.text)
        assert response.headers["content-type"] == "image/webp"  # Next's default formats
        width = int(re.search(r"&w=(\d+)", url).group(1))
        assert dimensions(response.content)[0] == min(width, 1600)
        assert response.headers["vary"] == "Accept"
        # Answered by AutoStack's endpoint, not by the app's own optimizer behind it.
        assert response.headers["x-autostack-image-cache"] == "MISS"
    assert (
        get(server, "nextimg.localhost", urls[0], accept=AVIF).headers["x-autostack-image-cache"]
        == "HIT"
    )
    assert (
        get(
            server, "nextimg.localhost", "/_next/image?url=%2Fphoto.png&w=640&q=75", accept=AVIF
        ).status_code
        == 400
    )
