"""Upgrading turns ``deployments.is_production`` into ``deployments.target``.

Until the ``deployment_target`` migration a deployment said where it went with
a boolean; now it names its environment, ``production`` or ``preview``, the
word the API, the CLI and the dashboard use. Both dialects run the real
migration SQL on a database at the migration before, holding a production and
a preview deployment, then the downgrade back (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from autostack_core.infrastructure.db import MIGRATIONS_ROOT

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


def migration_path(dialect: str) -> Path:
    [path] = (MIGRATIONS_ROOT / dialect / "models").glob("*_deployment_target.py")
    return path


def earlier(dialect: str) -> list[Path]:
    """The migrations before ``deployment_target``, in order."""
    number = int(migration_path(dialect).name.split("_")[0])
    paths = (MIGRATIONS_ROOT / dialect / "models").glob("*.py")
    return sorted((path for path in paths if int(path.name.split("_")[0]) < number),
                  key=lambda path: int(path.name.split("_")[0]))


async def sql_of(path: Path, direction: str) -> str:
    spec = importlib.util.spec_from_file_location(f"m_{path.stem}_{path.parent.parent.name}",
                                                  path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sql: str = await getattr(module, direction)(None)
    return sql


def rows(dialect: str) -> str:
    true, false = ("1", "0") if dialect == "sqlite" else ("TRUE", "FALSE")
    return ROWS.replace("{true}", true).replace("{false}", false)


async def test_sqlite_deployments_keep_their_environment(tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "old.db")
    for path in earlier("sqlite"):
        database.executescript(await sql_of(path, "upgrade"))
    database.executescript(rows("sqlite"))
    database.executescript(await sql_of(migration_path("sqlite"), "upgrade"))
    assert database.execute(SELECT_TARGET).fetchall() == UPGRADED
    database.executescript(await sql_of(migration_path("sqlite"), "downgrade"))
    assert [(id_, bool(flag)) for id_, flag in database.execute(SELECT_FLAG)] == DOWNGRADED


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_deployments_keep_their_environment() -> None:
    admin_url = os.environ["AUTOSTACK_TEST_DATABASE_URL"]
    admin = await asyncpg.connect(admin_url)
    await admin.execute("DROP DATABASE IF EXISTS autostack_deployment_target_test")
    await admin.execute("CREATE DATABASE autostack_deployment_target_test")
    try:
        database = await asyncpg.connect(
            admin_url.rsplit("/", 1)[0] + "/autostack_deployment_target_test")
        try:
            for path in earlier("postgres"):
                await database.execute(await sql_of(path, "upgrade"))
            await database.execute(rows("postgres"))
            await database.execute(await sql_of(migration_path("postgres"), "upgrade"))
            upgraded = [tuple(row) for row in await database.fetch(SELECT_TARGET)]
            await database.execute(await sql_of(migration_path("postgres"), "downgrade"))
            downgraded = [tuple(row) for row in await database.fetch(SELECT_FLAG)]
        finally:
            await database.close()
    finally:
        await admin.execute("DROP DATABASE autostack_deployment_target_test WITH (FORCE)")
        await admin.close()
    assert upgraded == UPGRADED
    assert downgraded == DOWNGRADED
