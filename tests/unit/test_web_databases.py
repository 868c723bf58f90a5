"""One-click databases on the dashboard (issue 18 item 4): the project page's section and
``/teams/{slug}/databases`` create, link, unlink, reveal, back up, restore and delete,
with the API's roles and errors that name the field.

No server starts here (the test app runs no queue consumer): databases stay
``starting`` unless a test sets them ``running``. Where a backup or a restore must
succeed, PostgreSQL's ``pg_dump``/``pg_restore`` are replaced by writing and reading
a file (no server runs to dump); the real ones run in tests/e2e/test_databases.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Database,
    DatabaseBackup,
    DatabaseLink,
    Role,
    Team,
    User,
)
from autostack_core.interfaces.services import ServiceInstance
from autostack_core.services import databases
from autostack_plugins.services.postgres import Postgres
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import Site, log_in, signed_in, site

__all__ = ["owner", "signed_in", "site"]

Client = tuple[httpx.AsyncClient, str]


def section(page: str, name: str) -> str:
    found = re.search(rf'<article class="database" id="db-{name}".*?</article>', page, re.S)
    assert found, page
    return found.group(0)


async def test_create_from_the_project_page_links_it_and_polls_until_it_runs(
        autostack: AutoStack, site: Site, signed_in: Client) -> None:
    http, token = signed_in
    page = (await http.get("/projects/site")).text
    assert "data-create-database" in page and 'hx-trigger="every 2s"' not in page
    slug = (await Team.get(id=site.project.team_id)).slug  # type: ignore[attr-defined]
    created = await http.post(f"/teams/{slug}/databases", data={
        "csrf_token": token, "name": "site-db", "type": "postgres", "project": "site",
        "back": "site"})
    assert created.status_code == 303
    assert created.headers["location"] == \
        "/projects/site?done=database-created&id=site-db#databases"
    database = await Database.get(name="site-db")
    assert database.status == "starting" and database.kind == "postgres"
    assert await DatabaseLink.exists(database=database, project=site.project)
    assert await AuditEvent.exists(action="database.created")
    page = (await http.get(created.headers["location"])).text
    assert "Database site-db created; it is starting." in page
    row = re.search(r'<tr data-database="site-db">.*?</tr>', page, re.S)
    assert row and ">starting<" in row.group(0) and "DATABASE_URL" in row.group(0)
    assert 'hx-get="/projects/site" hx-trigger="every 2s" hx-select="#databases"' in page
    assert (database.password or "?") not in page  # the URL only on asking
    redeploy = f'action="/deployments/{site.current.id}/redeploy" class="inline" ' \
        'data-database-redeploy'
    assert redeploy in page  # the link applies from the next deployment: offered now
    await databases.set_status(database.id, "running", None)
    page = (await http.get("/projects/site")).text
    assert 'hx-trigger="every 2s"' not in page and ">running<" in page


async def test_bad_input_is_shown_naming_the_field_and_nothing_is_written(
        site: Site, signed_in: Client) -> None:
    http, token = signed_in
    slug = (await Team.get(id=site.project.team_id)).slug  # type: ignore[attr-defined]
    cases = [({"name": "Site DB", "type": "postgres"}, 422, "e-name"),
             ({"name": "db", "type": "mysql"}, 422, "e-type"),
             ({"name": "db", "type": "redis", "project": "nope"}, 404, "e-project")]
    for fields, status, marker in cases:
        answer = await http.post(f"/teams/{slug}/databases", data={"csrf_token": token, **fields})
        assert answer.status_code == status, answer.text
        assert f'id="{marker}"' in answer.text, (fields, answer.text)
        assert f'value="{fields["name"]}"' in answer.text  # what was typed is kept
    assert await Database.all().count() == 0
    ok = await http.post(f"/teams/{slug}/databases",
                         data={"csrf_token": token, "name": "db", "type": "redis"})
    assert ok.status_code == 303
    again = await http.post(f"/teams/{slug}/databases",
                            data={"csrf_token": token, "name": "db", "type": "postgres"})
    assert again.status_code == 409 and 'id="e-name"' in again.text
    assert "already has a database named db" in again.text
    refused = await http.post(f"/teams/{slug}/databases/db/backup", data={"csrf_token": token})
    assert refused.status_code == 409 and "db is starting" in refused.text
    no_csrf = await http.post(f"/teams/{slug}/databases", data={"name": "x", "type": "redis"})
    assert no_csrf.status_code == 403 and await Database.all().count() == 1


async def test_the_team_page_links_unlinks_reveals_and_lists(
        site: Site, signed_in: Client) -> None:
    http, token = signed_in
    team = await Team.get(id=site.project.team_id)  # type: ignore[attr-defined]
    base = f"/teams/{team.slug}/databases"
    assert "No database yet." in (await http.get(base)).text
    await http.post(base, data={"csrf_token": token, "name": "cache", "type": "redis"})
    page = (await http.get(base + "?done=database-created&id=cache")).text
    assert "Database cache created" in page
    card = section(page, "cache")
    assert "Redis" in card and ">starting<" in card and "REDIS_URL" in card
    assert '<option>site</option>' in card and "none" in card
    linked = await http.post(f"{base}/cache/link", data={"csrf_token": token, "project": "site"})
    assert linked.status_code == 303
    assert section((await http.get(base)).text, "cache").count('href="/projects/site#') == 1
    twice = await http.post(f"{base}/link", data={"csrf_token": token, "database": "cache",
                                                   "project": "site", "back": "site"})
    assert twice.status_code == 409 and "site is already linked" in twice.text
    missing = await http.post(f"{base}/link", data={"csrf_token": token, "database": "nope",
                                                     "project": "site", "back": "site"})
    assert missing.status_code == 404
    database = await Database.get(name="cache")
    revealed = await http.post(f"{base}/cache/reveal", data={"csrf_token": token})
    assert revealed.status_code == 200
    url = re.search(r'<span id="db-url-cache">(.*?)</span>', revealed.text, re.S)
    assert url and f'value="{database.url}"' in url.group(1)
    unlinked = await http.post(f"{base}/cache/unlink", data={
        "csrf_token": token, "project": "site", "back": "site"})
    assert unlinked.headers["location"] == \
        "/projects/site?done=database-unlinked&id=cache#databases"
    assert not await DatabaseLink.exists()
    assert await AuditEvent.filter(action__in=["database.linked", "database.unlinked"]).count() \
        == 2


async def test_roles(autostack: AutoStack, site: Site, owner: User) -> None:
    """Viewers read without URLs or forms, members create/link/back up but neither restore
    nor delete, outsiders get 404: as the API."""
    team = await personal_team(owner)
    base = f"/teams/{team.slug}/databases"
    database = await databases.create(team, "db", await databases.service_for(
        autostack, "postgres"), site.project)
    viewer = await add_user(team, "viewer@example.com", Role.VIEWER)
    member = await add_user(team, "member@example.com", Role.MEMBER)
    outsider = await add_user(await personal_team(viewer), "out@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        token = await log_in(http, viewer.email)
        page = (await http.get(base)).text
        assert 'id="db-db"' in page and "Show URL" not in page and "data-create-database" \
            not in page and (database.url or "?") not in page
        project_page = (await http.get("/projects/site")).text
        assert "DATABASE_URL" in project_page and "Show URL" not in project_page
        assert "data-create-database" not in project_page
        assert "data-database-redeploy" not in project_page and "Delete…" not in project_page
        for action, fields in (("", {"name": "x", "type": "redis"}), ("/db/reveal", {}),
                               ("/db/link", {"project": "site"}), ("/db/backup", {})):
            answer = await http.post(base + action, data={"csrf_token": token, **fields})
            assert answer.status_code == 403, action
    async with client_for(autostack) as http:
        token = await log_in(http, member.email)
        page = (await http.get(base)).text
        assert "Show URL" in page and "data-create-database" in page and "Delete db" not in page
        assert (await http.post(base + "/db/reveal", data={"csrf_token": token})).status_code \
            == 200
        for action in ("/db/delete", "/db/restore"):
            answer = await http.post(base + action, data={"csrf_token": token, "confirm": "db",
                                                          "backup": "1"})
            assert answer.status_code == 403, action
        created = await http.post(base, data={"csrf_token": token, "name": "m", "type": "redis"})
        assert created.status_code == 303
    async with client_for(autostack) as http:
        token = await log_in(http, outsider.email)
        assert (await http.get(base)).status_code == 404
        assert (await http.post(base + "/db/reveal", data={"csrf_token": token})).status_code \
            == 404
    assert await Database.filter(name="db").exists()


@pytest.fixture
def fake_pg_tools(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """``pg_dump``/``pg_restore`` replaced (no server runs here): the dump is a file."""
    restored: list[Path] = []

    async def dump(self: Postgres, instance: ServiceInstance, target: Path) -> None:
        target.write_bytes(b"PGDMP fake")

    async def load(self: Postgres, instance: ServiceInstance, source: Path) -> None:
        restored.append(source)

    monkeypatch.setattr(Postgres, "backup", dump)
    monkeypatch.setattr(Postgres, "restore", load)
    return restored


async def test_admins_back_up_restore_and_delete_after_confirming(
        autostack: AutoStack, site: Site, signed_in: Client, fake_pg_tools: list[Path]) -> None:
    http, token = signed_in
    team = await Team.get(id=site.project.team_id)  # type: ignore[attr-defined]
    base = f"/teams/{team.slug}/databases"
    database = await databases.create(team, "site-db", await databases.service_for(
        autostack, "postgres"), site.project)
    await databases.set_status(database.id, "running", None)
    backed = await http.post(f"{base}/site-db/backup", data={"csrf_token": token,
                                                             "back": "site"})
    assert backed.headers["location"] == \
        "/projects/site?done=database-backed-up&id=site-db#databases"
    record = await DatabaseBackup.get(database=database)
    assert record.status == "done" and record.size_bytes == 10
    project_page = (await http.get("/projects/site")).text
    assert f'name="backup" value="{record.id}"' in project_page and "Restore" in project_page
    assert "10 bytes" in section((await http.get(base)).text, "site-db")
    unconfirmed = await http.post(f"{base}/site-db/restore", data={
        "csrf_token": token, "backup": str(record.id), "confirm": "site"})
    assert unconfirmed.status_code == 422 and "confirm: type the database" in unconfirmed.text
    assert fake_pg_tools == []
    unknown = await http.post(f"{base}/site-db/restore", data={
        "csrf_token": token, "backup": "99999", "confirm": "site-db"})
    assert unknown.status_code == 404 and "backup not found" in unknown.text
    restored = await http.post(f"{base}/site-db/restore", data={
        "csrf_token": token, "backup": str(record.id), "confirm": "site-db", "back": "site"})
    assert restored.status_code == 303 and [path.name for path in fake_pg_tools] == [record.file]
    assert "restored from the backup" in (await http.get(restored.headers["location"])).text
    kept = await http.post(f"{base}/site-db/delete", data={"csrf_token": token, "confirm": ""})
    assert kept.status_code == 422 and await Database.exists(name="site-db")
    deleted = await http.post(f"{base}/site-db/delete", data={"csrf_token": token,
                                                              "confirm": "site-db"})
    assert deleted.headers["location"] == f"{base}?done=database-deleted&id=site-db"
    assert not await Database.exists() and not await DatabaseBackup.exists()
    assert not autostack.settings.path("services", str(database.id)).exists()
    assert await AuditEvent.filter(action__in=[
        "database.backed_up", "database.restored", "database.deleted"]).count() == 3
    assert "No database linked" in (await http.get("/projects/site")).text


async def test_without_a_plugin_running_databases_the_pages_answer_404(
        autostack: AutoStack, site: Site, signed_in: Client) -> None:
    http, token = signed_in
    slug = (await Team.get(id=site.project.team_id)).slug  # type: ignore[attr-defined]
    autostack.database_servers = None
    assert (await http.get(f"/teams/{slug}/databases")).status_code == 404
    answer = await http.post(f"/teams/{slug}/databases",
                             data={"csrf_token": token, "name": "db", "type": "redis"})
    assert answer.status_code == 404 and await Database.all().count() == 0
