"""The file store is scoped per team: credit for hashes, the storage quota, the size limit.

Team A (``owner``) uploads a file; team B (another user's personal team)
knows its hash. Before the scoping, B's "which files are missing" answer
left A's hash out, and B could deploy A's file by hash without having it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, DeploymentState, TeamBlob, User
from autostack_core.infrastructure.store import Store
from autostack_core.security import accounts
from autostack_core.services import team_files
from autostack_core.services.retention import collect_garbage
from tests.fixtures_auth import PASSWORD, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

SECRET = b"team A's private build of something\n"
SECRET_SHA = hashlib.sha256(SECRET).hexdigest()


@pytest.fixture
async def intruder(autostack: AutoStack) -> AsyncIterator[httpx.AsyncClient]:
    """Team B: another user, with a project of its own."""
    user = await accounts.create_user("mallory@example.com", PASSWORD)
    async with client_for(autostack, await token_for(user)) as http:
        assert (await http.post("/api/v1/projects", json={"name": "b-site"})).status_code == 201
        yield http


async def make_project(http: httpx.AsyncClient, name: str) -> None:
    assert (await http.post("/api/v1/projects", json={"name": name})).status_code == 201


async def upload(http: httpx.AsyncClient, project: str, data: bytes) -> httpx.Response:
    digest = hashlib.sha256(data).hexdigest()
    return await http.put(f"/api/v1/projects/{project}/files/{digest}", content=data)


def listing(sha: str, size: int, count: int = 1, mode: int = 0o644) -> dict:
    return {"files": [{"file": f"f{index}.html", "sha": sha, "size": size, "mode": mode}
                      for index in range(count)]}


async def test_another_teams_hash_is_missing_and_cannot_be_deployed_until_uploaded(
    api: httpx.AsyncClient, intruder: httpx.AsyncClient
) -> None:
    await make_project(api, "a-site")
    assert (await upload(api, "a-site", SECRET)).status_code == 201
    asked = await api.post("/api/v1/projects/a-site/files/missing", json={"sha256": [SECRET_SHA]})
    assert asked.json() == {"missing": []}

    asked = await intruder.post("/api/v1/projects/b-site/files/missing",
                                json={"sha256": [SECRET_SHA]})
    assert asked.json() == {"missing": [SECRET_SHA]}
    refused = await intruder.post("/api/v1/projects/b-site/deployments",
                                  json=listing(SECRET_SHA, len(SECRET)))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "missing_files" and error["field"] == "files.0.sha"
    assert "f0.html" in error["message"] and SECRET_SHA in error["message"]
    assert await Deployment.all().count() == 0

    assert (await upload(intruder, "b-site", SECRET)).status_code == 201
    created = await intruder.post("/api/v1/projects/b-site/deployments",
                                  json=listing(SECRET_SHA, len(SECRET)))
    assert created.status_code == 201, created.text


async def test_uploading_needs_a_project_the_user_may_deploy(
    api: httpx.AsyncClient, intruder: httpx.AsyncClient
) -> None:
    await make_project(api, "a-site")
    response = await upload(intruder, "a-site", SECRET)
    assert response.status_code == 404
    asked = await intruder.post("/api/v1/projects/a-site/files/missing",
                                json={"sha256": [SECRET_SHA]})
    assert asked.status_code == 404


async def test_the_listed_size_must_be_the_uploaded_size(api: httpx.AsyncClient) -> None:
    """Sizes come from the upload: a list saying 0 bytes cannot dodge the size limit."""
    await make_project(api, "a-site")
    await upload(api, "a-site", SECRET)
    response = await api.post("/api/v1/projects/a-site/deployments", json=listing(SECRET_SHA, 0))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "files.0.size"
    assert f"is {len(SECRET)} bytes, not 0" in response.json()["error"]["message"]


async def test_a_deployment_over_the_size_limit_is_refused_naming_it(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    object.__setattr__(autostack.settings, "max_deployment_bytes", 100 * len(SECRET))
    await make_project(api, "a-site")
    await upload(api, "a-site", SECRET)
    response = await api.post("/api/v1/projects/a-site/deployments",
                              json=listing(SECRET_SHA, len(SECRET), count=101))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "deployment_too_large" and error["field"] == "files"
    assert f"deployment size limit of {100 * len(SECRET)} bytes" in error["message"]
    assert await Deployment.all().count() == 0


async def test_an_upload_past_the_team_quota_is_refused_and_not_stored(
    autostack: AutoStack, owner: User
) -> None:
    object.__setattr__(autostack.settings, "team_storage_quota_bytes", 1000)
    store = Store.from_settings(autostack.settings)
    team = await personal_team(owner)
    async with client_for(autostack, await token_for(owner)) as http:
        await make_project(http, "a-site")
        assert (await upload(http, "a-site", b"a" * 600)).status_code == 201
        again = await upload(http, "a-site", b"a" * 600)
        assert again.status_code == 201, "a file the team has costs nothing again"
        refused = await upload(http, "a-site", b"b" * 600)
    assert refused.status_code == 413
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "storage quota of 1000 bytes" in error["message"]
    assert not store.has(hashlib.sha256(b"b" * 600).hexdigest())
    assert await team_files.stored_bytes(team.id) == 600
    assert list(store.tmp.iterdir()) == []
    async with client_for(autostack, await token_for(owner)) as http:
        shown = await http.get(f"/api/v1/teams/{team.slug}")
    assert shown.json()["storage"] == {"used_bytes": 600, "quota_bytes": 1000}


async def test_a_streamed_upload_past_the_quota_stops_while_reading(
    autostack: AutoStack, owner: User
) -> None:
    object.__setattr__(autostack.settings, "team_storage_quota_bytes", 100_000)
    data = b"c" * 1_000_000
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        for start in range(0, len(data), 10_000):
            pulled += 10_000
            yield data[start:start + 10_000]

    async with client_for(autostack, await token_for(owner)) as http:
        await make_project(http, "a-site")
        digest = hashlib.sha256(data).hexdigest()
        response = await http.put(f"/api/v1/projects/a-site/files/{digest}", content=body())
    assert response.status_code == 413
    assert pulled <= 110_000


async def test_gc_drops_credit_for_files_no_deployment_keeps(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    team = await personal_team(owner)
    await make_project(api, "a-site")
    await upload(api, "a-site", SECRET)
    created = await api.post("/api/v1/projects/a-site/deployments",
                             json=listing(SECRET_SHA, len(SECRET)))
    old = datetime.now(UTC) - timedelta(hours=1)
    await TeamBlob.all().update(stored_at=old)

    await collect_garbage(autostack)
    assert await team_files.credited(team.id, [SECRET_SHA]) == {SECRET_SHA: len(SECRET)}, \
        "a queued deployment's upload keeps its credit"

    await Deployment.filter(id=created.json()["id"]).update(state=DeploymentState.ERROR)
    report = await collect_garbage(autostack)
    assert report.team_files_removed == 1
    assert await team_files.stored_bytes(team.id) == 0
    asked = await api.post("/api/v1/projects/a-site/files/missing", json={"sha256": [SECRET_SHA]})
    assert asked.json() == {"missing": [SECRET_SHA]}
