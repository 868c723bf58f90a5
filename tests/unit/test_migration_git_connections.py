"""Upgrading keeps the GitHub connections recorded before ``projects.git_connected_by``.

Until migration 4 the connecting user was ``projects.settings["github_user_id"]``;
the upgrade moves it into the column (only for a project with a connected
repository and a user that exists) and drops the old key. Both dialects run
the real migration SQL on a database at migration 3 holding such rows
(PostgreSQL when ``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.migration_sql import scratch_postgres, upgrade_sql

ROWS = """
INSERT INTO "users" ("id", "email", "name", "subscription_tier", "is_active", "created_at")
    VALUES (7, 'b@example.com', 'B', 'free', {true}, '2026-12-01');
INSERT INTO "teams" ("id", "name", "slug", "is_personal", "created_at", "owner_id")
    VALUES (1, 'B', 'b', {true}, '2026-12-01', 7);
INSERT INTO "projects" ("id", "name", "branch", "root_directory", "provider",
    "auto_deploy_enabled", "settings", "created_at", "updated_at", "team_id", "github_repo")
    VALUES (1, 'connected', 'main', '', 'local', {true}, '{connected}', '2026-12-01',
            '2026-12-01', 1, 'b/site'),
           (2, 'gone-user', 'main', '', 'local', {true}, '{gone}', '2026-12-01',
            '2026-12-01', 1, 'b/other'),
           (3, 'no-repo', 'main', '', 'local', {true}, '{connected}', '2026-12-01',
            '2026-12-01', 1, NULL);
"""
EXPECTED = [(1, 7, {"scale_to_zero": True}), (2, None, {}), (3, None, {"scale_to_zero": True})]


def rows(dialect: str) -> str:
    connected = json.dumps({"github_user_id": 7, "scale_to_zero": True})
    gone = json.dumps({"github_user_id": 99})
    true = "1" if dialect == "sqlite" else "TRUE"
    return ROWS.replace("{true}", true).replace("{connected}", connected).replace(
        "{gone}", gone)


def settings_of(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def test_sqlite_keeps_the_connections(tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "old.db")
    for number in range(4):
        database.executescript(await upgrade_sql("sqlite", number))
    database.executescript(rows("sqlite"))
    database.executescript(await upgrade_sql("sqlite", 4))
    found = database.execute(
        'SELECT "id", "git_connected_by_id", "settings" FROM "projects" ORDER BY "id"').fetchall()
    assert [(id_, user, settings_of(settings)) for id_, user, settings in found] == EXPECTED


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_keeps_the_connections() -> None:
    async with scratch_postgres("autostack_git_connections_test") as database:
        for number in range(4):
            await database.execute(await upgrade_sql("postgres", number))
        await database.execute(rows("postgres"))
        await database.execute(await upgrade_sql("postgres", 4))
        found = await database.fetch(
            'SELECT "id", "git_connected_by_id", "settings" FROM "projects" ORDER BY "id"')
    assert [(row[0], row[1], settings_of(row[2])) for row in found] == EXPECTED
