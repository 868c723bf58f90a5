"""Dashboard pages: they render, forms post with CSRF tokens, and refuse without them."""

from __future__ import annotations

import re

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    ApiToken,
    AuditEvent,
    Deployment,
    DeploymentLog,
    Project,
    Role,
    Team,
    TeamMember,
    User,
    UserSession,
)
from autostack_core.security import accounts
from autostack_web.dashboard import PAGE_SIZE
from autostack_web.formatting import code_spans
from tests.fixtures_auth import PASSWORD, add_user, client_for, owner, personal_team
from tests.query_counter import counting_queries

__all__ = ["owner"]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match, "the page has no CSRF token"
    return match.group(1)


async def log_in(http: httpx.AsyncClient, email: str = "owner@example.com") -> str:
    """Log in through the form; returns the session's CSRF token from the dashboard."""
    form = await http.get("/login")
    response = await http.post("/login", data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_of(form)})
    assert response.status_code == 303, response.text
    return csrf_of(await http.get("/dashboard"))


async def test_landing_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "Deploy your apps in seconds" in page.text
    assert 'action="/new"' in page.text and 'name="git_url"' in page.text
    assert 'href="/signup"' in page.text and 'href="/login"' in page.text
    icon_link = 'rel="icon" type="image/svg+xml" href="http://testserver/static/favicon.svg"'
    assert icon_link in page.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


