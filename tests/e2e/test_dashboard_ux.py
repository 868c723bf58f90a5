"""What a user sees of the dashboard in a real browser (Debian's chromium through Playwright).

The app runs in-process under uvicorn on the fast tier's null pair (no Caddy,
no builds), so each test checks what the page shows: the header's Sign up
button readable in light and dark, and the other checks of issue 17's
dashboard items.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Project, User
from autostack_core.security import accounts
from autostack_core.utils import free_port
from tests.e2e.test_dashboard import browser, new_context
from tests.fixtures_auth import PASSWORD, owner, personal_team
from tests.serving import serving

__all__ = ["browser", "owner"]

pytestmark = pytest.mark.e2e

RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fast tier's settings on a free port, which the server listens on."""
    return replace(settings, port=free_port())


@pytest.fixture
async def live(autostack: AutoStack) -> AsyncIterator[str]:
    """The dashboard served for real on the loopback; its public URL (``localhost``)."""
    async with serving(autostack.asgi(), autostack.settings.port):
        yield autostack.settings.server_url


async def signed_in_page(browser: Browser, live: str, email: str, **options: Any) -> Page:
    """A new browser window signed in as ``email`` through the log-in form."""
    context = await new_context(browser, **options)
    page = await context.new_page()
    await page.goto(f"{live}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/dashboard")
    return page


def luminance(css: str) -> float:
    """WCAG relative luminance of a computed ``rgb(...)`` colour."""
    match = RGB.match(css)
    assert match, css

    def channel(value: str) -> float:
        c = int(value) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value) for value in match.groups())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def colours(page: Page, selector: str) -> tuple[str, str]:
    """The computed text colour and background colour of the element."""
    pair = await page.eval_on_selector(
        selector, "e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor]; }"
    )
    return pair[0], pair[1]


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_sign_up_button_is_readable(browser: Browser, live: str, scheme: str) -> None:
    context = await new_context(browser, color_scheme=scheme)
    page = await context.new_page()
    for path in ("/", "/signup", "/login"):
        await page.goto(f"{live}{path}")
        button = page.locator("header").get_by_role("link", name="Sign up")
        assert await button.is_visible()
        text, background = await colours(page, 'header a[href="/signup"]')
        assert text != background, f"{path} ({scheme}): {text} on {background}"
        assert contrast(text, background) >= 4.5, f"{path} ({scheme}): {text} on {background}"
    await context.close()


async def test_links_the_dashboard_gives_out_keep_the_user_signed_in(
    browser: Browser, live: str, owner: User
) -> None:
    """The invitation link and the git remote start with the URL the user browses (the
    banner's ``localhost``), so the session cookie goes with them."""
    assert live.startswith("http://localhost:")
    team = await personal_team(owner)
    await Project.create(name="pushed", team=team)
    await accounts.create_user("bob@example.com", PASSWORD, "Bob")
    page = await signed_in_page(browser, live, "owner@example.com")
    await page.goto(f"{live}/projects/pushed")
    remote = page.locator("#remote-title ~ pre")
    await expect(remote).to_contain_text(f"git remote add autostack {live}/git/pushed.git")
    await page.goto(f"{live}/teams/{team.slug}")
    await page.get_by_label("Email").fill("bob@example.com")
    await page.get_by_role("button", name="Invite").click()
    link = await page.get_by_label("Invitation link").input_value()
    assert link.startswith(f"{live}/invitations/accept?token=")
    bob = await signed_in_page(browser, live, "bob@example.com")
    await bob.goto(link)
    await bob.get_by_role("button", name="Join the team").click()
    await bob.wait_for_url(f"**/dashboard?team={team.slug}")
    await expect(bob.get_by_text("you are member")).to_be_visible()
