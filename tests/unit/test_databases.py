"""One-click databases through the API: validation, authorization, links, URL injection, sealing.

No server starts here (the test app runs no queue consumer, so no runner):
databases stay ``starting``; the servers, backups and restores are tested
with real PostgreSQL and Redis in tests/e2e/test_databases.py. Runs on
SQLite and, with AUTOSTACK_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re

import httpx
import pytest
from tortoise import connections

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Database,
    DatabaseBackup,
    DatabaseLink,
    Deployment,
    Environment,
    EnvironmentVariable,
    Project,
    Role,
    Team,
    User,
)
from autostack_core.services import databases, releases
from autostack_plugins.services.manager import backup
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.web_fixtures import Site, signed_in, site

__all__ = ["api", "owner", "signed_in", "site"]


@pytest.fixture
async def shop(autostack: AutoStack, owner: User) -> Project:
    return await Project.create(name="shop", team=await personal_team(owner), user=owner)


async def test_create_for_a_project_links_it_and_injects_the_url(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project) -> None:
    created = await api.post("/api/v1/projects/shop/databases",
                             json={"name": "shop-db", "type": "postgres"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "starting" and body["projects"] == ["shop"]
    assert body["env_key"] == "DATABASE_URL" and body["title"] == "PostgreSQL"
    database = await Database.get(name="shop-db")
    assert body["url"] == (f"postgresql://autostack:{database.password}@127.0.0.1:"
                           f"{database.port}/shop-db")
    assert 20000 <= database.port < 30000 and len(database.password or "") >= 24
    deployment = await Deployment.create(project=shop, target=Environment.PRODUCTION)
    env = await releases.environment_of(shop, deployment)
    assert env["DATABASE_URL"] == body["url"]
    assert env[databases.PORTS_KEY] == str(database.port)
    listed = (await api.get("/api/v1/projects/shop/databases")).json()["databases"]
    assert [item["name"] for item in listed] == ["shop-db"]


async def test_password_and_url_are_sealed_at_rest(api: httpx.AsyncClient, shop: Project) -> None:
    await api.post("/api/v1/projects/shop/databases", json={"name": "cache", "type": "redis"})
    database = await Database.get(name="cache")
    rows = await connections.get("default").execute_query_dict(
        "SELECT password_sealed, url_sealed FROM databases")
    assert database.password and database.password not in str(rows)
    assert (database.url or "").startswith("redis://:")


async def test_a_variable_of_the_project_wins_and_ports_cannot_be_forged(
        api: httpx.AsyncClient, shop: Project) -> None:
    await api.post("/api/v1/projects/shop/databases", json={"name": "db", "type": "postgres"})
    for key, value in (("DATABASE_URL", "postgres://mine"),
                       (databases.PORTS_KEY, "5432,8000")):
        variable = EnvironmentVariable(project=shop, key=key, environment=Environment.PREVIEW)
        variable.value = value
        await variable.save()
    port = (await Database.get(name="db")).port
    env = await releases.environment_of(shop, await Deployment.create(project=shop))
    assert env["DATABASE_URL"] == "postgres://mine"
    assert env[databases.PORTS_KEY] == str(port)
    other = await Project.create(name="other", team_id=shop.team_id,  # type: ignore[attr-defined]
                                 user_id=shop.user_id)  # type: ignore[attr-defined]
    variable = EnvironmentVariable(project=other, key=databases.PORTS_KEY,
                                   environment=Environment.PREVIEW)
    variable.value = "5432"
    await variable.save()
    env = await releases.environment_of(other, await Deployment.create(project=other))
    assert databases.PORTS_KEY not in env and "DATABASE_URL" not in env


async def test_bad_input_names_the_field_and_writes_nothing(
        api: httpx.AsyncClient, owner: User, shop: Project) -> None:
    slug = (await personal_team(owner)).slug
    cases = [({"name": "Shop DB", "type": "postgres"}, 422, "name"),
             ({"name": "db", "type": "mysql"}, 422, "type"),
             ({"name": "db", "type": "postgres", "project": "nope"}, 404, "name"),
             ({"name": "db", "type": "postgres", "extra": 1}, 422, "extra")]
    for body, status, field in cases:
        answer = await api.post(f"/api/v1/teams/{slug}/databases", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert field in answer.text
    assert await Database.all().count() == 0
    assert (await api.post(f"/api/v1/teams/{slug}/databases",
                           json={"name": "db", "type": "redis"})).status_code == 201
    again = await api.post(f"/api/v1/teams/{slug}/databases", json={"name": "db",
                                                                      "type": "postgres"})
    assert again.status_code == 409 and "name" in again.text
    keep = await api.patch(f"/api/v1/teams/{slug}/databases/db", json={"backup_keep": 0})
    assert keep.status_code == 422 and "backup_keep" in keep.text
    stopped = await api.post(f"/api/v1/teams/{slug}/databases/db/backups")
    assert stopped.status_code == 409 and "starting" in stopped.text


async def test_roles(autostack: AutoStack, api: httpx.AsyncClient, owner: User,
                     shop: Project) -> None:
    team = await personal_team(owner)
    base = f"/api/v1/teams/{team.slug}/databases"
    assert (await api.post(base, json={"name": "db", "type": "postgres"})).status_code == 201
    viewer = await add_user(team, "viewer@example.com", Role.VIEWER)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    outsider = await add_user(await personal_team(viewer), "out@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as http:
        listed = (await http.get(base)).json()["databases"]
        assert listed[0]["name"] == "db" and "url" not in listed[0]
        assert (await http.post(base, json={"name": "x", "type": "redis"})).status_code == 403
        assert (await http.post(f"{base}/db/links", json={"project": "shop"})).status_code \
            == 403
    async with client_for(autostack, await token_for(member)) as http:
        assert "url" in (await http.get(f"{base}/db")).json()
        linked = await http.post(f"{base}/db/links", json={"project": "shop"})
        assert linked.status_code == 201 and linked.json()["projects"] == ["shop"]
        assert (await http.post(f"{base}/db/links", json={"project": "shop"})).status_code \
            == 409
        assert (await http.delete(f"{base}/db")).status_code == 403
    async with client_for(autostack, await token_for(outsider)) as http:
        assert (await http.get(f"{base}/db")).status_code == 404
        assert (await http.get("/api/v1/projects/shop/databases")).status_code == 404
    assert (await api.delete(f"{base}/db/links/shop")).status_code == 204
    assert not await DatabaseLink.exists()
    assert (await api.delete(f"{base}/db")).status_code == 204
    assert not await Database.exists()
    assert (await api.get(f"{base}/db")).status_code == 404


async def test_a_database_cannot_be_linked_across_teams(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User, shop: Project) -> None:
    other_owner = await add_user(await personal_team(owner), "o2@example.com", Role.MEMBER)
    foreign = await Project.create(name="foreign", team=await personal_team(other_owner),
                                   user=other_owner)
    team = await personal_team(owner)
    await api.post(f"/api/v1/teams/{team.slug}/databases", json={"name": "db", "type": "redis"})
    database = await Database.get(name="db")
    with pytest.raises(Exception, match="project: link projects of the database's team"):
        await databases.link(database, foreign)


async def test_backup_of_a_database_not_running_is_refused(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project) -> None:
    await api.post("/api/v1/projects/shop/databases", json={"name": "db", "type": "redis"})
    database = await Database.get(name="db")
    await databases.set_status(database.id, "failed", "boom")
    await database.refresh_from_db()
    with pytest.raises(Exception, match="db is failed"):
        await backup(autostack, database)


async def test_the_project_page_shows_linked_databases_with_status_and_backups(
        autostack: AutoStack, site: Site, signed_in: tuple[httpx.AsyncClient, str]) -> None:
    http, _ = signed_in
    empty = (await http.get("/projects/site")).text
    assert 'id="databases"' in empty and "No database linked" in empty
    team = await Team.get(id=site.project.team_id)  # type: ignore[attr-defined]
    service = await databases.service_for(autostack, "postgres")
    database = await databases.create(team, "site-db", service, site.project)
    await databases.set_status(database.id, "failed", "initdb: disk full")
    await DatabaseBackup.create(database=database, file="x.dump", status="done",
                                size_bytes=1234)
    page = (await http.get("/projects/site")).text
    row = re.search(r'<tr data-database="site-db">.*?</tr>', page, re.S)
    assert row, page
    assert "PostgreSQL" in row.group(0) and ">failed<" in row.group(0)
    assert "initdb: disk full" in row.group(0) and "1234 bytes" in row.group(0)
    assert "DATABASE_URL" in row.group(0) and (database.password or "x") not in page


async def test_retention_keeps_the_newest_finished_backups(
        api: httpx.AsyncClient, shop: Project) -> None:
    await api.post("/api/v1/projects/shop/databases", json={"name": "db", "type": "redis"})
    database = await Database.get(name="db")
    database.backup_keep = 2
    made = [await DatabaseBackup.create(database=database, file=f"{n}.rdb", status=status)
            for n, status in enumerate(["done", "done", "failed", "done", "done"])]
    expired = await databases.expired_backups(database)
    assert [item.file for item in expired] == ["1.rdb", "0.rdb"]
    assert made[2].id not in {item.id for item in expired}  # failed ones are not counted
