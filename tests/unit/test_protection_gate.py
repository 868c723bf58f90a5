"""The gate of protected deployments, asked as the edge asks it (the hostname in ``Host``).

The ``site`` project (tests/web_fixtures.py) has the production alias
``site.localhost`` and the branch alias ``site-git-feature.localhost`` (a
preview); a second project ``other`` has its own preview. Requests go to the
ASGI app in-process with the deployment's hostname in the URL, as the edge
proxies them; the edge's side is the conformance suite's and the e2e tests'.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    Project,
    Role,
    Team,
    User,
)
from autostack_core.services import protection
from autostack_core.services.protection_gate import COOKIE, PASSWORD_FAILURE_LIMIT
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, site

__all__ = ["owner", "site"]

PREVIEW = "http://site-git-feature.localhost:8080"
PRODUCTION = "http://site.localhost:8080"
CHECK = "/_autostack/protection/check"
LOGIN = "/_autostack/protection/login"
HTML = {"accept": "text/html,application/xhtml+xml"}
SECRET_PASSWORD = "open sesame 42"


@pytest.fixture
async def gate(autostack: AutoStack) -> httpx.AsyncClient:
    async with client_for(autostack) as http:
        yield http


async def protect(autostack: AutoStack, owner: User, project: Project, **modes: str) -> None:
    await protection.change(autostack, owner, project, "127.0.0.1", **modes)


async def ask(gate: httpx.AsyncClient, origin: str, uri: str = "/", *, cookie: str | None = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
    """The edge's question for ``uri`` on ``origin``'s hostname."""
    sent = {**HTML, "x-forwarded-uri": uri, "x-forwarded-method": "GET", **(headers or {})}
    if cookie is not None:
        sent["cookie"] = f"{COOKIE}={cookie}"
    gate.cookies.clear()
    return await gate.get(f"{origin}{CHECK}", headers=sent)


def access_cookie(response: httpx.Response) -> str:
    value = response.cookies.get(COOKIE)
    assert value, f"no access cookie in {response.headers}"
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "Domain" not in header and "Path=/" in header
    return value


async def other_project(owner: User) -> Project:
    """A second project of the owner's team, its preview protected by the same password."""
    project = await Project.create(name="other", team=await personal_team(owner))
    deployment = await Deployment.create(project=project, state="ready", branch="x")
    await Alias.create(hostname="other-git-x.localhost", project=project, deployment=deployment,
                       kind=AliasKind.BRANCH, branch="x")
    return project


async def test_the_password_opens_the_preview_and_a_wrong_one_does_not(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="password", password=SECRET_PASSWORD)
    page = await ask(gate, PREVIEW, "/docs?page=2")
    assert page.status_code == 401 and "This deployment is protected" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert 'name="next" value="/docs?page=2"' in page.text
    api_call = await ask(gate, PREVIEW, "/api/data", headers={"accept": "application/json"})
    assert api_call.status_code == 401 and "protected" in api_call.text
    wrong = await gate.post(f"{PREVIEW}{LOGIN}", data={"password": "guess", "next": "/docs"})
    assert wrong.status_code == 401 and "that is not the password" in wrong.text
    assert COOKIE not in wrong.cookies
    right = await gate.post(f"{PREVIEW}{LOGIN}",
                            data={"password": SECRET_PASSWORD, "next": "/docs?page=2"})
    assert right.status_code == 303 and right.headers["location"] == "/docs?page=2"
    cookie = access_cookie(right)
    assert (await ask(gate, PREVIEW, "/docs", cookie=cookie)).status_code == 204
    assert (await ask(gate, PREVIEW, "/", cookie=cookie + "x")).status_code == 401
    # Production stays public (its mode is none).
    assert (await ask(gate, PRODUCTION)).status_code == 204


async def test_a_cookie_opens_only_its_own_hostname_and_project(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="password", production="password",
                  password=SECRET_PASSWORD)
    other = await other_project(owner)
    await protect(autostack, owner, other, preview="password", password=SECRET_PASSWORD)
    right = await gate.post(f"{PREVIEW}{LOGIN}", data={"password": SECRET_PASSWORD})
    cookie = access_cookie(right)
    assert (await ask(gate, "http://other-git-x.localhost:8080", cookie=cookie)).status_code \
        == 401, "project A's cookie must not open project B"
    assert (await ask(gate, PRODUCTION, cookie=cookie)).status_code == 401, \
        "a cookie names its hostname"


async def test_a_new_password_signs_everyone_out(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="password", password=SECRET_PASSWORD)
    cookie = access_cookie(await gate.post(f"{PREVIEW}{LOGIN}",
                                           data={"password": SECRET_PASSWORD}))
    await protect(autostack, owner, site.project, password="another password")
    assert (await ask(gate, PREVIEW, cookie=cookie)).status_code == 401


async def test_next_never_leaves_the_hostname(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="password", password=SECRET_PASSWORD)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "evil"):
        answer = await gate.post(f"{PREVIEW}{LOGIN}",
                                 data={"password": SECRET_PASSWORD, "next": target})
        assert answer.headers["location"] == "/", target


