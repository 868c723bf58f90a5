"""Browser security headers on the dashboard and the API, and pages the CSP can allow.

The browser itself checks the policy in ``tests/e2e/test_dashboard.py``
(no ``securitypolicyviolation`` on the main pages).
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_web.formatting import PROGRESS
from tests.fixtures_auth import api, owner
from tests.web_fixtures import Site, signed_in, site

__all__ = ["api", "owner", "signed_in", "site"]

STATIC = Path(__file__).parents[2] / "web" / "static"


def policy(response: httpx.Response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in
                  response.headers["content-security-policy"].split(";"))
    return {name: value for name, value in directives}


def assert_hardened(response: httpx.Response) -> None:
    csp = policy(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


class InlineCode(HTMLParser):
    """What a strict CSP would block: inline scripts and styles, handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in names
                       if name.startswith("on") or name in ("style", "hx-on")
                       or name.startswith("hx-on")]
        self.found += [f"{tag} {name}=javascript:" for name, value in attrs
                       if name in ("href", "action", "src") and value
                       and value.strip().lower().startswith("javascript:")]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/nowhere"])
async def test_public_pages_carry_the_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert_hardened(response)
    assert "strict-transport-security" not in response.headers
    assert inline_code(response.text) == []


async def test_api_responses_carry_the_headers(client: httpx.AsyncClient,
                                               api: httpx.AsyncClient) -> None:
    assert_hardened(await client.get("/api/v1/health"))
    assert_hardened(await client.get("/api/v1/projects"))  # a 401
    assert_hardened(await api.get("/api/v1/projects"))


async def test_signed_in_pages_hold_no_inline_code(
    site: Site, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    http, _ = signed_in
    pages = ["/dashboard", "/new", "/account", f"/projects/{site.project.name}",
             f"/projects/{site.project.name}/settings", f"/deployments/{site.running.id}",
             f"/deployments/{site.current.id}"]
    for path in pages:
        response = await http.get(path)
        assert response.status_code == 200, path
        assert_hardened(response)
        assert inline_code(response.text) == [], path


async def test_hsts_only_when_the_public_url_is_https(settings: Settings) -> None:
    app = AutoStack(replace(settings, public_url="https://autostack.example.com"))
    await app.startup()
    try:
        transport = httpx.ASGITransport(app=app.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            response = await http.get("/login")
    finally:
        await app.shutdown()
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert_hardened(response)


def test_every_progress_value_has_a_css_class() -> None:
    """The progress bars' widths are classes (no style attribute): one per value."""
    css = (STATIC / "app.css").read_text()
    for value in {0, 100, *PROGRESS.values()}:
        assert re.search(rf"\.progress \.done-{value} {{ width: {value}%?; }}", css), value

