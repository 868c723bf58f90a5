"""The Marketplace page and a deploy button in Debian's chromium, on a real server.

Search the catalog by kind and framework (a plain GET form), copy a template's deploy
button, then follow one as a signed-out visitor would: sign in, find the template
chosen, deploy it and get the live site through the edge.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import (
    PASSWORD,
    browser,
    log_in,
    new_context,
    serious_violations,
    wait_ready,
)

__all__ = ["browser"]

pytestmark = pytest.mark.e2e


async def test_search_the_catalog_and_deploy_through_a_deploy_button(
        browser: Browser, server: Server) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", "/marketplace")
    await page.wait_for_url("**/marketplace")
    search = page.get_by_role("search", name="Search the catalog")
    await search.get_by_label("Kind").select_option("template")
    await search.get_by_label("Framework").select_option("flask")
    await search.get_by_role("button", name="Search").click()
    await page.wait_for_url(re.compile(r"/marketplace\?kind=template&framework=flask"))
    entries = page.get_by_role("list", name="Catalog entries").locator("li")
    await expect(entries).to_have_count(1)
    await expect(entries.first).to_contain_text("pip install autostack-template-flask")
    await expect(entries.first).to_contain_text("installed 0.1.0")
    snippet = page.get_by_label("Deploy button for Static starter")
    await expect(snippet).to_contain_text(
        f"({server.url}/new?template=static-starter)")
    assert await serious_violations(page) == []
    await context.close()

    # A README's button, opened signed out: the sign-in page returns to it.
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{server.url}/new?template=static-starter")
    await page.get_by_label("Email").fill("dev@example.com")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/new?template=static-starter")
    await expect(page.get_by_label(re.compile("^Static starter"))).to_be_checked()
    await page.locator("#f-template-name").fill("buttoned")
    await page.get_by_role("button", name="Deploy template").click()
    await page.wait_for_url(re.compile(r"/deployments/"))
    await wait_ready(page)
    # The production alias moves just after the deployment is ready: give it a moment.
    deadline = time.monotonic() + 10
    while "It works." not in (served := server.edge_get("buttoned.localhost").text):
        assert time.monotonic() < deadline, served
        await asyncio.sleep(0.2)
    await context.close()