async def test_a_signed_in_home_is_the_dashboard(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        await log_in(http)
        home = await http.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/dashboard"


def test_detection_reasons_show_code_spans_as_code() -> None:
    shown = code_spans("found `next build` in <package.json>")
    assert shown == "found <code>next build</code> in &lt;package.json&gt;"


async def test_stylesheet_has_a_dark_mode(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/app.css")
    assert css.status_code == 200 and "prefers-color-scheme: dark" in css.text


async def test_sign_up_through_the_form(client: httpx.AsyncClient) -> None:
    form = await client.get("/signup")
    assert '<label for="f-email">Email</label>' in form.text
    response = await client.post("/signup", data={
        "name": "Ada", "email": "ada@example.com", "password": PASSWORD,
        "csrf_token": csrf_of(form)})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    assert "autostack_session=" in response.headers["set-cookie"]
    dashboard = await client.get("/dashboard")
    assert "Ada&#39;s projects" in dashboard.text
    assert "No projects yet" in dashboard.text and "+ New Project" in dashboard.text


async def test_sign_up_errors_name_the_field(client: httpx.AsyncClient) -> None:
    form = await client.get("/signup")
    response = await client.post("/signup", data={
        "email": "ada@example.com", "password": "short", "csrf_token": csrf_of(form)})
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-password"' in response.text
    assert "password: use at least 8 characters" in response.text
    assert 'value="ada@example.com"' in response.text
    assert not await User.exists()


async def test_anonymous_forms_without_the_token_are_403(client: httpx.AsyncClient) -> None:
    await client.get("/signup")  # sets the form cookie
    forged = await client.post("/signup", data={
        "email": "ada@example.com", "password": PASSWORD, "csrf_token": "forged" * 8})
    missing = await client.post("/login", data={"email": "ada@example.com",
                                                 "password": PASSWORD})
    assert forged.status_code == missing.status_code == 403
    assert "expired" in forged.text
    assert not await User.exists()


async def test_log_in_and_out(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        wrong = await http.post("/login", data={
            "email": owner.email, "password": "nope nope", "csrf_token":
            csrf_of(await http.get("/login"))})
        assert wrong.status_code == 401 and "email or password is wrong" in wrong.text
        token = await log_in(http)
        assert (await http.get("/login")).status_code == 303  # already signed in
        logged_out = await http.post("/logout", data={"csrf_token": token})
        assert logged_out.status_code == 303
        assert (await http.get("/dashboard")).status_code == 303
    assert not await UserSession.exists()


async def test_login_returns_to_the_page_asked_for(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        asked = await http.get("/account")
        assert asked.headers["location"] == "/login?next=%2Faccount"
        form = await http.get(asked.headers["location"])
        evil = await http.post("/login?next=//evil.example", data={
            "email": owner.email, "password": PASSWORD, "csrf_token": csrf_of(form)})
        assert evil.headers["location"] == "/dashboard"


async def test_signed_in_forms_without_csrf_are_403(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        await log_in(http)
        response = await http.post("/account/tokens", data={"token_name": "x"})
        assert response.status_code == 403
        logout = await http.post("/logout")
        assert logout.status_code == 403
    assert not await ApiToken.exists()


async def test_unknown_paths_answer_a_page_to_a_browser(client: httpx.AsyncClient) -> None:
    """A mistyped dashboard address shows a 404 page with the way back, not raw JSON."""
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = await client.get("/dashbord", headers=browser)
    assert page.status_code == 404
    assert "This page was not found" in page.text and 'href="/dashboard"' in page.text
    api_client = await client.get("/dashbord", headers={"Accept": "application/json"})
    assert api_client.status_code == 404 and api_client.json()["error"]
    assert (await client.get("/api/v1/nothing", headers=browser)).json()["error"]


async def test_dashboard_shows_project_cards(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    project = await Project.create(name="blog", team=team, production_url="http://blog.localhost")
    await Deployment.create(project=project, state="building", branch="main",
                            commit_sha="abc1234ff")
    async with client_for(autostack) as http:
        await log_in(http)
        page = await http.get("/dashboard")
    assert "blog" in page.text and "http://blog.localhost" in page.text
    assert "state-building" in page.text and "abc1234" in page.text


async def test_dashboard_pages_show_each_card_its_latest_deployment(
    autostack: AutoStack, owner: User
) -> None:
    team = await personal_team(owner)
    for number in range(PAGE_SIZE + 3):
        project = await Project.create(name=f"app-{number:02}", team=team)
        for state, sha in (("error", f"old{number:02}"), ("ready", f"new{number:02}")):
            await Deployment.create(project=project, state=state, commit_sha=sha + "0" * 8)
    async with client_for(autostack) as http:
        await log_in(http)
        first = await http.get("/dashboard")
        second = await http.get("/dashboard?page=2")
        beyond = await http.get("/dashboard?page=9")
    assert first.text.count('class="card project"') == PAGE_SIZE
    assert f"{PAGE_SIZE + 3} projects" in first.text and "Page 1 of 2" in first.text
    assert second.text.count('class="card project"') == 3 and 'rel="prev"' in second.text
    assert "new00" in second.text and "old00" not in second.text  # the newest deployment
    assert "No projects on this page" in beyond.text


async def test_dashboard_queries_do_not_grow_with_the_team(
    autostack: AutoStack, owner: User
) -> None:
    """Seven queries a page of cards: session and user, the user's teams and which of them
    enforce single sign-on, the team's project count, the page's projects, their latest
    deployments with the building step."""
    team = await personal_team(owner)
    for number in range(30):
        project = await Project.create(name=f"app-{number:02}", team=team)
        await Deployment.create(project=project, state="ready", upload_manifest={"a": "b" * 99})
        if number % 3 == 0:
            building = await Deployment.create(project=project, state="building")
            await DeploymentLog.create(deployment=building, step="build", line="$ make")
    async with client_for(autostack) as http:
        await log_in(http)
        for path, most in (("/dashboard", 7), ("/dashboard?page=2", 7), ("/dashboard?page=3", 6)):
            with counting_queries() as queries:
                page = await http.get(path)
            assert page.status_code == 200
            assert queries.count <= most, f"{path}: {queries}"
        first = await http.get("/dashboard")
    assert "30 projects" in first.text and "Page 1 of 2" in first.text
    assert 'aria-valuenow="45"' in first.text  # a building card is at its log's build step


async def test_two_teams_with_one_name_are_told_apart(autostack: AutoStack, owner: User) -> None:
    for slug in ("acme", "acme-eu"):
        await TeamMember.create(team=await Team.create(name="Acme", slug=slug, owner=owner),
                                user=owner, role=Role.OWNER)
    async with client_for(autostack) as http:
        await log_in(http)
        switcher = (await http.get("/dashboard")).text
        new = (await http.get("/new")).text
    for text in (switcher, new):
        assert "Acme · acme<" in text.replace(" (owner)", "") and "Acme · acme-eu" in text
    assert "Olivia&#39;s projects (owner)" in switcher  # a unique name stays as it is


async def test_team_switcher_and_unknown_team(autostack: AutoStack, owner: User) -> None:
    other_owner = await add_user(await personal_team(owner), "x@example.com", Role.VIEWER)
    other_team = await personal_team(other_owner)
    async with client_for(autostack) as http:
        await log_in(http)
        page = await http.get("/dashboard")
        assert f'value="{other_team.slug}"' not in page.text
        assert (await http.get(f"/dashboard?team={other_team.slug}")).status_code == 404
    async with client_for(autostack) as http:
        await log_in(http, "x@example.com")
        viewer_page = await http.get(f"/dashboard?team={(await personal_team(owner)).slug}")
        assert "+ New Project" not in viewer_page.text and "viewer" in viewer_page.text


async def test_account_tokens_are_shown_once_and_revocable(
    autostack: AutoStack, owner: User
) -> None:
    async with client_for(autostack) as http:
        token = await log_in(http)
        created = await http.post("/account/tokens", data={"token_name": "laptop",
                                                           "csrf_token": token})
        assert created.status_code == 201
        secret = re.search(r'id="new-token" class="mono" readonly value="([^"]+)"', created.text)
        assert secret and secret.group(1).startswith("ast_")
        page = await http.get("/account")
        assert secret.group(1) not in page.text and "laptop" in page.text
        row = await ApiToken.get(user=owner)
        revoked = await http.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": token})
        assert revoked.status_code == 303
    assert not await ApiToken.exists()


async def test_account_profile_and_sessions(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as other:
        await log_in(other)
    async with client_for(autostack) as http:
        token = await log_in(http)
        saved = await http.post("/account/profile", data={"name": "Liv", "csrf_token": token})
        assert "Profile saved." in saved.text
        empty = await http.post("/account/profile", data={"name": "", "csrf_token": token})
        assert empty.status_code == 422 and "name: enter 1 to 120 characters" in empty.text
        page = await http.get("/account")
        assert page.text.count("/revoke\"") >= 2 and "(this browser)" in page.text
        sessions = await UserSession.filter(user=owner).order_by("id")
        revoked = await http.post(f"/account/sessions/{sessions[0].id}/revoke",
                                  data={"csrf_token": token})
        assert revoked.headers["location"] == "/account"
        assert await UserSession.filter(user=owner).count() == 1
        current = await http.post(f"/account/sessions/{sessions[1].id}/revoke",
                                  data={"csrf_token": token})
        assert current.headers["location"] == "/login"
    assert (await User.get(id=owner.id)).name == "Liv"


async def test_change_email_and_password(autostack: AutoStack, owner: User) -> None:
    other = await accounts.create_user("taken@example.com", PASSWORD)
    async with client_for(autostack) as elsewhere:
        await log_in(elsewhere)  # another browser session of the owner
        async with client_for(autostack) as http:
            token = await log_in(http)
            wrong = await http.post("/account/email", data={
                "csrf_token": token, "email": "new@example.com", "password_for_email": "nope"})
            assert wrong.status_code == 403
            assert 'aria-describedby="e-password_for_email"' in wrong.text
            taken = await http.post("/account/email", data={
                "csrf_token": token, "email": other.email, "password_for_email": PASSWORD})
            assert taken.status_code == 409 and "already exists" in taken.text
            moved = await http.post("/account/email", data={
                "csrf_token": token, "email": "New@Example.com", "password_for_email": PASSWORD})
            assert moved.status_code == 200 and "you sign in as new@example.com" in moved.text
            short = await http.post("/account/password", data={
                "csrf_token": token, "current_password": PASSWORD, "new_password": "short"})
            assert short.status_code == 422 and "new password: use at least 8" in short.text
            changed = await http.post("/account/password", data={
                "csrf_token": token, "current_password": PASSWORD,
                "new_password": "a brand new passphrase"})
            assert changed.status_code == 200 and "other browser sessions" in changed.text
            assert (await http.get("/account")).status_code == 200  # this session stays
        assert (await elsewhere.get("/account")).status_code == 303  # the other one ended
    assert await accounts.login("new@example.com", "a brand new passphrase", "127.0.0.1")
    actions = await AuditEvent.filter(action__startswith="user.").values_list("action", flat=True)
    assert set(actions) >= {"user.email_changed", "user.password_changed"}
