"""The pipeline editor in a real browser (Debian's chromium) on a real server: an admin
adds a test step and requires an approval on the project page through its plain forms,
sees the diagram follow, reorders a step; no serious accessibility violation, and the
page fits a 375 px phone.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_dashboard import browser, log_in, new_context, serious_violations

__all__ = ["browser"]

pytestmark = pytest.mark.e2e


async def test_edit_the_pipeline_on_the_project_page(server: Server, browser: Browser) -> None:
    with server.api() as api:
        assert api.post("/api/v1/projects", json={"name": "piped"}).status_code == 201
    context = await new_context(browser)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", "/projects/piped")
    steps = page.get_by_label("Steps").locator("li")
    await expect(steps).to_have_count(3)
    await page.get_by_label("Kind").select_option("test")
    await page.get_by_label("Name").fill("Unit tests")
    await page.get_by_label("Command").fill("npm test")
    await page.get_by_role("button", name="Add step").click()
    await page.get_by_role("button", name="Require approval before production").click()
    await expect(steps).to_have_count(5)
    await expect(steps.nth(2)).to_contain_text("Unit tests")
    await expect(steps.nth(2)).to_contain_text("npm test")
    await expect(steps.nth(3)).to_contain_text("Approval before production")
    await page.get_by_role("button", name="Move Unit tests down").click()
    await expect(steps.nth(3)).to_contain_text("Unit tests")
    with server.api() as api:
        kinds = [step["kind"] for step in api.get("/api/v1/projects/piped/pipeline")
                 .json()["steps"]]
    assert kinds == ["install", "build", "approval", "test", "deploy"]
    assert await serious_violations(page) == []
    await page.set_viewport_size({"width": 375, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await context.close()
