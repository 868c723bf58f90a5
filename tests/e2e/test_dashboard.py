"""The dashboard in a real browser (Debian's chromium through Playwright) on a real server.

The first-time user's flow: sign up, import a local git repository, see the
detection and its reasons, deploy, watch the log and state go live in two
browsers, visit the site through the edge, deploy a change, roll back. Then
the quality bar: axe-core on every main page, a phone-width layout, dark
mode, and a form that works without JavaScript. The settings flows (build
settings, a variable added, revealed and removed, a deploy hook, a team
invitation accepted, the project deleted by typing its name), deployments
started elsewhere appearing on the open project page and dashboard, and a
template deployed from New Project. Screenshots go to
``tests/.cache/screenshots/``; a few are copied by hand to ``docs/screenshots/``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.e2e.conftest import Server, git

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).parents[1] / ".cache" / "screenshots"
PASSWORD = "correct horse battery"
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium (async API: the server fixture's event loop is pytest-asyncio's)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    # expect() waits 5 s by default, apart from the contexts' 20 s for actions: a live
    # update (server-sent events, a build) takes longer on a loaded CI machine.
    expect.set_options(timeout=20_000)
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        await instance.close()


@pytest.fixture
def repo(tmp_path: Path, site: Path) -> Path:
    """The e2e static site as a git repository on branch main."""
    root = tmp_path / "hello"
    shutil.copytree(site, root)
    git("init", "--initial-branch", "main", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-m", "first page", cwd=root)
    return root


# Each page records what its Content-Security-Policy blocked (the browser's own report).
RECORD_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:`
                            + `${event.lineNumber}`);
});
"""


async def new_context(browser: Browser, **options: object) -> BrowserContext:
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(20_000)
    await context.add_init_script(RECORD_CSP)
    return context


async def csp_violations(page: Page) -> list[str]:
    """What the CSP blocked on the page so far (inline script or style, another origin)."""
    return list(await page.evaluate("window.cspViolations"))


async def sign_up(page: Page, server: Server, email: str) -> None:
    await page.goto(f"{server.url}/signup")
    await page.get_by_label("Name").fill("Ada")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="No projects yet")).to_be_visible()


async def log_in(page: Page, server: Server, email: str, next_path: str = "/dashboard") -> None:
    await page.goto(f"{server.url}/login?next={next_path}")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()


async def shot(page: Page, name: str, full_page: bool = True) -> None:
    """A screenshot of the whole page, or of what a 1280x800 window shows (docs-sized)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


async def serious_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical findings on the page as it is now."""
    # Evaluated through DevTools, not added as an inline <script> the CSP would block.
    await page.evaluate(AXE.read_text())
    result = await page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result if v["impact"] in ("serious", "critical")]


async def wait_ready(page: Page) -> None:
    state = page.locator('#summary [data-live="state"]')
    await expect(state).to_have_text("Ready", timeout=90_000)


