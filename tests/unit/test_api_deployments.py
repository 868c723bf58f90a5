"""The deployments and uploads API: validation, authorization, cancel, logs, rollback rules.

Deployments are created through the API; no consumer runs here, so they stay
queued unless a test moves them (the pipeline itself is tested end to end).
"""

from __future__ import annotations

import hashlib

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentLog,
    DeploymentState,
    Role,
    User,
)
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]

INDEX = b"<h1>hello</h1>\n"
INDEX_SHA = hashlib.sha256(INDEX).hexdigest()


async def make_project(api: httpx.AsyncClient, name: str = "site") -> None:
    response = await api.post("/api/v1/projects", json={"name": name})
    assert response.status_code == 201, response.text


async def upload(api: httpx.AsyncClient, data: bytes, project: str = "site") -> httpx.Response:
    return await api.put(f"/api/v1/projects/{project}/files/{hashlib.sha256(data).hexdigest()}",
                         content=data)


def files(path: str = "index.html", sha: str = INDEX_SHA) -> dict:
    return {"files": [{"file": path, "sha": sha, "size": len(INDEX)}]}


async def test_missing_lists_only_files_not_uploaded(api: httpx.AsyncClient) -> None:
    other = hashlib.sha256(b"other").hexdigest()
    await make_project(api)
    assert (await upload(api, INDEX)).status_code == 201
    response = await api.post("/api/v1/projects/site/files/missing",
                              json={"sha256": [INDEX_SHA, other]})
    assert response.json() == {"missing": [other]}


