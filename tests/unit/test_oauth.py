"""Sign in with GitHub and Google.

GitHub's and Google's servers cannot be reached from here: these tests run the
whole browser flow against a local HTTP stand-in on 127.0.0.1
(:mod:`tests.github_standin`) that speaks their documented OAuth, OpenID
Connect and REST shapes, and checks the client secret, redirect URI and PKCE.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc.jwk import RSAKey

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Team,
    User,
    UserIdentity,
    UserSession,
)
from tests.fixtures_auth import Browser, browser, client_for, owner
from tests.github_standin import Account, StandIn, granted, linked_github_id, settings, standin

__all__ = ["browser", "owner", "settings", "standin"]


async def start(http: httpx.AsyncClient, provider: str, next_url: str = "/dashboard",
                path: str = "login") -> str:
    """Begin signing in (``path``: or ``connect``); returns the stand-in's callback redirect."""
    begin = await http.get(f"/auth/{provider}/{path}", params={"next": next_url})
    assert begin.status_code == 303, begin.text
    async with httpx.AsyncClient() as outside:
        approved = await outside.get(begin.headers["location"])
    assert approved.status_code == 302, approved.text
    return approved.headers["location"]


async def finish(http: httpx.AsyncClient, callback: str) -> httpx.Response:
    parts = urlsplit(callback)
    return await http.get(f"{parts.path}?{parts.query}")


async def sign_in(http: httpx.AsyncClient, provider: str, next_url: str = "/dashboard"
                  ) -> httpx.Response:
    return await finish(http, await start(http, provider, next_url))


async def test_github_login_asks_the_least_scope_and_keeps_no_token(
    autostack: AutoStack, standin: StandIn
) -> None:
    async with client_for(autostack) as http:
        begin = await http.get("/auth/github/login")
        query = parse_qs(urlsplit(begin.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["scope"] == ["read:user user:email"]
        assert query["redirect_uri"] == ["http://localhost:8000/auth/github/callback"]
        done = await sign_in(http, "github", "/projects/new")
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/projects/new"
        me = await http.get("/api/v1/user")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "octocat@example.com"
    user = await User.get(email="octocat@example.com")
    assert await linked_github_id(user) == 583231 and user.password_hash is None
    assert standin.asked_scopes == ["read:user user:email"]
    assert await granted(user) is None
    assert await Team.exists(owner=user, is_personal=True)
    assert await AuditEvent.exists(action="auth.login", user=user)


async def test_github_login_again_signs_in_the_same_user(
    autostack: AutoStack, standin: StandIn
) -> None:
    for _ in range(2):
        async with client_for(autostack) as http:
            assert (await sign_in(http, "github")).status_code == 303
    assert await UserIdentity.filter(host="github", external_id="583231").count() == 1
    assert await User.all().count() == 1
    assert await UserSession.all().count() == 2


async def test_signed_in_user_connects_github_without_a_new_session(
    autostack: AutoStack, standin: StandIn, browser: Browser, owner: User
) -> None:
    sessions = await UserSession.all().count()
    done = await sign_in(browser.http, "github", "/projects/new")
    assert done.status_code == 303, done.text
    assert await linked_github_id(owner) == 583231
    assert await granted(owner) is None
    assert await UserSession.all().count() == sessions
    assert not await User.exists(email="octocat@example.com")


async def test_github_account_of_another_user_is_not_connected_twice(
    autostack: AutoStack, standin: StandIn, browser: Browser, owner: User
) -> None:
    async with client_for(autostack) as http:
        assert (await sign_in(http, "github")).status_code == 303
    refused = await sign_in(browser.http, "github")
    assert refused.status_code == 400
    assert "another AutoStack user" in refused.text
    assert await linked_github_id(owner) is None


async def test_a_password_account_with_the_same_email_is_not_taken_over(
    autostack: AutoStack, standin: StandIn, owner: User
) -> None:
    standin.approving = Account(id=7, login="olivia", email=owner.email)
    async with client_for(autostack) as http:
        refused = await sign_in(http, "github")
        assert refused.status_code == 400
        assert "log in with its password" in refused.text
        assert (await http.get("/api/v1/user")).status_code == 401
    assert await linked_github_id(owner) is None and await granted(owner) is None


async def test_a_callback_without_the_flow_cookie_or_with_another_state_fails(
    autostack: AutoStack, standin: StandIn
) -> None:
    async with client_for(autostack) as http:
        callback = await start(http, "github")
    async with client_for(autostack) as stranger:
        assert (await finish(stranger, callback)).status_code == 400
    async with client_for(autostack) as http:
        await start(http, "github")
        response = await finish(http, callback)  # another browser's code and state
        assert response.status_code == 400
        assert "not valid" in response.text
        assert (await http.get("/api/v1/user")).status_code == 401
    assert not await UserIdentity.exists(host="github", external_id="583231")


async def test_a_replayed_callback_does_not_sign_in_again(
    autostack: AutoStack, standin: StandIn
) -> None:
    async with client_for(autostack) as http:
        callback = await start(http, "github")
        flow_cookie = http.cookies["autostack_oauth"]
        assert (await finish(http, callback)).status_code == 303
    async with client_for(autostack) as thief:
        thief.cookies.set("autostack_oauth", flow_cookie)
        response = await finish(thief, callback)
        assert response.status_code == 400
        assert "incorrect or expired" in response.text
        assert (await thief.get("/api/v1/user")).status_code == 401


async def test_the_provider_refusing_is_shown(autostack: AutoStack, standin: StandIn) -> None:
    async with client_for(autostack) as http:
        callback = await start(http, "github")
        denied = callback.split("?")[0] + "?error=access_denied&error_description=" \
            "The+user+has+denied+your+application+access.&state=" \
            + parse_qs(urlsplit(callback).query)["state"][0]
        response = await finish(http, denied)
    assert response.status_code == 400
    assert "denied your application access" in response.text


async def test_google_login_verifies_the_id_token_and_creates_the_user(
    autostack: AutoStack, standin: StandIn
) -> None:
    standin.approving = Account(id=1234, login="", email="grace@example.com", name="Grace")
    async with client_for(autostack) as http:
        begin = await http.get("/auth/google/login")
        query = parse_qs(urlsplit(begin.headers["location"]).query)
        assert query["scope"] == ["openid email profile"] and query["nonce"]
        done = await sign_in(http, "google")
        assert done.status_code == 303, done.text
        me = (await http.get("/api/v1/user")).json()["user"]
    assert me["email"] == "grace@example.com" and me["name"] == "Grace"
    assert "GET /google/oauth2/v3/certs" in standin.requests


async def test_google_login_refuses_an_unverified_email(
    autostack: AutoStack, standin: StandIn
) -> None:
    standin.approving = Account(id=1234, login="", email="eve@example.com", email_verified=False)
    async with client_for(autostack) as http:
        response = await sign_in(http, "google")
    assert response.status_code == 400
    assert "verified email" in response.text
    assert not await User.exists(email="eve@example.com")


async def test_an_id_token_signed_by_another_key_is_refused(
    autostack: AutoStack, standin: StandIn
) -> None:
    standin.approving = Account(id=1234, login="", email="grace@example.com")
    standin.published = RSAKey.generate_key(2048, parameters={"kid": standin.key.kid})
    async with client_for(autostack) as http:
        response = await sign_in(http, "google")
    assert response.status_code == 400
    assert "did not verify" in response.text
    assert not await User.exists(email="grace@example.com")


async def test_unconfigured_provider_is_404(autostack: AutoStack) -> None:
    async with client_for(autostack) as http:
        response = await http.get("/auth/gitlab/login")
    assert response.status_code == 404