async def visit_until(page: Page, url: str, heading: str, seconds: float = 15) -> None:
    """Open ``url`` until its h1 reads ``heading``: "Ready" is shown as the deployment is
    persisted ready, and the production alias moves right after it."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        await page.goto(url)
        if await page.locator("h1").inner_text() == heading or \
                asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    await expect(page.locator("h1")).to_have_text(heading)


async def test_first_deploy_live_in_two_browsers_then_change_and_roll_back(
    browser: Browser, server: Server, repo: Path
) -> None:
    first = await new_context(browser)
    page = await first.new_page()
    await sign_up(page, server, "ada@example.com")
    await shot(page, "dashboard-empty")

    await page.get_by_role("link", name="+ New Project").first.click()
    await page.get_by_label("Git repository URL").fill(f"file://{repo}")
    await page.get_by_role("button", name="Continue").click()
    detected = page.get_by_role("heading", name="AutoStack detected: Static")
    await expect(detected).to_be_visible()
    assert await page.locator(".reasons li").count() >= 1
    await page.get_by_label("Project name").fill("hello")
    await page.get_by_label("Variables for every environment").fill("GREETING=hi")
    await shot(page, "new-project-detected")
    await page.get_by_role("button", name="Deploy").click()
    await page.wait_for_url("**/deployments/*?*")
    # No git host account reads a file:// repository: the page says so and where to go.
    notice = page.get_by_role("status").filter(has_text="set it up by hand")
    await expect(notice).to_be_visible()
    await expect(notice.get_by_role("link", name="Settings → Git")).to_have_attribute(
        "href", "/projects/hello/settings#git")
    deployment_url = page.url.split("?", 1)[0]

    second = await new_context(browser)
    watcher = await second.new_page()
    await log_in(watcher, server, "ada@example.com", deployment_url.removeprefix(server.url))
    await watcher.wait_for_url(deployment_url)
    await watcher.evaluate("window.notReloaded = true")

    await wait_ready(page)
    await wait_ready(watcher)
    for viewer in (page, watcher):
        await expect(viewer.locator('[data-live="log"]')).to_contain_text("Ready at")
        await expect(viewer.locator('[data-live="steps"] li').first).to_be_visible()
    assert await watcher.evaluate("window.notReloaded") is True  # it changed without a reload
    assert await csp_violations(watcher) == []  # live updates and htmx swaps under the CSP
    await shot(page, "deployment-ready")

    await visit_until(page, f"http://hello.localhost:{server.edge_port}/", "version 1")
    # Once ready, the page shows the runtime's status and follows its logs under the CSP.
    await page.goto(deployment_url)
    await expect(page.get_by_role("heading", name="Runtime logs")).to_contain_text("Ready")
    assert await page.locator("[data-runtime-log]").count() == 1
    await page.goto(f"{server.url}/projects/hello/settings#scaling")
    await page.locator("#scaling").get_by_label("Replicas").fill("2")
    await page.locator("#scaling").get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Scaling saved; applied to 1 ready deployment.")
    await expect(page.locator("[data-cost]")).to_contain_text("0.00 USD a month")
    assert await csp_violations(page) == []

    (repo / "index.html").write_text("<!doctype html><title>Site</title><h1>version 2</h1>\n")
    git("commit", "-am", "second page", cwd=repo)
    await page.goto(f"{server.url}/projects/hello")
    await page.get_by_role("button", name="Deploy main").click()
    await wait_ready(page)
    await visit_until(page, f"http://hello.localhost:{server.edge_port}/", "version 2")

    await page.goto(f"{server.url}/projects/hello")
    await expect(page.locator(".deployment")).to_have_count(2)
    await shot(page, "project-two-deployments")
    rollback = "Roll back production to the previous deployment"
    page.once("dialog", lambda dialog: dialog.accept())  # it asks first
    await page.get_by_role("button", name=rollback).click()
    await expect(page.get_by_role("status")).to_contain_text("Production rolled back to")
    await page.goto(f"http://hello.localhost:{server.edge_port}/")
    await expect(page.locator("h1")).to_have_text("version 1")
    await first.close()
    await second.close()


async def test_pages_pass_axe_fit_a_phone_have_dark_mode_and_work_without_javascript(
    browser: Browser, server: Server, repo: Path
) -> None:
    deployed = json.loads(server.cli("projects", "add", "hello", "--git", f"file://{repo}",
                                     "--json").stdout)
    context = await new_context(browser)
    page = await context.new_page()
    await log_in(page, server, "dev@example.com")
    pages = {
        "dashboard": "/dashboard",
        "new-project": "/new",
        "project-page": "/projects/hello",
        "deployment": f"/deployments/{deployed['id']}",
        "settings": "/projects/hello/settings",
        "team": "/teams/" + await page.evaluate(
            "document.querySelector('#team option:checked').value"),
        "account": "/account",
    }
    for name, path in pages.items():
        await page.goto(server.url + path)
        assert await serious_violations(page) == [], name
        assert await csp_violations(page) == [], name
        await shot(page, f"axe-{name}")

    await page.set_viewport_size({"width": 375, "height": 812})
    for name in ("dashboard", "project-page", "deployment", "settings"):
        await page.goto(server.url + pages[name])
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} is {width} px wide at 375 px"
    await shot(page, "settings-phone")
    await context.close()

    dark = await new_context(browser, color_scheme="dark")
    page = await dark.new_page()
    await log_in(page, server, "dev@example.com", "/projects/hello")
    await page.wait_for_url("**/projects/hello")
    assert await serious_violations(page) == []
    await shot(page, "project-dark")
    await dark.close()

    plain = await new_context(browser, java_script_enabled=False)
    page = await plain.new_page()
    await log_in(page, server, "dev@example.com", "/projects/hello/settings")
    await page.get_by_label("Key").fill("API_URL")
    await page.get_by_label("Value").fill("https://api.example.com")
    await page.get_by_role("button", name="Add variable").click()
    await expect(page.get_by_role("status")).to_contain_text("API_URL added")
    await page.get_by_role("button", name="Reveal API_URL (production)").click()
    await expect(page.locator("code.revealed").first).to_have_text("https://api.example.com")
    await plain.close()


async def test_settings_flows_a_deployment_started_elsewhere_and_a_team_invitation(
    browser: Browser, server: Server, repo: Path
) -> None:
    with server.api() as api:
        created = api.post("/api/v1/projects", json={"name": "hello", "git_url": f"file://{repo}"})
        assert created.status_code == 201, created.text
    owner = await new_context(browser, viewport=VIEWPORT)
    page = await owner.new_page()
    await log_in(page, server, "dev@example.com", "/projects/hello")
    await page.wait_for_url("**/projects/hello")
    await expect(page.get_by_text("No deployments yet.")).to_be_visible()
    await page.evaluate("window.notReloaded = true")
    with server.api() as api:  # started elsewhere: the open page shows it without a reload
        started = api.post("/api/v1/projects/hello/deployments", json={"target": "production"})
        assert started.status_code == 201, started.text
    row = page.locator(f"#deployment-{started.json()['id']}")
    await expect(row.locator('[data-live="state"]')).to_have_text("Ready", timeout=90_000)
    assert await page.evaluate("window.notReloaded") is True
    await page.reload()
    await shot(page, "project", full_page=False)
    await page.goto(f"{server.url}/dashboard")
    await expect(page.locator("#project-hello .production [data-live=state]")).to_have_text("Ready")
    await shot(page, "dashboard", full_page=False)
    team_slug = await page.evaluate("document.querySelector('#team option:checked').value")
    await page.evaluate("window.notReloaded = true")
    with server.api() as api:  # the open dashboard's card follows a newer deployment
        newer = api.post("/api/v1/projects/hello/deployments", json={"target": "preview"})
        assert newer.status_code == 201, newer.text
    card = page.locator(f'#project-hello [data-shows="{newer.json()["id"]}"]')
    await expect(card.locator('[data-live="state"]')).to_have_text("Ready", timeout=90_000)
    assert await page.evaluate("window.notReloaded") is True

    await page.goto(f"{server.url}/new")
    templates = page.locator("#template-title ~ form")
    await templates.get_by_label("Static starter").check()  # no npm install: the fastest
    await templates.get_by_label("Project name").fill("starter")
    await page.get_by_role("button", name="Deploy template").click()
    await page.wait_for_url("**/deployments/*")
    await wait_ready(page)

    await page.goto(f"{server.url}/projects/hello/settings")
    build = page.locator("#build")
    await build.get_by_label("Build command").fill("echo built")
    await build.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Build settings saved")
    await expect(page.locator("#build").get_by_label("Build command")).to_have_value("echo built")

    await page.get_by_label("Key").fill("API_URL")
    await page.get_by_label("Value").fill("https://api.example.com")
    await page.get_by_role("button", name="Add variable").click()
    await expect(page.get_by_role("status")).to_contain_text("API_URL added")
    await page.get_by_role("button", name="Reveal API_URL (preview)").click()  # in place, htmx
    await expect(page.locator("code.revealed")).to_have_text("https://api.example.com")
    page.once("dialog", lambda dialog: dialog.accept())  # it asks first
    await page.get_by_role("button", name="Delete API_URL (preview)").click()
    await expect(page.get_by_role("button", name="Delete API_URL (production)")).to_be_visible()
    await expect(page.get_by_role("button", name="Delete API_URL (preview)")).to_have_count(0)

    await page.get_by_label("Hook name").fill("CMS publish")
    await page.get_by_role("button", name="Create hook").click()
    await expect(page.get_by_role("status")).to_contain_text("Deploy hook CMS publish created")
    hook_url = await page.get_by_label("URL of deploy hook CMS publish").input_value()
    assert hook_url.startswith(server.url + "/api/v1/deploy-hooks/")
    await expect(page.locator("#git")).to_contain_text(f"file://{repo}")
    await shot(page, "settings", full_page=False)

    await page.goto(f"{server.url}/teams/{team_slug}")
    await page.get_by_label("Email").fill("bob@example.com")
    await page.get_by_label("Role", exact=True).select_option("viewer")
    await page.get_by_role("button", name="Invite").click()
    link = await page.get_by_label("Invitation link").input_value()
    await shot(page, "team", full_page=False)
    invited = await new_context(browser)
    bob = await invited.new_page()
    await sign_up(bob, server, "bob@example.com")
    await bob.goto(link)
    await bob.get_by_role("button", name="Join the team").click()
    await bob.wait_for_url(f"**/dashboard?team={team_slug}")
    await expect(bob.get_by_text("you are viewer")).to_be_visible()
    await expect(bob.locator("#project-hello")).to_be_visible()
    await invited.close()

    await page.goto(f"{server.url}/projects/hello/settings")
    delete = page.get_by_role("button", name="Delete project")
    await expect(delete).to_be_disabled()  # until the name is typed
    await page.get_by_label("Type hello to confirm").fill("hello")
    await delete.click()
    await page.wait_for_url("**/dashboard?team=*")
    await expect(page.locator("#project-hello")).to_have_count(0)
    await expect(page.locator("#project-starter")).to_be_visible()
    await owner.close()
