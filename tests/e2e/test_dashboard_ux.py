"""What a user sees of the dashboard in a real browser (Debian's chromium through Playwright).

The app runs in-process under uvicorn on the fast tier's null pair (no Caddy,
no builds), so each test checks what the page shows: the header's Sign up
button readable in light and dark, and the other checks of issue 17's
dashboard items.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    AliasKind,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    User,
)
from autostack_core.security import accounts
from autostack_core.services import deployments, releases
from autostack_core.utils import free_port
from tests.e2e.test_dashboard import browser, new_context
from tests.fixtures_auth import PASSWORD, owner, personal_team
from tests.null_edge import stored_output
from tests.serving import serving
from tests.web_fixtures import make_site

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


async def go_live(autostack: AutoStack, project: Project, deployment: Deployment) -> None:
    """What the pipeline does with a built deployment on the null runtime: building,
    deploying, ready (announced), then production or its branch alias moves to it."""
    await deployments.transition(autostack, deployment, DeploymentState.BUILDING)
    deployment.output_manifest_hash = stored_output(autostack.settings, deployment.id)
    await deployment.save(update_fields=["output_manifest_hash"])
    await deployments.transition(autostack, deployment, DeploymentState.DEPLOYING)
    await releases.serve(autostack, project, deployment)
    await deployments.transition(autostack, deployment, DeploymentState.READY)
    if deployment.target == Environment.PRODUCTION:
        await deployments.promote(autostack, project, deployment)
    else:
        await deployments.point_alias(
            autostack,
            project,
            deployment,
            f"{project.name}-git-{deployment.branch}.localhost",
            AliasKind.BRANCH,
            branch=deployment.branch,
        )


async def test_the_project_page_follows_the_first_deploy_and_a_preview(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    """The Production card and Previews change on the open page, not only the list."""
    project = await Project.create(name="fresh", team=await personal_team(owner))
    page = await signed_in_page(browser, live, "owner@example.com")
    await page.goto(f"{live}/projects/fresh")
    await expect(page.get_by_text("No production deployment yet.")).to_be_visible()
    await page.evaluate("window.notReloaded = true")
    first = await deployments.create_deployment(
        autostack, project, source_type="upload", target=Environment.PRODUCTION, branch="main"
    )
    await expect(page.locator(f"#deployment-{first.id}")).to_be_visible()
    await go_live(autostack, project, first)
    card = page.locator(".card.production")
    await expect(card.locator('[data-live="state"]')).to_have_text("Ready")
    await expect(card).to_contain_text(first.deployment_url.split("://", 1)[1])
    await expect(page.get_by_text("No production deployment yet.")).to_have_count(0)
    preview = await deployments.create_deployment(
        autostack, project, source_type="upload", target=Environment.PREVIEW, branch="feature"
    )
    await go_live(autostack, project, preview)
    previews = page.locator("section", has=page.get_by_role("heading", name="Previews"))
    await expect(previews).to_contain_text("fresh-git-feature.localhost")
    await expect(previews.locator('[data-live="state"]')).to_have_text("Ready")
    assert await page.evaluate("window.notReloaded") is True


async def test_a_card_shows_production_first_and_follows_a_rollback(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    """A failed preview leaves a healthy production card green (the failure is the latest
    activity beside it); a rollback shows the deployment production serves now."""
    site = await make_site(autostack, owner)
    await releases.serve(autostack, site.project, site.current)
    await Deployment.create(
        project=site.project,
        state="error",
        target="preview",
        branch="broken",
        commit_sha="d" * 40,
        commit_message="typo",
    )
    page = await signed_in_page(browser, live, "owner@example.com")
    card = page.locator("#project-site")
    production = card.locator(".production")
    await expect(production.locator('[data-live="state"]')).to_have_text("Ready")
    await expect(production).to_contain_text("bbbbbbb")
    activity = card.locator(".activity")
    await expect(activity.locator('[data-live="state"]')).to_have_text("Error")
    await expect(activity).to_contain_text("broken")
    await page.evaluate("window.notReloaded = true")
    await deployments.promote(autostack, site.project, site.old, rollback=True)
    await expect(production).to_contain_text("aaaaaaa")
    await expect(production.locator('[data-live="state"]')).to_have_text("Ready")
    assert await page.evaluate("window.notReloaded") is True


async def test_new_project_fits_a_phone(browser: Browser, live: str, owner: User) -> None:
    """At 375 px /new scrolls only up and down: long commands scroll inside their box."""
    page = await signed_in_page(
        browser, live, "owner@example.com", viewport={"width": 375, "height": 800}
    )
    await page.goto(f"{live}/new")
    await expect(page.get_by_role("heading", name="Deploy a folder")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"/new is {width} px wide at 375 px"
    snippet = page.locator("#cli-title ~ pre")
    box = await snippet.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375


async def test_rollback_asks_first_says_what_happened_and_can_be_undone(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    site = await make_site(autostack, owner)
    await releases.serve(autostack, site.project, site.current)
    page = await signed_in_page(browser, live, "owner@example.com")
    await page.goto(f"{live}/projects/site")
    asked: list[str] = []

    async def answer(dialog: Dialog, accept: bool) -> None:
        asked.append(dialog.message)
        await (dialog.accept() if accept else dialog.dismiss())

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    await page.get_by_role("button", name="Roll back production").click()
    for _ in range(100):  # the dialog is answered while the click returns
        if asked:
            break
        await asyncio.sleep(0.05)
    assert asked[0].startswith("Roll production back to the previous deployment?")
    assert await deployments.production_deployment(autostack, site.project) == site.current
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    await page.get_by_role("button", name="Roll back production").click()
    status = page.get_by_role("status")
    await expect(status).to_contain_text(f"Production rolled back to {site.old.id}.")
    assert await deployments.production_deployment(autostack, site.project) == site.old
    await status.get_by_role("button", name=f"Undo: make {site.current.id} production").click()
    await expect(status).to_contain_text(f"{site.current.id} is now production.")
    assert await deployments.production_deployment(autostack, site.project) == site.current

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    await page.get_by_role("button", name=f"Delete {site.running.id}").click()
    await expect(status).to_contain_text(f"Deployment {site.running.id} deleted.")
    assert asked[-1].endswith("this cannot be undone.")


async def test_copy_buttons_a_whole_hook_url_and_the_team_tab_in_the_project(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    await make_site(autostack, owner)
    page = await signed_in_page(
        browser, live, "owner@example.com", permissions=["clipboard-read", "clipboard-write"]
    )
    await page.goto(f"{live}/projects/site/settings#deploy-hooks")
    await page.get_by_label("Hook name").fill("CMS publish")
    await page.get_by_role("button", name="Create hook").click()
    url = page.get_by_label("URL of deploy hook CMS publish")
    hook_url = await url.input_value()
    assert hook_url.startswith(f"{live}/api/v1/deploy-hooks/")
    shown = await url.evaluate("input => input.scrollWidth <= input.clientWidth")
    assert shown, "the hook URL is cut off"
    await page.get_by_role("button", name="Copy URL of deploy hook CMS publish").click()
    assert await page.evaluate("navigator.clipboard.readText()") == hook_url

    await page.goto(f"{live}/projects/site")
    tabs = page.get_by_role("navigation", name="Project")
    await tabs.get_by_role("link", name="Team").click()
    await page.wait_for_url("**/teams/*?project=site")
    await expect(tabs.get_by_role("link", name="Team")).to_have_attribute("aria-current", "page")
    await expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("site")
    await tabs.get_by_role("link", name="Overview").click()
    await page.wait_for_url("**/projects/site")
