"""Path parameters: every route answers bad input with a 4xx that names the parameter.

Ids are 32-bit columns and names have a column length; a value beyond either
cannot name anything, and must never reach the database (which answered 500).
A method a path does not have gets 405 with every method it has in ``Allow``.
"""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures_auth import api, owner

__all__ = ["api", "owner"]

BEYOND_64_BITS = str(2**63)
BEYOND_32_BITS = str(2**31)  # SQLite stores it; PostgreSQL's SERIAL refused it with a 500
TOO_LONG = "a" * 300


async def make_project(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/projects", json={"name": "alpha"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("method", "path", "field"), [
    ("DELETE", f"/api/v1/tokens/{BEYOND_64_BITS}", "id"),
    ("PATCH", f"/api/v1/projects/alpha/env/{BEYOND_64_BITS}", "id"),
    ("DELETE", f"/api/v1/projects/alpha/env/{BEYOND_64_BITS}", "id"),
    ("DELETE", f"/api/v1/projects/alpha/deploy-hooks/{BEYOND_64_BITS}", "id"),
    ("DELETE", f"/api/v1/projects/alpha/notifiers/{BEYOND_64_BITS}", "index"),
    ("DELETE", f"/api/v1/teams/olivia/invitations/{BEYOND_64_BITS}", "id"),
    ("PATCH", f"/api/v1/teams/olivia/members/{BEYOND_64_BITS}", "user_id"),
    ("DELETE", f"/api/v1/teams/olivia/members/{BEYOND_64_BITS}", "user_id"),
    ("DELETE", f"/api/v1/teams/olivia/dns-zones/{BEYOND_64_BITS}", "id"),
    ("DELETE", f"/api/v1/tokens/{BEYOND_32_BITS}", "id"),
    ("PATCH", f"/api/v1/projects/alpha/env/{BEYOND_32_BITS}", "id"),
    ("DELETE", f"/api/v1/projects/alpha/deploy-hooks/{BEYOND_32_BITS}", "id"),
    ("DELETE", f"/api/v1/teams/olivia/invitations/{BEYOND_32_BITS}", "id"),
    ("PATCH", f"/api/v1/teams/olivia/members/{BEYOND_32_BITS}", "user_id"),
    ("DELETE", f"/api/v1/teams/olivia/dns-zones/{BEYOND_32_BITS}", "id"),
])
async def test_ids_beyond_their_column_are_404_naming_the_parameter(
    api: httpx.AsyncClient, method: str, path: str, field: str
) -> None:
    await make_project(api)
    body = {"value": "x"} if "/env/" in path else {"role": "member"}
    response = await api.request(method, path, json=body if method == "PATCH" else None)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(("method", "path", "field"), [
    ("GET", f"/api/v1/projects/{TOO_LONG}", "name"),
    ("GET", f"/api/v1/projects/{TOO_LONG}/env", "name"),
    ("GET", f"/api/v1/projects/{TOO_LONG}/deployments", "name"),
    ("GET", f"/api/v1/projects/{TOO_LONG}/events", "name"),
    ("GET", f"/api/v1/teams/{TOO_LONG}", "slug"),
    ("GET", f"/api/v1/teams/{TOO_LONG}/members", "slug"),
    ("GET", f"/api/v1/teams/{TOO_LONG}/events", "slug"),
    ("GET", f"/api/v1/deployments/{TOO_LONG}", "id"),
    ("GET", f"/api/v1/deployments/{TOO_LONG}/runtime-logs", "id"),
    ("GET", f"/api/v1/projects/alpha/domains/{TOO_LONG}", "domain"),
])
async def test_names_longer_than_their_column_are_404_naming_the_parameter(
    api: httpx.AsyncClient, method: str, path: str, field: str
) -> None:
    await make_project(api)
    response = await api.request(method, path)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["field"] == field


async def test_a_method_the_path_lacks_is_405_with_every_allowed_method(
    api: httpx.AsyncClient,
) -> None:
    await make_project(api)
    response = await api.put("/api/v1/projects/alpha", json={})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert allowed == {"GET", "HEAD", "PATCH", "DELETE"}


async def test_allow_names_the_literal_route_over_a_parameter_one(
    api: httpx.AsyncClient,
) -> None:
    """``files/missing`` (POST) is also matched by ``files/{sha}`` (PUT)."""
    await make_project(api)
    response = await api.request("OPTIONS", "/api/v1/projects/alpha/files/missing")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_bodies_are_read_strictly_and_deep_nesting_is_400(api: httpx.AsyncClient) -> None:
    """Found by schemathesis: lax conversion accepted ``false`` as a redirect status."""
    wrong_type = await api.post("/api/v1/tokens", json={"name": "t", "expires_in_days": "5"})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["error"]["field"] == "expires_in_days"
    nested = await api.post("/api/v1/tokens", content=b'{"name": ' + b"[" * 100_000 +
                            b"]" * 100_000 + b"}", headers={"content-type": "application/json"})
    assert nested.status_code in (400, 413), nested.text


async def test_a_rollback_to_a_too_long_id_is_404(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/alpha/rollback", json={"deployment": TOO_LONG})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "deployment"


async def test_put_on_files_missing_is_405_not_a_bad_digest(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.put("/api/v1/projects/alpha/files/missing", content=b"x")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
