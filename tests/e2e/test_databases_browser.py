"""Databases on the project page in a real browser (Debian's chromium) on a real server
(issue 18 item 4): a member creates a Redis database from the project's Databases
section; it shows ``starting`` and the section follows it with htmx until the real
redis-server (in bubblewrap) runs; the URL is shown in place and is the API's; the
page has no serious accessibility violation and fits a 375 px phone.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import browser, log_in, new_context, serious_violations

__all__ = ["browser"]

pytestmark = pytest.mark.e2e


async def test_create_a_database_from_the_project_page(server: Server,
                                                       browser: Browser) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "cached"}).status_code == 201
    context = await new_context(browser)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", "/projects/cached")
    section = page.locator("#databases")
    await expect(section.get_by_text("No database linked.")).to_be_visible()
    await section.get_by_label("New database").fill("cached-kv")
    await section.get_by_label("Type").select_option("redis")
    await section.get_by_role("button", name="Create database").click()
    await expect(page.get_by_text("Database cached-kv created")).to_be_visible()
    row = page.locator('tr[data-database="cached-kv"]')
    await expect(row).to_contain_text("REDIS_URL")
    await expect(row.locator(".badge")).to_have_text("running", timeout=30_000)  # htmx polling
    await row.get_by_role("button", name="Show the URL of cached-kv").click()
    shown = page.get_by_role("textbox", name="URL of cached-kv")
    with server.api() as api:
        url = api.get("/api/v1/projects/cached/databases").json()["databases"][0]["url"]
    await expect(shown).to_have_value(url)
    assert page.url.endswith("#databases")  # revealed in place, no page change
    assert await serious_violations(page) == []
    await page.get_by_role("link", name="All of the team's databases").click()
    card = page.locator('article[data-database="cached-kv"]')
    await expect(card.locator(".badge")).to_have_text("running")
    await expect(card.locator("[data-linked]")).to_contain_text("cached")
    assert await serious_violations(page) == []
    await page.goto(f"{server.url}/projects/cached")
    await page.set_viewport_size({"width": 375, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await context.close()
