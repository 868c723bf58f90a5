"""Upgrading turns ``deployments.is_production`` into ``deployments.target``.

Until the ``deployment_target`` migration a deployment said where it went with
a boolean; now it names its environment, ``production`` or ``preview``, the
word the API, the CLI and the dashboard use. Both dialects run the real
migration SQL on a database at the migration before, holding a production and
a preview deployment, then the downgrade back (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.migration_sql import (
    migration_named,
    migration_paths,
    number_of,
    scratch_postgres,
    sql_of,
)

ROWS = """
INSERT INTO "users" ("id", "email", "name", "subscription_tier", "is_active", "created_at")
    VALUES (7, 'b@example.com', 'B', 'free', {true}, '2026-12-01');
INSERT INTO "teams" ("id", "name", "slug", "is_personal", "created_at", "owner_id")
    VALUES (1, 'B', 'b', {true}, '2026-12-01', 7);
INSERT INTO "projects" ("id", "name", "branch", "root_directory", "provider",
    "auto_deploy_enabled", "settings", "created_at", "updated_at", "team_id")
    VALUES (1, 'site', 'main', '', 'local', {true}, '{}', '2026-12-01', '2026-12-01', 1);
INSERT INTO "deployments" ("id", "state", "is_production", "creator_type", "source_type",
    "cancel_requested", "created_at", "project_id")
    VALUES ('prod', 'ready', {true}, 'manual', 'upload', {false}, '2026-12-01', 1),
           ('prev', 'ready', {false}, 'manual', 'upload', {false}, '2026-12-02', 1);
"""
UPGRADED = [("prev", "preview"), ("prod", "production")]
DOWNGRADED = [("prev", False), ("prod", True)]
SELECT_TARGET = 'SELECT "id", "target" FROM "deployments" ORDER BY "id"'
SELECT_FLAG = 'SELECT "id", "is_production" FROM "deployments" ORDER BY "id"'


def earlier(dialect: str) -> list[Path]:
    """The migrations before ``deployment_target``, in order."""
    number = number_of(migration_named(dialect, "deployment_target"))
    return [path for path in migration_paths(dialect) if number_of(path) < number]


def rows(dialect: str) -> str:
    true, false = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")
    return ROWS.replace("{true}", true).replace("{false}", false)


async def test_sqlite_deployments_keep_their_environment(tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "old.db")
    for path in earlier("sqlite"):
        database.executescript(await sql_of(path))
    database.executescript(rows("sqlite"))
    target = migration_named("sqlite", "deployment_target")
    database.executescript(await sql_of(target, "upgrade"))
    assert database.execute(SELECT_TARGET).fetchall() == UPGRADED
    database.executescript(await sql_of(target, "downgrade"))
    assert [(id_, bool(flag)) for id_, flag in database.execute(SELECT_FLAG)] == DOWNGRADED


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_deployments_keep_their_environment() -> None:
    async with scratch_postgres("autostack_deployment_target_test") as database:
        for path in earlier("postgres"):
            await database.execute(await sql_of(path))
        await database.execute(rows("postgres"))
        target = migration_named("postgres", "deployment_target")
        await database.execute(await sql_of(target, "upgrade"))
        upgraded = [tuple(row) for row in await database.fetch(SELECT_TARGET)]
        await database.execute(await sql_of(target, "downgrade"))
        downgraded = [tuple(row) for row in await database.fetch(SELECT_FLAG)]
    assert upgraded == UPGRADED
    assert downgraded == DOWNGRADED
