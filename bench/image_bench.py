"""Image endpoint benchmarks: resize (cache miss) and cache hit latency through the real edge.

Run with ``.venv/bin/python bench/image_bench.py``. Starts ``autostack up`` on
free loopback ports in a temporary directory, deploys a static site with a
1920x1080 photo (JPEG, ~0.5 MB) and a 1600x900 PNG, then measures, one
request at a time through Caddy with the site's hostname:

* baseline: the JPEG itself, a static file (``GET /photo.jpg``);
* a miss: ``/_vercel/image?url=/photo.jpg&w=640&q=<n>`` with a new ``q`` each
  time (a new cache key), as WebP and as AVIF, and the PNG as WebP;
* a hit: the same URL again;
* a hit asked of the control plane directly (no edge), to see what the proxy adds.

Figures are medians, reported as ratios to the baseline of the same run.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import AUTOSTACK, Server, free_port, make_env

ROUNDS = 20
HOST = "pics.localhost"


def photo(width: int, height: int, kind: str) -> bytes:
    """Something like a photograph: gradients and shapes, so the encoders have work to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for number in range(60):
        x, y = (number * 97) % width, (number * 53) % height
        draw.ellipse((x, y, x + 120, y + 80), fill=((number * 40) % 255, 90, 200 - number))
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(image, noise, 0.25)
    output = io.BytesIO()
    image.save(output, kind, quality=90) if kind == "JPEG" else image.save(output, kind)
    return output.getvalue()


def timed(client: httpx.Client, url: str, accept: str, expect: str) -> float:
    started = time.perf_counter()
    response = client.get(url, headers={"Host": HOST, "Accept": accept})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert response.headers.get("x-autostack-image-cache", "static") == expect, response.headers
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        site = root / "site"
        site.mkdir()
        (site / "index.html").write_text("<h1>pics</h1>")
        (site / "photo.jpg").write_bytes(photo(1920, 1080, "JPEG"))
        (site / "photo.png").write_bytes(photo(1600, 900, "PNG"))
        (site / "vercel.json").write_text(json.dumps({"images": {
            "sizes": [256, 640, 1080], "formats": ["image/avif", "image/webp"]}}))
        data_dir = root / "data"
        env = make_env(data_dir, None, "bench")
        server = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                        log_path=root / "server.log")
        subprocess.run([AUTOSTACK, "users", "create", "--email", "b@example.com", "--password",
                        "benchmark pass", "--data-dir", str(data_dir)], env=env, check=True,
                       capture_output=True)
        server.start()
        try:
            server.token = httpx.post(f"{server.url}/api/v1/auth/login", json={
                "email": "b@example.com", "password": "benchmark pass",
                "token_name": "bench"}).json()["token"]
            result = server.cli("deploy", str(site), "--prod", "--project", "pics", "--json")
            assert json.loads(result.stdout)["state"] == "ready"
            edge = httpx.Client(base_url=f"http://127.0.0.1:{server.edge_port}", timeout=60)
            direct = httpx.Client(base_url=server.url, timeout=60)
            webp, avif = "image/webp,*/*", "image/avif,image/webp,*/*"
            figures: dict[str, list[float]] = {name: [] for name in (
                "static file", "miss jpeg->webp 640", "miss jpeg->avif 640",
                "miss png->webp 640", "hit (edge)", "hit (control plane direct)")}
            hit_url = "/_vercel/image?url=/photo.jpg&w=640&q=75"
            timed(edge, hit_url, webp, "MISS")
            for number in range(ROUNDS):
                q = number + 1
                figures["static file"].append(timed(edge, "/photo.jpg", "*/*", "static"))
                figures["miss jpeg->webp 640"].append(
                    timed(edge, f"/_vercel/image?url=/photo.jpg&w=640&q={q}", webp, "MISS"))
                figures["miss jpeg->avif 640"].append(
                    timed(edge, f"/_vercel/image?url=/photo.jpg&w=640&q={q}", avif, "MISS"))
                figures["miss png->webp 640"].append(
                    timed(edge, f"/_vercel/image?url=/photo.png&w=640&q={q}", webp, "MISS"))
                figures["hit (edge)"].append(timed(edge, hit_url, webp, "HIT"))
                figures["hit (control plane direct)"].append(
                    timed(direct, hit_url, webp, "HIT"))
        finally:
            server.stop()
    baseline = statistics.median(figures["static file"])
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:28} median {median * 1000:8.1f} ms  ratio {median / baseline:6.1f}x")


if __name__ == "__main__":
    main()
