"""The project Logs page in a real browser (Debian's chromium) on a real server, against a
deployed server app that logs its requests and errors.

The app writes an info line per request, a warning for ``/slow`` and, for
``/fail?order=N``, an error on stderr naming the order. The page shows the lines, filters
them by level, replica and text, groups the errors by message with their count (the
order numbers as a placeholder), appends a new request's line live, and downloads the
filtered lines as NDJSON. The page passes axe-core without serious findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import browser, log_in, new_context, serious_violations, shot
from tests.e2e.test_server_apps import deploy, runtime_server

__all__ = ["browser", "runtime_server"]

pytestmark = pytest.mark.e2e

APP = """\
import http.server, os, sys, urllib.parse
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/fail":
            print(f"ERROR order {query['order'][0]} failed: card declined", file=sys.stderr,
                  flush=True)
            status = 500
        elif url.path == "/slow":
            print("WARN slow request", url.path, flush=True)
            status = 200
        else:
            print("served", url.path, flush=True)
            status = 200
        body = b"ok" if status == 200 else b"failed"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("listening on", os.environ["PORT"], flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


def write_app(folder: Path) -> Path:
    prebuilt = folder / "prebuilt"
    (prebuilt / "server").mkdir(parents=True)
    (prebuilt / "static").mkdir()
    (prebuilt / "config.json").write_text(json.dumps({"version": 3, "routes": []}))
    (prebuilt / "server.json").write_text(
        json.dumps(
            {
                "runtime": "python",
                "command": "python3 server.py",
                "health_path": "/",
                "directory": "server",
            }
        )
    )
    (prebuilt / "server" / "server.py").write_text(APP)
    (folder / "autostack.json").write_text(
        json.dumps(
            {
                "buildCommand": "rm -rf .vercel && mkdir .vercel && cp -r prebuilt .vercel/output",
                "outputDirectory": "prebuilt/static",
            }
        )
    )
    return folder


async def test_runtime_logs_and_errors_in_the_dashboard(
    runtime_server: Server, tmp_path: Path, browser: Browser
) -> None:
    server = runtime_server
    deployed = deploy(server, write_app(tmp_path / "shop"), "--prod", "--project", "shop")
    assert deployed["state"] == "ready", deployed
    for path in ("/fail?order=1041", "/fail?order=1042", "/slow", "/fail?order=2077", "/checkout"):
        server.edge_get("shop.localhost", path)

    context = await new_context(browser, accept_downloads=True)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", "/projects/shop/logs")
    log = page.get_by_role("list", name="Runtime log lines")
    await expect(log.get_by_text("ERROR order 2077 failed: card declined")).to_be_visible()
    await expect(log.get_by_text("served /checkout")).to_be_visible()
    assert await serious_violations(page) == []
    await shot(page, "logs-runtime")

    await page.get_by_label("Level").select_option("error")
    await page.get_by_role("button", name="Show").click()
    await expect(log.locator("li")).to_have_count(3)
    await expect(log.get_by_text("served /checkout")).to_have_count(0)
    await page.get_by_label("Text").fill("1042")
    await page.get_by_role("button", name="Show").click()
    await expect(log.locator("li")).to_have_count(1)

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download NDJSON").click()
    download = await downloading.value
    records = [json.loads(row) for row in Path(await download.path()).read_text().splitlines()]
    assert [(r["level"], r["source"], r["line"]) for r in records] == [
        ("error", "server-0", "ERROR order 1042 failed: card declined")
    ]

    await page.get_by_role("link", name="Errors").click()
    await page.get_by_role("link", name="Clear").click()
    groups = page.locator("[data-error-group]")
    await expect(groups.first).to_contain_text("ERROR order <n> failed: card declined")
    await expect(groups.first.locator("[data-count]")).to_have_text("3")
    assert await serious_violations(page) == []
    await shot(page, "logs-errors")

    await page.goto(f"{server.url}/projects/shop/logs?replica=server-0")
    await expect(log.get_by_text("served /checkout")).to_be_visible()
    server.edge_get("shop.localhost", "/live-request")
    await expect(log.get_by_text("served /live-request")).to_be_visible()
    await context.close()
