"""Environment variables API: sealed values, environments, decrypt rules, roles."""

from __future__ import annotations

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import AuditEvent, EnvironmentVariable, Role, User
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

ENV = "/api/v1/projects/site/env"


async def make_site(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201


async def test_add_to_several_environments_stores_sealed_values(api: httpx.AsyncClient) -> None:
    await make_site(api)
    created = await api.post(ENV, json={"key": "API_KEY", "value": "s3cret",
                                        "environments": ["production", "preview"]})
    assert created.status_code == 201
    assert [v["environment"] for v in created.json()["env"]] == ["production", "preview"]
    assert "value" not in created.json()["env"][0]
    row = await EnvironmentVariable.filter(key="API_KEY").first()
    assert row is not None and "s3cret" not in row.value_sealed and row.value == "s3cret"
    event = await AuditEvent.get(action="env.created")
    assert "s3cret" not in str(event.data)


async def test_list_hides_values_unless_decrypt(api: httpx.AsyncClient) -> None:
    await make_site(api)
    await api.post(ENV, json={"key": "TOKEN", "value": "abc", "environment": "production"})
    hidden = await api.get(ENV)
    shown = await api.get(f"{ENV}?decrypt=1")
    assert "value" not in hidden.json()["env"][0]
    assert shown.json()["env"][0]["value"] == "abc"


async def test_default_is_every_environment_and_duplicates_conflict(
    api: httpx.AsyncClient,
) -> None:
    await make_site(api)
    created = await api.post(ENV, json={"key": "A", "value": "1"})
    assert len(created.json()["env"]) == 3
    again = await api.post(ENV, json={"key": "A", "value": "2", "environment": "preview"})
    assert again.status_code == 409 and again.json()["error"]["field"] == "key"


async def test_invalid_keys_and_environments_are_422(api: httpx.AsyncClient) -> None:
    await make_site(api)
    for key in ("1ABC", "MY-KEY", "A B", ""):
        response = await api.post(ENV, json={"key": key, "value": "x"})
        assert response.status_code == 422 and response.json()["error"]["field"] == "key"
    bad_env = await api.post(ENV, json={"key": "A", "value": "x", "environment": "staging"})
    assert bad_env.status_code == 422 and bad_env.json()["error"]["field"] == "environment"
    assert not await EnvironmentVariable.exists()


async def test_change_and_delete(api: httpx.AsyncClient) -> None:
    await make_site(api)
    created = await api.post(ENV, json={"key": "A", "value": "1", "environment": "development"})
    variable_id = created.json()["env"][0]["id"]
    assert (await api.patch(f"{ENV}/{variable_id}", json={"value": "2"})).status_code == 200
    assert (await EnvironmentVariable.get(id=variable_id)).value == "2"
    assert (await api.delete(f"{ENV}/{variable_id}")).status_code == 204
    assert (await api.delete(f"{ENV}/{variable_id}")).status_code == 404


async def test_viewers_read_keys_only(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    await make_site(api)
    await api.post(ENV, json={"key": "A", "value": "1"})
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get(ENV)).status_code == 200
        assert (await http.get(f"{ENV}?decrypt=1")).status_code == 403
        assert (await http.post(ENV, json={"key": "B", "value": "2"})).status_code == 403


async def test_strangers_get_404(autostack: AutoStack, api: httpx.AsyncClient) -> None:
    await make_site(api)
    from autostack_core.security import accounts

    stranger = await accounts.create_user("stranger@example.com", "correct horse battery")
    async with client_for(autostack, await token_for(stranger)) as http:
        assert (await http.get(ENV)).status_code == 404
