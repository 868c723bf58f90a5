"""Settings → Git in a real browser (Debian's chromium) on a real server: an admin of a
project whose repository is on a host AutoStack cannot create webhooks on (GitLab
here; no git host's servers are reachable, and none is needed: nothing leaves the
loopback) generates the webhook secret, sees it once in the host's set-up steps,
copies it with the Copy button, and rotates it after confirming; the page fits a
375 px phone.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import browser, log_in, new_context, serious_violations

__all__ = ["browser"]

pytestmark = pytest.mark.e2e


async def test_webhook_secret_and_steps(server: Server, browser: Browser) -> None:
    with server.api() as api:
        created = api.post("/api/v1/projects", json={
            "name": "hooked", "git_url": "https://gitlab.example.com/group/site.git"})
    assert created.status_code == 201, created.text
    context = await new_context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", "/projects/hooked/settings")
    await expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    await page.get_by_text("Set up on GitLab by hand").click()
    await expect(page.locator("#hook-url-gitlab")).to_have_value(
        f"{server.url}/api/v1/webhooks/gitlab")
    await page.get_by_role("button", name="Generate secret").click()
    await expect(page.get_by_text("shown only this once")).to_be_visible()
    secret = await page.get_by_label("Webhook secret (shown once)").input_value()
    assert len(secret) >= 32
    await page.get_by_text("Set up on GitLab by hand").click()
    await expect(page.get_by_label("Secret token")).to_have_value(secret)
    await page.get_by_role("button", name="Copy Webhook secret (shown once)").click()
    assert await page.evaluate("navigator.clipboard.readText()") == secret
    assert await serious_violations(page) == []

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Rotate secret").click()
    await expect(page.get_by_text("shown only this once")).to_be_visible()
    rotated = await page.get_by_label("Webhook secret (shown once)").input_value()
    assert rotated != secret and len(rotated) >= 32
    await page.goto(f"{server.url}/projects/hooked/settings")
    await expect(page.get_by_label("Webhook secret (shown once)")).to_have_count(0)
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.get_by_text("Set up on GitLab by hand").click()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await context.close()
