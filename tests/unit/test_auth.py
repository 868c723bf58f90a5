"""Authentication: tokens (Bearer, Basic), session cookies, CSRF, login rate limit."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import ApiToken, AuditEvent, User, UserSession
from autostack_core.security import accounts, throttle
from autostack_core.security.auth import cookie_name, signer, token_from_authorization
from autostack_core.security.crypto import Keyring, generate_key
from tests.fixtures_auth import PASSWORD, Browser, api, browser, client_for, owner, token_for

__all__ = ["api", "browser", "owner"]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_token_from_authorization_reads_bearer_and_basic() -> None:
    assert token_from_authorization("Bearer abc") == "abc"
    assert token_from_authorization(basic("git", "tok")) == "tok"
    assert token_from_authorization(basic("tok", "")) == "tok"
    assert token_from_authorization("Basic !!!") is None
    assert token_from_authorization("Digest x") is None


async def test_anonymous_request_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/user")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_bearer_token_authenticates_and_is_touched(
    api: httpx.AsyncClient, owner: User
) -> None:
    response = await api.get("/api/v1/user")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "owner@example.com"
    token = await ApiToken.get(user=owner)
    assert token.last_used_at is not None
    assert len(token.token_hash) == 64 and token.prefix.startswith("ast_")


async def test_basic_auth_with_a_token_as_password(autostack: AutoStack, owner: User) -> None:
    raw = await token_for(owner)
    async with client_for(autostack) as http:
        good = await http.get("/api/v1/user", headers={"Authorization": basic("git", raw)})
        bad = await http.get("/api/v1/user", headers={"Authorization": basic("git", "nope")})
    assert good.status_code == 200
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Basic")


async def test_wrong_or_expired_token_is_401(autostack: AutoStack, owner: User) -> None:
    raw = await token_for(owner)
    await ApiToken.filter(user=owner).update(expires_at=accounts.now() - timedelta(seconds=1))
    async with client_for(autostack, raw) as expired, client_for(autostack, "ast_x") as wrong:
        assert (await expired.get("/api/v1/user")).status_code == 401
        assert (await wrong.get("/api/v1/user")).status_code == 401


async def test_login_sets_a_hardened_session_cookie(autostack: AutoStack, owner: User) -> None:
    async with client_for(autostack) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"email": "OWNER@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("autostack_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        me = await http.get("/api/v1/user")
    assert me.json()["user"]["id"] == owner.id
    session = await UserSession.get(user=owner)
    assert session.key_hash not in cookie  # only the hash is stored, the cookie has the key


def test_secure_cookies_under_https() -> None:
    settings = Settings(public_url="https://autostack.example.com")
    assert settings.secure_cookies
    assert cookie_name(settings) == "__Host-autostack_session"


def test_cookie_signer_accepts_old_keys_after_rotation() -> None:
    old, new = generate_key(), generate_key()
    cookie = signer(Keyring([old])).dumps("key")
    assert signer(Keyring([new, old])).loads(cookie) == "key"
    assert signer(Keyring([new])).dumps("key") != cookie


async def test_forged_cookie_is_anonymous(autostack: AutoStack) -> None:
    async with client_for(autostack) as http:
        http.cookies.set("autostack_session", "forged.value.sig")
        assert (await http.get("/api/v1/user")).status_code == 401


async def test_expired_session_is_anonymous(browser: Browser, owner: User) -> None:
    await UserSession.filter(user=owner).update(expires_at=accounts.now() - timedelta(seconds=1))
    assert (await browser.http.get("/api/v1/user")).status_code == 401


async def test_cookie_requests_need_the_csrf_token(browser: Browser) -> None:
    body = {"name": "cli"}
    missing = await browser.http.post("/api/v1/tokens", json=body)
    wrong = await browser.http.post("/api/v1/tokens", json=body,
                                    headers={"X-CSRF-Token": "0" * 64})
    right = await browser.http.post("/api/v1/tokens", json=body,
                                    headers={"X-CSRF-Token": browser.csrf})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert missing.json()["error"] == {
        "code": "csrf_failed", "field": "csrf_token",
        "message": missing.json()["error"]["message"],
    }
    assert right.status_code == 201


async def test_token_requests_need_no_csrf_token(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/tokens", json={"name": "ci"})).status_code == 201


async def test_logout_ends_the_session(browser: Browser, owner: User) -> None:
    response = await browser.http.post("/api/v1/auth/logout",
                                       headers={"X-CSRF-Token": browser.csrf})
    assert response.status_code == 204
    assert not await UserSession.exists(user=owner)
    assert (await browser.http.get("/api/v1/user")).status_code == 401


async def test_logout_with_a_token_revokes_it(api: httpx.AsyncClient, owner: User) -> None:
    assert (await api.post("/api/v1/auth/logout")).status_code == 204
    assert not await ApiToken.exists(user=owner)
    assert (await api.get("/api/v1/user")).status_code == 401


async def test_login_is_rate_limited_per_email_and_address(
    client: httpx.AsyncClient, owner: User
) -> None:
    wrong = {"email": owner.email, "password": "wrong password"}
    for _ in range(throttle.LOGIN_FREE_FAILURES):
        assert (await client.post("/api/v1/auth/login", json=wrong)).status_code == 401
    right = {"email": owner.email, "password": PASSWORD}
    limited = await client.post("/api/v1/auth/login", json=right)
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    assert limited.json()["error"]["code"] == "rate_limited"
    await AuditEvent.filter(action="auth.login_failed").update(
        created_at=accounts.now() - timedelta(minutes=16)
    )
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_success_resets_the_failure_count(client: httpx.AsyncClient, owner: User) -> None:
    wrong = {"email": owner.email, "password": "wrong password"}
    right = {"email": owner.email, "password": PASSWORD}
    for _ in range(throttle.LOGIN_FREE_FAILURES - 1):
        await client.post("/api/v1/auth/login", json=wrong)
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200
    client.cookies.clear()
    for _ in range(throttle.LOGIN_FREE_FAILURES - 1):
        await client.post("/api/v1/auth/login", json=wrong)
    assert (await client.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_unknown_email_and_wrong_password_look_the_same(
    client: httpx.AsyncClient, owner: User
) -> None:
    unknown = await client.post("/api/v1/auth/login",
                                json={"email": "nobody@example.com", "password": PASSWORD})
    wrong = await client.post("/api/v1/auth/login",
                              json={"email": owner.email, "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_the_hash_verified_for_a_user_without_one_takes_a_real_ones_time() -> None:
    # A literal since issue 19 (hashing it at import slowed every start): same parameters
    # as the hasher's, so a login as an unknown user takes as long as a wrong password.
    assert not accounts._hasher.check_needs_rehash(accounts._DUMMY_HASH)
    assert accounts._hasher.verify(accounts._DUMMY_HASH, "autostack timing equaliser")
    assert not accounts.verify_password(None, "autostack timing equaliser")