async def test_upload_with_a_wrong_digest_is_refused(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.put(f"/api/v1/projects/site/files/{INDEX_SHA}",
                             content=b"something else")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "sha"
    missing = await api.post("/api/v1/projects/site/files/missing",
                             json={"sha256": [INDEX_SHA]})
    assert missing.json()["missing"] == [INDEX_SHA]


async def test_oversized_upload_is_413(autostack: AutoStack, owner: User) -> None:
    object.__setattr__(autostack.settings, "max_upload_bytes", 1000)
    async with client_for(autostack, await token_for(owner)) as http:
        await make_project(http)
        data = b"x" * 1001
        response = await upload(http, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_uploads_need_authentication(autostack: AutoStack) -> None:
    async with client_for(autostack) as anonymous:
        response = await upload(anonymous, INDEX)
    assert response.status_code == 401


@pytest.mark.parametrize(("path", "why"), [
    ("../etc/passwd", ".."),
    ("/etc/passwd", "absolute"),
    ("a/../../b", ".."),
    ("a\\b", "backslash"),
    ("x" * 256, "255 bytes"),
    ("é" * 128 + "/index.html", "255 bytes"),
])
async def test_unsafe_paths_are_refused_and_nothing_is_created(
    api: httpx.AsyncClient, path: str, why: str
) -> None:
    await make_project(api)
    await upload(api, INDEX)
    response = await api.post("/api/v1/projects/site/deployments", json=files(path))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "files.0.file"
    assert why in response.json()["error"]["message"]
    assert await Deployment.all().count() == 0


@pytest.mark.parametrize("paths", [["a", "a/b"], ["a/b/c", "a/b"], ["x", "a/b", "a"]])
async def test_a_path_that_is_a_file_and_a_folder_is_refused(
    api: httpx.AsyncClient, paths: list[str]
) -> None:
    """Accepted before, then the build failed with an error quoting server paths."""
    await make_project(api)
    await upload(api, INDEX)
    entries = [{"file": path, "sha": INDEX_SHA, "size": len(INDEX)} for path in paths]
    response = await api.post("/api/v1/projects/site/deployments", json={"files": entries})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == f"files.{len(paths) - 1}.file"
    assert "both a file and a folder" in error["message"]
    assert await Deployment.all().count() == 0


async def test_files_not_uploaded_yet_are_named(api: httpx.AsyncClient) -> None:
    await make_project(api)
    response = await api.post("/api/v1/projects/site/deployments", json=files())
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_files"
    assert await Deployment.all().count() == 0


async def test_create_deployment_is_queued_with_its_url(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    await make_project(api)
    await upload(api, INDEX)
    response = await api.post("/api/v1/projects/site/deployments",
                              json={**files(), "target": "production"})
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "queued" and body["target"] == "production"
    port = autostack.settings.edge_port
    assert body["url"] == f"http://site-{body['id']}.localhost:{port}"
    listed = await api.get("/api/v1/projects/site/deployments")
    assert [row["id"] for row in listed.json()["deployments"]] == [body["id"]]


async def test_bad_target_and_bad_json_name_the_problem(api: httpx.AsyncClient) -> None:
    await make_project(api)
    bad_target = await api.post("/api/v1/projects/site/deployments", json={"target": "prod"})
    assert bad_target.status_code == 422 and bad_target.json()["error"]["field"] == "target"
    bad_json = await api.post("/api/v1/projects/site/deployments", content=b"{nope")
    assert bad_json.status_code == 400


async def test_unknown_deployment_and_project_are_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/deployments/doesnotexist")).status_code == 404
    assert (await api.post("/api/v1/projects/nope/deployments", json={})).status_code == 404
    error = (await api.get("/api/v1/deployments/doesnotexist")).json()["error"]
    assert error == {"code": "not_found", "message": "deployment not found", "field": "id"}


async def test_cancel_a_queued_deployment_then_cancel_again_is_409(
    api: httpx.AsyncClient,
) -> None:
    await make_project(api)
    await upload(api, INDEX)
    created = (await api.post("/api/v1/projects/site/deployments", json=files())).json()
    canceled = await api.post(f"/api/v1/deployments/{created['id']}/cancel")
    assert canceled.json()["state"] == "canceled"
    stored = await Deployment.get(id=created["id"])
    assert stored.canceled_at is not None and stored.cancel_requested
    again = await api.post(f"/api/v1/deployments/{created['id']}/cancel")
    assert again.status_code == 409


async def test_promote_refuses_a_deployment_that_is_not_ready(api: httpx.AsyncClient) -> None:
    await make_project(api)
    await upload(api, INDEX)
    created = (await api.post("/api/v1/projects/site/deployments", json=files())).json()
    response = await api.post(f"/api/v1/deployments/{created['id']}/promote")
    assert response.status_code == 409
    rollback = await api.post("/api/v1/projects/site/rollback", json={})
    assert rollback.status_code == 409


async def test_viewers_read_but_cannot_deploy_or_cancel(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User
) -> None:
    await make_project(api)
    await upload(api, INDEX)
    created = (await api.post("/api/v1/projects/site/deployments", json=files())).json()
    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get(f"/api/v1/deployments/{created['id']}")).status_code == 200
        assert (await http.post(f"/api/v1/deployments/{created['id']}/cancel")).status_code \
            == 403
        assert (await http.post("/api/v1/projects/site/deployments", json=files())) \
            .status_code == 403
    stranger = await add_user_elsewhere()
    async with client_for(autostack, await token_for(stranger)) as http:
        assert (await http.get(f"/api/v1/deployments/{created['id']}")).status_code == 404


async def add_user_elsewhere() -> User:
    from autostack_core.security import accounts

    return await accounts.create_user("stranger@example.com", "correct horse battery")


async def test_logs_as_json_after_an_id_and_as_a_download(api: httpx.AsyncClient) -> None:
    await make_project(api)
    await upload(api, INDEX)
    created = (await api.post("/api/v1/projects/site/deployments", json=files())).json()
    for number in range(3):
        await DeploymentLog.create(deployment_id=created["id"], step="build",
                                   line=f"line {number}")
    lines = (await api.get(f"/api/v1/deployments/{created['id']}/logs")).json()["lines"]
    assert [line["line"] for line in lines] == ["line 0", "line 1", "line 2"]
    after = await api.get(f"/api/v1/deployments/{created['id']}/logs",
                          params={"since": lines[0]["id"]})
    assert [line["line"] for line in after.json()["lines"]] == ["line 1", "line 2"]
    text = await api.get(f"/api/v1/deployments/{created['id']}/logs", params={"format": "text"})
    assert "attachment" in text.headers["content-disposition"]
    assert text.text.count("[build]") == 3


async def test_events_stream_logs_and_ends_when_final(api: httpx.AsyncClient) -> None:
    await make_project(api)
    await upload(api, INDEX)
    created = (await api.post("/api/v1/projects/site/deployments", json=files())).json()
    await DeploymentLog.create(deployment_id=created["id"], step="build", line="compiling")
    await Deployment.filter(id=created["id"]).update(state=DeploymentState.ERROR,
                                                    error_message="boom")
    async with api.stream("GET", f"/api/v1/deployments/{created['id']}/events") as response:
        body = (await response.aread()).decode()
    assert "event: log" in body and "compiling" in body
    assert "event: state" in body and '"error"' in body and "boom" in body
    assert body.rstrip().split("\n")[-1].startswith("data:") and "event: end" in body
