"""Account abuse: e-mail enumeration by timing, rate limits, and a lockout that cannot lock
the right user out.

Clients at different addresses are in-process clients whose ASGI scope carries
that address, as uvicorn reports the peer. Time passing is the audit events'
timestamps moved back, not a sleep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import argon2
import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, User
from autostack_core.security import accounts, throttle
from tests.fixtures_auth import PASSWORD, api, owner
from tests.web_fixtures import signed_in

__all__ = ["api", "owner", "signed_in"]

ATTACKER, USER = "203.0.113.7", "198.51.100.20"


def at(autostack: AutoStack, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=autostack.asgi(), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def attacker(autostack: AutoStack) -> AsyncIterator[httpx.AsyncClient]:
    async with at(autostack, ATTACKER) as http:
        yield http


@pytest.fixture
async def user_client(autostack: AutoStack) -> AsyncIterator[httpx.AsyncClient]:
    async with at(autostack, USER) as http:
        yield http


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each argon2 verification the server runs (the real one runs too)."""
    calls: list[str] = []
    real = argon2.PasswordHasher.verify

    def counting(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        calls.append("verify")
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    yield calls


async def age(seconds: float, **match: object) -> None:
    """Make the matching audit events ``seconds`` older (time passing)."""
    for event in await AuditEvent.filter(**match):
        await AuditEvent.filter(id=event.id).update(
            created_at=event.created_at - timedelta(seconds=seconds))


def login(email: str, password: str = "wrong password") -> dict[str, str]:
    return {"email": email, "password": password}


def signup(email: str) -> dict[str, str]:
    """A sign-up that answers a token, not a session cookie (which would want CSRF)."""
    return {"email": email, "password": PASSWORD, "token_name": "cli"}


async def test_unknown_emails_pay_the_password_hash(
    attacker: httpx.AsyncClient, owner: User, hashes: list[str]
) -> None:
    wrong = await attacker.post("/api/v1/auth/login", json=login(owner.email))
    assert len(hashes) == 1
    unknown = await attacker.post("/api/v1/auth/login", json=login("nobody@example.com"))
    assert len(hashes) == 2, "an unknown e-mail must cost the same argon2 hash"
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


async def test_accounts_without_a_password_pay_the_hash_too(
    attacker: httpx.AsyncClient, hashes: list[str]
) -> None:
    await accounts.create_user("github-only@example.com", None)
    answer = await attacker.post("/api/v1/auth/login", json=login("github-only@example.com"))
    assert answer.status_code == 401 and len(hashes) == 1


def test_the_login_backoff_doubles_up_to_an_hour() -> None:
    free = throttle.LOGIN_FREE_FAILURES
    assert throttle.login_backoff(free - 1) == timedelta(0)
    assert throttle.login_backoff(free) == throttle.LOGIN_BACKOFF
    assert throttle.login_backoff(free + 1) == 2 * throttle.LOGIN_BACKOFF
    assert throttle.login_backoff(free + 10_000) == throttle.LOGIN_BACKOFF_MAX


async def test_failed_logins_back_off_progressively(
    attacker: httpx.AsyncClient, owner: User
) -> None:
    for _ in range(throttle.LOGIN_FREE_FAILURES):
        assert (await attacker.post("/api/v1/auth/login", json=login(owner.email))) \
            .status_code == 401
    held = await attacker.post("/api/v1/auth/login", json=login(owner.email))
    assert held.status_code == 429 and held.json()["error"]["code"] == "rate_limited"
    assert 0 < int(held.headers["retry-after"]) <= 31

    await age(31, action="auth.login_failed")
    assert (await attacker.post("/api/v1/auth/login", json=login(owner.email))) \
        .status_code == 401
    longer = await attacker.post("/api/v1/auth/login", json=login(owner.email))
    assert longer.status_code == 429 and 31 < int(longer.headers["retry-after"]) <= 61


async def test_an_attacker_cannot_lock_the_user_out(
    attacker: httpx.AsyncClient, user_client: httpx.AsyncClient, owner: User
) -> None:
    for _ in range(throttle.LOGIN_FREE_FAILURES + 1):
        answer = await attacker.post("/api/v1/auth/login", json=login(owner.email))
    assert answer.status_code == 429
    # Even the right password is held back at the attacker's address ...
    right = login(owner.email, PASSWORD)
    assert (await attacker.post("/api/v1/auth/login", json=right)).status_code == 429
    # ... while the user, from their own address, signs in.
    assert (await user_client.post("/api/v1/auth/login", json=right)).status_code == 200


async def test_many_emails_from_one_address_are_limited(
    attacker: httpx.AsyncClient, user_client: httpx.AsyncClient, owner: User
) -> None:
    for number in range(throttle.ADDRESS_FAILURE_LIMIT):
        await AuditEvent.create(action="auth.login_failed", target_type="email",
                                target_id=accounts.sha256_hex(f"u{number}@example.com"),
                                ip=ATTACKER)
    held = await attacker.post("/api/v1/auth/login", json=login("another@example.com"))
    assert held.status_code == 429 and held.json()["error"]["field"] == "email"
    assert 0 < int(held.headers["retry-after"]) <= 15 * 60 + 1
    assert (await user_client.post("/api/v1/auth/login", json=login(owner.email, PASSWORD))) \
        .status_code == 200
    await age(15 * 60, ip=ATTACKER)
    assert (await attacker.post("/api/v1/auth/login", json=login("another@example.com"))) \
        .status_code == 401


async def test_signups_from_one_address_are_limited(
    attacker: httpx.AsyncClient, user_client: httpx.AsyncClient
) -> None:
    for number in range(throttle.SIGNUP_LIMIT):
        made = await attacker.post("/api/v1/auth/signup", json=signup(f"s{number}@example.com"))
        assert made.status_code == 201, made.text
    held = await attacker.post("/api/v1/auth/signup", json=signup("one-more@example.com"))
    assert held.status_code == 429 and 0 < int(held.headers["retry-after"]) <= 3601
    assert not await User.exists(email="one-more@example.com")
    elsewhere = await user_client.post("/api/v1/auth/signup", json=signup("one-more@example.com"))
    assert elsewhere.status_code == 201


async def test_the_signup_page_answers_429_with_retry_after(
    attacker: httpx.AsyncClient
) -> None:
    for _ in range(throttle.SIGNUP_LIMIT):
        await AuditEvent.create(action="user.signup", ip=ATTACKER)
    page = await attacker.get("/signup")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    held = await attacker.post("/signup", data={"email": "x@example.com", "password": PASSWORD,
                                                "name": "X", "csrf_token": csrf})
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    assert "too many sign-ups" in held.text


async def test_token_creation_is_limited(api: httpx.AsyncClient, owner: User) -> None:
    for number in range(throttle.TOKEN_LIMIT):
        created = await api.post("/api/v1/tokens", json={"name": f"t{number}"})
        assert created.status_code == 201, created.text
    held = await api.post("/api/v1/tokens", json={"name": "one more"})
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    assert held.json()["error"]["field"] == "name"


async def test_the_account_page_answers_429_with_retry_after(
    signed_in: tuple[httpx.AsyncClient, str], owner: User
) -> None:
    http, csrf = signed_in
    for _ in range(throttle.TOKEN_LIMIT):
        await accounts.audit("token.created", user=owner)
    held = await http.post("/account/tokens", data={"token_name": "laptop", "csrf_token": csrf})
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    assert "too many new API tokens" in held.text
