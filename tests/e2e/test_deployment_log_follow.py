"""The deployment page's build log follows new lines in a real browser (Debian's chromium).

Issue 17 item 14: the log starts at its newest line and keeps the newest in view while the
user is at the bottom; once they scroll up it stays where they are. Lines are added to the
database, where the page's Server-Sent Events read them.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Locator, expect

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, DeploymentLog, User
from tests.e2e.test_dashboard import browser
from tests.e2e.test_dashboard_ux import live, settings, signed_in_page
from tests.fixtures_auth import owner
from tests.web_fixtures import make_site

__all__ = ["browser", "live", "owner", "settings"]

pytestmark = pytest.mark.e2e

SHOWN = """([log, text]) => {
  const line = [...log.querySelectorAll(".line-text")].find((l) => l.textContent === text);
  if (!line) return false;
  const box = log.getBoundingClientRect(), at = line.getBoundingClientRect();
  return at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
}"""


async def shown(log: Locator, text: str) -> bool:
    """Whether the line ``text`` is in the log and scrolled into the log's view."""
    return bool(await log.evaluate(f"(log) => ({SHOWN})([log, {text!r}])"))


async def add_line(deployment: Deployment, line: str) -> None:
    await DeploymentLog.create(deployment=deployment, step="build", line=line)


async def test_the_build_log_follows_until_the_user_scrolls_up(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    site = await make_site(autostack, owner)
    for number in range(80):
        await add_line(site.running, f"line {number}")
    page = await signed_in_page(browser, live, "owner@example.com")
    await page.goto(f"{live}/deployments/{site.running.id}")
    log = page.locator('[data-live="log"]')
    await page.wait_for_function(
        f"({SHOWN})([document.querySelector('[data-live=log]'), 'line 79'])"
    )
    assert not await shown(log, "line 0")

    await add_line(site.running, "followed `npm ci`")
    await expect(log.locator("code", has_text="npm ci")).to_have_count(1)
    await page.wait_for_function(
        f"({SHOWN})([document.querySelector('[data-live=log]'), 'followed npm ci'])"
    )

    await log.evaluate("(log) => { log.scrollTop = 0; }")
    await add_line(site.running, "while reading above")
    await expect(log.get_by_text("while reading above")).to_have_count(1)
    assert await log.evaluate("(log) => log.scrollTop") == 0
    assert await shown(log, "line 0")
    assert not await shown(log, "while reading above")
