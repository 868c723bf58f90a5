"""Deployment protection in a real browser (Debian's chromium) through the real edge.

The password flow: a protected preview shows the password form, a wrong
password is refused with the reason, the right one shows the site and keeps
it open on the next visit. The team-login flow: a protected preview sends the
visitor to the dashboard's sign-in, and after logging in as a team member the
browser lands back on the page it asked for; a fresh browser is sent away
again. Both pages pass axe-core without serious findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import PASSWORD, browser, new_context, serious_violations, shot
from tests.e2e.test_deploy import deploy, hostname_of

__all__ = ["browser"]

pytestmark = pytest.mark.e2e

PREVIEW_PASSWORD = "open sesame 42"


async def test_the_password_flow(server: Server, site: Path, browser: Browser) -> None:
    preview = hostname_of(deploy(server, site, "--project", "pw")["url"])
    server.cli("protection", "set", "pw", "--preview", "password",
               "--password", PREVIEW_PASSWORD)
    url = f"http://{preview}:{server.edge_port}/index.html"
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(url)
    await expect(page.get_by_role("heading", name="This deployment is protected")).to_be_visible()
    assert await serious_violations(page) == []
    await shot(page, "protection-password")
    await page.get_by_label("Password").fill("guess")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_text("that is not the password")).to_be_visible()
    await page.get_by_label("Password").fill(PREVIEW_PASSWORD)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="version 1")).to_be_visible()
    assert page.url == url
    await page.goto(f"http://{preview}:{server.edge_port}/")
    await expect(page.get_by_role("heading", name="version 1")).to_be_visible()
    cookies = await context.cookies()
    [access] = [cookie for cookie in cookies if cookie["name"] == "autostack_protection"]
    assert access["domain"] == preview and access["httpOnly"]
    await context.close()


async def test_the_team_login_flow(server: Server, site: Path, browser: Browser) -> None:
    preview = hostname_of(deploy(server, site, "--project", "teamed")["url"])
    server.cli("protection", "set", "teamed", "--preview", "team")
    url = f"http://{preview}:{server.edge_port}/assets/file-2.txt"
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.url.startswith(f"{server.url}/login")
    await page.get_by_label("Email").fill("dev@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text("asset 2").first).to_be_visible()
    assert page.url == url
    await context.close()

    stranger = await new_context(browser)
    page = await stranger.new_page()
    await page.goto(f"http://{preview}:{server.edge_port}/")
    await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await stranger.close()
