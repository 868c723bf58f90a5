"""Fixtures for signed-in clients; import the ones a test module uses.

``owner`` is a user with a personal team, ``api`` an HTTP client sending the
owner's API token, ``browser`` an HTTP client signed in with a session cookie
(its CSRF token in ``browser.csrf``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Role, Team, TeamMember, User
from autostack_core.security import accounts

PASSWORD = "correct horse battery"


@dataclass
class Browser:
    http: httpx.AsyncClient
    csrf: str


def client_for(autostack: AutoStack, token: str | None = None) -> httpx.AsyncClient:
    """A new in-process client, with a Bearer token if given (close it yourself)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=autostack.asgi())
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


async def token_for(user: User) -> str:
    _, raw = await accounts.create_api_token(user, "tests")
    return raw


async def personal_team(user: User) -> Team:
    return await Team.get(owner=user, is_personal=True)


async def add_user(team: Team, email: str, role: Role) -> User:
    user = await accounts.create_user(email, PASSWORD)
    await TeamMember.create(team=team, user=user, role=role)
    return user


@pytest.fixture
async def owner(autostack: AutoStack) -> User:
    return await accounts.create_user("owner@example.com", PASSWORD, "Olivia")


@pytest.fixture
async def api(autostack: AutoStack, owner: User) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(autostack, await token_for(owner)) as http:
        yield http


@pytest.fixture
async def browser(autostack: AutoStack, owner: User) -> AsyncIterator[Browser]:
    async with client_for(autostack) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"email": owner.email, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        yield Browser(http, response.json()["csrf_token"])
