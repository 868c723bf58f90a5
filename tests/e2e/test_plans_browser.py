"""Plans on a real server: a fourth project refused on Free, the Usage page in Debian's chromium.

The server's admin (``AUTOSTACK_ADMINS``) puts their team on Free with the CLI,
deploys a static site through the real pipeline (its build time is what the
Usage page counts) and is refused a fourth project with the limit and the plan
named; the Usage page shows the plan, the limits against use and the
project's build minutes, and passes axe-core without serious findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Server, signed_in_server
from tests.e2e.test_dashboard import browser, log_in, new_context, serious_violations

__all__ = ["browser"]

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin_server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    with signed_in_server(tmp_path, database_url, AUTOSTACK_ADMINS="dev@example.com") as server:
        yield server


async def test_free_refuses_a_fourth_project_and_the_usage_page_shows_the_build(
    browser: Browser, admin_server: Server, tmp_path: Path,
) -> None:
    server = admin_server
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Site</title><h1>hi</h1>\n")
    # A build that takes a few seconds, so its minutes show with two decimals.
    (site / "autostack.json").write_text(
        '{"buildCommand": "sleep 3 && mkdir -p out && cp index.html out/", '
        '"outputDirectory": "out"}')
    with server.api() as api:
        team = api.get("/api/v1/teams").json()["teams"][0]["slug"]
    server.cli("teams", "set-plan", team, "free")
    server.cli("deploy", str(site), "--prod", cwd=site)
    for name in ("second", "third"):
        server.cli("projects", "add", name)
    refused = server.cli("projects", "add", "fourth", check=False)
    assert refused.returncode == 1
    assert "projects: the Free plan allows 3 projects; this team has 3." in refused.stderr

    context = await new_context(browser)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com", f"/teams/{team}/usage")
    await page.wait_for_url(f"**/teams/{team}/usage")
    await expect(page.locator("#plan-name")).to_contain_text("is on the Free plan")
    projects = page.get_by_role("row", name="Projects")
    await expect(projects).to_contain_text("3")
    await expect(projects).to_contain_text("(reached)")
    usage = page.locator("#projects-usage tbody tr").first
    await expect(usage).to_contain_text("site")
    build_minutes = float(await usage.locator("td").first.inner_text())
    assert build_minutes > 0
    assert await serious_violations(page) == []
    await context.close()
