"""``/api/v1/edge/wildcard-certificate``: server admins only, 409 when there is none to renew."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Role, User
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

STATE = "/api/v1/edge/wildcard-certificate"
RENEW = f"{STATE}/renew"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admins=("owner@example.com",))


async def test_only_server_admins_see_or_renew_it(autostack: AutoStack, api: httpx.AsyncClient,
                                                  owner: User) -> None:
    team = await personal_team(owner)
    member = await add_user(team, "admin-of-a-team@example.com", Role.ADMIN)
    async with client_for(autostack, await token_for(member)) as other:
        for method, path in (("GET", STATE), ("POST", RENEW)):
            response = await other.request(method, path)
            assert response.status_code == 403
            assert "AUTOSTACK_ADMINS" in response.json()["error"]["message"]
    async with client_for(autostack) as anonymous:
        assert (await anonymous.get(STATE)).status_code == 401
    state = (await api.get(STATE)).json()
    assert (state["enabled"], state["status"]) == (False, "none")
    refused = await api.post(RENEW)
    assert refused.status_code == 409 and "AUTOSTACK_DNS_HOST" in refused.text


async def test_a_renewal_is_queued_and_the_state_is_pending(
    autostack: AutoStack, api: httpx.AsyncClient,
) -> None:
    autostack.settings = replace(autostack.settings, base_domain="apps.example.test",
                                 dns_host="challtestsrv",
                                 dns_host_config={"token": "hunter2"})
    queued = await api.post(RENEW)
    assert queued.status_code == 202
    body = queued.json()
    assert body["queued"] is True and body["status"] == "pending"
    assert body["names"] == ["*.apps.example.test", "apps.example.test"]
    assert body["dns_host"] == "challtestsrv" and "hunter2" not in queued.text
    pending = autostack.queue.huey.pending()
    assert [task.name for task in pending] == ["renew_wildcard_certificate"]
    assert pending[0].args == (True,)
