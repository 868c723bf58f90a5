"""What a user sees of the dashboard in a real browser (Debian's chromium through Playwright).

The app runs in-process under uvicorn on the fast tier's null pair (no Caddy,
no builds), so each test checks what the page shows: the header's Sign up
button readable in light and dark, and the other checks of issue 17's
dashboard items.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page

from autostack_core.app import AutoStack
from tests.e2e.test_dashboard import browser, new_context
from tests.fixtures_auth import owner
from tests.serving import serving

__all__ = ["browser", "owner"]

pytestmark = pytest.mark.e2e

RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)")


@pytest.fixture
async def live(autostack: AutoStack) -> AsyncIterator[str]:
    """The dashboard served for real on a loopback port; its URL."""
    async with serving(autostack.asgi()) as url:
        yield url


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