async def test_wrong_passwords_are_throttled_per_address(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="password", password=SECRET_PASSWORD)
    for _ in range(PASSWORD_FAILURE_LIMIT):
        await gate.post(f"{PREVIEW}{LOGIN}", data={"password": "guess"})
    held = await gate.post(f"{PREVIEW}{LOGIN}", data={"password": SECRET_PASSWORD})
    assert held.status_code == 429 and "too many wrong passwords" in held.text
    assert int(held.headers["retry-after"]) > 0


async def test_the_bypass_secret_by_header_query_and_cookie(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="team")
    secret = await protection.new_bypass(owner, site.project, "127.0.0.1")
    by_header = await ask(gate, PREVIEW, headers={"x-vercel-protection-bypass": secret})
    assert by_header.status_code == 204
    assert (await ask(gate, PREVIEW, f"/?x-vercel-protection-bypass={secret}")).status_code \
        == 204
    assert (await ask(gate, PREVIEW, "/?x-vercel-protection-bypass=nope")).status_code == 302
    kept = await ask(gate, PREVIEW, f"/a?b=1&x-vercel-protection-bypass={secret}"
                                    "&x-vercel-set-bypass-cookie=true")
    assert kept.status_code == 307 and kept.headers["location"] == "/a?b=1"
    cookie = access_cookie(kept)
    assert (await ask(gate, PREVIEW, "/a", cookie=cookie)).status_code == 204
    await protection.new_bypass(owner, site.project, "127.0.0.1")
    assert (await ask(gate, PREVIEW, "/a", cookie=cookie)).status_code == 302, \
        "a new secret ends the old one's cookies"
    assert (await ask(gate, PREVIEW, headers={"x-vercel-protection-bypass": secret})) \
        .status_code == 302


async def test_team_login_goes_through_the_dashboard_and_back(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="team")
    visit = await ask(gate, PREVIEW, "/page?x=1")
    assert visit.status_code == 302
    sign_in = urlsplit(visit.headers["location"])
    assert f"{sign_in.scheme}://{sign_in.netloc}" == autostack.settings.server_url
    assert parse_qs(sign_in.query)["next"] == [f"{PREVIEW}/page?x=1"]
    async with client_for(autostack) as dashboard:
        await log_in(dashboard)
        back = await dashboard.get(f"{sign_in.path}?{sign_in.query}")
    assert back.status_code == 200 and back.headers["cache-control"] == "private, no-store"
    refresh = re.search(r'content="0; url=([^"]+)"', back.text)
    assert refresh is not None and f'href="{refresh.group(1)}"' in back.text
    callback = urlsplit(html.unescape(refresh.group(1)))
    assert f"{callback.scheme}://{callback.netloc}" == \
        autostack.edge.public_url("site-git-feature.localhost")
    entered = await gate.get(f"{PREVIEW}{callback.path}?{callback.query}")
    assert entered.status_code == 303 and entered.headers["location"] == "/page?x=1"
    cookie = access_cookie(entered)
    assert (await ask(gate, PREVIEW, cookie=cookie)).status_code == 204
    replayed_elsewhere = await gate.get(f"{PRODUCTION}{callback.path}?{callback.query}")
    assert replayed_elsewhere.status_code == 401


async def test_team_login_refuses_outsiders_and_foreign_hosts(
    autostack: AutoStack, site: Site, owner: User
) -> None:
    await protect(autostack, owner, site.project, preview="team")
    stranger_team = await Team.create(name="Elsewhere", slug="elsewhere", owner=owner)
    await add_user(stranger_team, "stranger@example.com", Role.OWNER)
    async with client_for(autostack) as dashboard:
        await log_in(dashboard, "stranger@example.com")
        refused = await dashboard.get("/protection/sign-in",
                                      params={"next": f"{PREVIEW}/"})
        assert refused.status_code == 403 and "not in the team" in refused.text
    async with client_for(autostack) as dashboard:
        await log_in(dashboard)
        for target in ("http://evil.example/", f"{PRODUCTION}/", "javascript:alert(1)"):
            answer = await dashboard.get("/protection/sign-in", params={"next": target})
            assert answer.status_code == 404, target


async def test_a_new_deployment_is_protected_before_its_alias_exists(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    await protect(autostack, owner, site.project, preview="team")
    fresh = await Deployment.create(project=site.project, state="deploying", branch="next")
    assert not await Alias.exists(hostname=f"site-{fresh.id}.localhost")
    assert (await ask(gate, f"http://site-{fresh.id}.localhost:8080")).status_code == 302
    assert (await ask(gate, f"http://other-{fresh.id}.localhost:8080")).status_code == 204


async def test_a_hostname_no_project_serves_any_more_is_let_through(
    autostack: AutoStack, site: Site, owner: User, gate: httpx.AsyncClient
) -> None:
    """A custom domain that became a redirect keeps no alias: its redirect must answer."""
    await protect(autostack, owner, site.project, production="team")
    assert (await ask(gate, PRODUCTION)).status_code == 302
    await Alias.filter(hostname="site.localhost").delete()
    assert (await ask(gate, PRODUCTION)).status_code == 204
