"""Upgrading adds ``traffic_rollups.countries``: roll-ups written before have no countries.

Both dialects run the real migration SQL on a database at the migration
before, holding a roll-up row, then the downgrade back (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server). The row is inserted with
foreign keys unchecked: only the roll-up table matters here.
"""

from __future__ import annotations

import json
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

NAME = "analytics_countries"
ROW = """
INSERT INTO "traffic_rollups" ("id", "project_id", "deployment_id", "period", "bucket",
    "requests", "bytes_sent", "status_2xx", "status_3xx", "status_4xx", "status_5xx",
    "latency", "paths", "referrers")
    VALUES (1, 1, NULL, 'h', '2026-12-01 10:00:00+00:00', 3, 300, 3, 0, 0, 0,
            '{"4": 3}', '{"/": 3}', '{}');
"""
SELECT = 'SELECT "requests", "countries" FROM "traffic_rollups"'


def earlier(dialect: str) -> list[Path]:
    number = number_of(migration_named(dialect, NAME))
    return [path for path in migration_paths(dialect) if number_of(path) < number]


async def test_sqlite_rollups_written_before_have_no_countries(tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "old.db")
    for path in earlier("sqlite"):
        database.executescript(await sql_of(path))
    database.executescript(ROW)
    migration = migration_named("sqlite", NAME)
    database.executescript(await sql_of(migration, "upgrade"))
    [(requests, countries)] = database.execute(SELECT).fetchall()
    assert (requests, json.loads(countries)) == (3, {})
    database.executescript(await sql_of(migration, "downgrade"))
    assert database.execute('SELECT "requests" FROM "traffic_rollups"').fetchall() == [(3,)]


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_rollups_written_before_have_no_countries() -> None:
    async with scratch_postgres("autostack_analytics_countries_test") as database:
        for path in earlier("postgres"):
            await database.execute(await sql_of(path))
        await database.execute("SET session_replication_role = replica")
        await database.execute(ROW)
        migration = migration_named("postgres", NAME)
        await database.execute(await sql_of(migration, "upgrade"))
        [row] = await database.fetch(SELECT)
        await database.execute(await sql_of(migration, "downgrade"))
    assert (row["requests"], json.loads(row["countries"])) == (3, {})
