"""A real deployment through the real edge gets a real thumbnail, taken by Chromium in bwrap.

The page also asks for an image from another server on the loopback, which
must never see the request: Chromium resolves the deployment's name only.
"""

from __future__ import annotations

import io
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.conftest import signed_in_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is needed"),
]


class Witness(BaseHTTPRequestHandler):
    """A loopback server that records the paths it was asked for."""

    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_production_deployment_gets_a_screenshot_of_its_page(
    tmp_path: Path, database_url: str | None
) -> None:
    witness = ThreadingHTTPServer(("127.0.0.1", 0), Witness)
    threading.Thread(target=witness.serve_forever, daemon=True).start()
    site = tmp_path / "red"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><title>Red</title><body style='margin:0;background:#ff0000'>"
        f"<img src='http://127.0.0.1:{witness.server_port}/from-the-page.png' alt=''>"
        f"<img src='http://witness.localhost:{witness.server_port}/by-name.png' alt=''>"
        "</body>\n")
    with signed_in_server(tmp_path, database_url, AUTOSTACK_SCREENSHOTS="1") as server:
        deployed = json.loads(server.cli("deploy", str(site), "--prod", "--project", "red",
                                         "--json").stdout)
        deployment_id = deployed["id"]
        url = f"/deployments/{deployment_id}/thumbnail"
        deadline = time.monotonic() + 90
        with server.api() as api:
            while (answer := api.get(url)).status_code == 404 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert answer.status_code == 200, server.log_path.read_text()[-3000:]
            assert answer.headers["content-type"] == "image/webp"
            with Image.open(io.BytesIO(answer.content)) as image:
                assert image.size == (640, 400)
                red, green, blue = image.convert("RGB").getpixel((320, 200))  # type: ignore[misc]
            assert red > 240 and green < 15 and blue < 15
            assert f'src="{url}"' in api.get("/dashboard").text
            assert f'src="{url}"' in api.get("/projects/red").text
        stored = server.data_dir / "thumbnails" / f"{deployment_id}.webp"
        assert stored.is_file()
    witness.shutdown()
    witness.server_close()
    assert Witness.asked == []
