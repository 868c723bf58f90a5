"""Upgrading carries ``users.github_id`` over to the host-neutral ``user_identities``.

Until migration 14 the GitHub account a person signed in or connected with was
``users.github_id``; migration 14 makes each one a row of ``user_identities``
on the host ``github`` (the login is filled at the next sign-in), and on the
upgraded SQLite database signing in finds that person by it. Downgrading
carries the ids back. Both dialects run the real migration SQL on a database
at migration 13 holding such rows (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise

from autostack_core.infrastructure.db import tortoise_config
from autostack_core.interfaces.sign_in import Identity
from autostack_core.security import identities
from tests.migration_sql import migration_named, scratch_postgres, sql_of, upgrade_sql

BEFORE = 14
ROWS = """
INSERT INTO "users" ("id", "email", "name", "subscription_tier", "is_active", "created_at",
                     "github_id")
    VALUES (7, 'b@example.com', 'B', 'free', {true}, '2026-12-01 10:00:00+00:00', 583231),
           (8, 'c@example.com', 'C', 'free', {true}, '2026-12-01 10:00:00+00:00', NULL);
"""
IDENTITIES = 'SELECT "user_id", "host", "external_id", "login" FROM "user_identities"'
GITHUB_IDS = 'SELECT "id", "github_id" FROM "users" ORDER BY "id"'


def rows(dialect: str) -> str:
    return ROWS.format(true="1" if dialect == "sqlite" else "TRUE")


def check(identity_rows: list[Any]) -> None:
    assert [tuple(row) for row in identity_rows] == [(7, "github", "583231", "")]


async def test_sqlite_carries_github_ids_over(tmp_path: Path) -> None:
    database = sqlite3.connect(tmp_path / "old.db")
    for number in range(BEFORE):
        database.executescript(await upgrade_sql("sqlite", number))
    database.executescript(rows("sqlite"))
    database.executescript(await upgrade_sql("sqlite", BEFORE))
    check(database.execute(IDENTITIES).fetchall())
    assert database.execute(GITHUB_IDS).fetchall() == [(7, None), (8, None)]
    database.close()
    await Tortoise.init(config=tortoise_config(f"sqlite://{tmp_path / 'old.db'}"))
    try:
        user = await identities.user_for("github", "GitHub", Identity(
            email="other@example.com", name="B", account_id="583231", login="b"), None)
        assert (user.id, user.email) == (7, "b@example.com")
    finally:
        await Tortoise.close_connections()
    database = sqlite3.connect(tmp_path / "old.db")
    check_login = database.execute(IDENTITIES).fetchall()
    assert [tuple(row) for row in check_login] == [(7, "github", "583231", "b")]
    database.executescript(await sql_of(migration_named("sqlite", "user_identities"),
                                        "downgrade"))
    assert database.execute(GITHUB_IDS).fetchall() == [(7, 583231), (8, None)]
    database.close()


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_carries_github_ids_over() -> None:
    async with scratch_postgres("autostack_user_identities_test") as database:
        for number in range(BEFORE):
            await database.execute(await upgrade_sql("postgres", number))
        await database.execute(rows("postgres"))
        await database.execute(await upgrade_sql("postgres", BEFORE))
        check(await database.fetch(IDENTITIES))
        columns = await database.fetch("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = 'users'")
        assert "github_id" not in {row["column_name"] for row in columns}
        await database.execute(await sql_of(migration_named("postgres", "user_identities"),
                                            "downgrade"))
        assert [tuple(row) for row in await database.fetch(GITHUB_IDS)] == [
            (7, 583231), (8, None)]
