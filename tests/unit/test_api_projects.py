"""Projects API: create with validation, list per team, read, settings, delete, roles."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.build.detection import known_frameworks
from autostack_core.infrastructure.models import AuditEvent, Deployment, Project, Role, User
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for

__all__ = ["api", "owner"]


async def test_create_a_project_in_the_personal_team(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/projects", json={
        "name": "my-site", "git_url": "https://github.com/acme/site.git",
        "build_command": "npm run build", "output_directory": "dist"})
    assert response.status_code == 201
    project = response.json()["project"]
    assert project["team"] == "olivia"
    assert project["branch"] == "main" and project["output_directory"] == "dist"
    assert project["latest_deployment"] is None
    assert await AuditEvent.exists(action="project.created")


@pytest.mark.parametrize("name", ["", "My-Site", "-site", "site-", "a" * 49, "my_site", "é"])
async def test_invalid_names_are_422_naming_the_field(api: httpx.AsyncClient, name: str) -> None:
    response = await api.post("/api/v1/projects", json={"name": name})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"


@pytest.mark.parametrize(("field", "value"), [
    ("git_url", "--upload-pack=evil"),
    ("branch", "-x"),
    ("branch", "a..b"),
    ("root_directory", "../other"),
    ("output_directory", "/etc"),
    ("node_version", "20; rm"),
    ("node_version", "abc"),
    ("branch", "no such branch !!"),
    ("branch", "feature.lock"),
    ("branch", "a@{1}"),
])
async def test_invalid_settings_are_422_naming_the_field(
    api: httpx.AsyncClient, field: str, value: str
) -> None:
    response = await api.post("/api/v1/projects", json={"name": "site", field: value})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert not await Project.exists()


async def test_errors_say_what_to_give_not_the_library_s_words(api: httpx.AsyncClient) -> None:
    for body, message in (
        ({"name": "site", "framework": "x" * 49}, "framework: use at most 48 characters"),
        ({"name": "site", "surprise": 1}, "surprise: not a known field; check its spelling"),
        ({}, "name: required"),
        ({"name": 7}, "name: give text"),
        ({"name": "site", "node_version": "abc"},
         "node_version: use a Node.js version like 22, 22.x or >=20"),
    ):
        response = await api.post("/api/v1/projects", json=body)
        assert response.status_code == 422
        assert response.json()["error"]["message"] == message


async def test_a_taken_name_is_409(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    taken = await api.post("/api/v1/projects", json={"name": "site"})
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "name"


async def test_list_get_and_latest_deployment(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/teams", json={"name": "Acme", "slug": "acme"})
    await api.post("/api/v1/projects", json={"name": "one"})
    await api.post("/api/v1/projects", json={"name": "two", "team": "acme"})
    project = await Project.get(name="two")
    await Deployment.create(project=project, state="ready", deployment_url="http://x",
                            target="production")
    everything = await api.get("/api/v1/projects")
    assert sorted(p["name"] for p in everything.json()["projects"]) == ["one", "two"]
    acme = await api.get("/api/v1/projects?team=acme")
    assert [p["name"] for p in acme.json()["projects"]] == ["two"]
    got = await api.get("/api/v1/projects/two")
    latest = got.json()["project"]["latest_deployment"]
    assert (latest["state"], latest["target"]) == ("ready", "production")
    assert (await api.get("/api/v1/projects?team=nope")).status_code == 404
    assert (await api.get("/api/v1/projects/nope")).status_code == 404


async def test_update_settings(api: httpx.AsyncClient) -> None:
    await api.post("/api/v1/projects", json={"name": "site"})
    changed = await api.patch("/api/v1/projects/site", json={
        "build_command": "make", "auto_deploy_enabled": False, "provider": "local"})
    assert changed.status_code == 200
    assert changed.json()["project"]["build_command"] == "make"
    assert changed.json()["project"]["auto_deploy_enabled"] is False
    bad = await api.patch("/api/v1/projects/site", json={"provider": "mars"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "provider"
    rename = await api.patch("/api/v1/projects/site", json={"name": "other"})
    assert rename.status_code == 422 and rename.json()["error"]["field"] == "name"


async def test_roles_on_projects(autostack: AutoStack, api: httpx.AsyncClient, owner: User) -> None:
    team = await personal_team(owner)
    await api.post("/api/v1/projects", json={"name": "site"})
    viewer = await add_user(team, "viewer@example.com", Role.VIEWER)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    admin = await add_user(team, "admin@example.com", Role.ADMIN)
    async with client_for(autostack, await token_for(viewer)) as http:
        assert (await http.get("/api/v1/projects/site")).status_code == 200
        assert (await http.post("/api/v1/projects", json={"name": "v"})).status_code == 403
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.post("/api/v1/projects", json={"name": "m"})).status_code == 201
        assert (await http.patch("/api/v1/projects/site", json={"branch": "x"})).status_code \
            == 403
    async with client_for(autostack, await token_for(admin)) as http:
        assert (await http.patch("/api/v1/projects/site", json={"branch": "x"})).status_code \
            == 200
        assert (await http.delete("/api/v1/projects/site")).status_code == 403
    assert (await api.delete("/api/v1/projects/site")).status_code == 204
    assert not await Project.exists(name="site")


async def test_bad_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v1/projects", content=b"{nope",
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "field"}


async def test_an_unknown_framework_is_422_listing_the_known_ones(api: httpx.AsyncClient) -> None:
    refused = await api.post("/api/v1/projects", json={"name": "site",
                                                       "framework": "nosuchframework"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "framework" and "'nosuchframework'" in error["message"]
    assert "nextjs" in error["message"] and "flask" in error["message"]
    assert not await Project.exists()

    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    refused = await api.patch("/api/v1/projects/site", json={"framework": "nosuchframework"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "framework"
    assert (await Project.get(name="site")).framework is None
    for slug in ("nextjs", "next", "static", "hugo", "fastapi", "docker", "axum"):
        changed = await api.patch("/api/v1/projects/site", json={"framework": slug})
        assert changed.status_code == 200, (slug, changed.text)
    cleared = await api.patch("/api/v1/projects/site", json={"framework": None})
    assert cleared.status_code == 200


def test_every_framework_detection_finds_is_a_valid_setting(autostack: AutoStack) -> None:
    corpus = Path(__file__).parent.parent / "fixtures" / "detection_corpus"
    detected = {json.loads(case.read_text())["expected"].get("framework")
                for case in corpus.glob("*/case.json")}
    known = set(known_frameworks(autostack.plugin_manager, autostack.settings))
    assert detected - {None} <= known, detected - known
