"""Upgrading carries GitHub tokens and connections over to the host-neutral tables.

Until migration 7 a person's GitHub token was ``users.github_token_sealed`` and a
project's connection ``projects.github_repo`` with ``projects.git_connected_by``;
the upgrade copies them into ``git_accounts`` and ``git_connections`` (host
``github``). The copied token still opens with the server's key, so a connected
project keeps cloning with it. Both dialects run the real migration SQL on a
database at migration 6 holding such rows (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from autostack_core.infrastructure.models.git import CREDENTIAL_CONTEXT
from autostack_core.security.crypto import Keyring, generate_key
from tests.unit.test_migration_git_connections import upgrade_sql

TOKEN = "gho_plaintext_b41f"
ROWS = """
INSERT INTO "users" ("id", "email", "name", "subscription_tier", "is_active", "created_at",
                     "github_token_sealed")
    VALUES (7, 'b@example.com', 'B', 'free', {true}, '2026-12-01', '{sealed}'),
           (8, 'c@example.com', 'C', 'free', {true}, '2026-12-01', NULL);
INSERT INTO "teams" ("id", "name", "slug", "is_personal", "created_at", "owner_id")
    VALUES (1, 'B', 'b', {true}, '2026-12-01', 7);
INSERT INTO "projects" ("id", "name", "branch", "root_directory", "provider",
    "auto_deploy_enabled", "settings", "created_at", "updated_at", "team_id", "github_repo",
    "git_connected_by_id")
    VALUES (1, 'connected', 'main', '', 'local', {true}, '{{}}', '2026-12-01', '2026-12-01', 1,
            'b/site', 7),
           (2, 'plain', 'main', '', 'local', {true}, '{{}}', '2026-12-01', '2026-12-01', 1,
            NULL, NULL);
"""
ACCOUNTS = 'SELECT "user_id", "host", "credential_sealed" FROM "git_accounts" ORDER BY "id"'
CONNECTIONS = ('SELECT "project_id", "host", "repository", "connected_by_id" '
               'FROM "git_connections" ORDER BY "id"')


def rows(dialect: str, sealed: str) -> str:
    true = "1" if dialect == "sqlite" else "TRUE"
    return ROWS.format(true=true, sealed=sealed)


def check(keyring: Keyring, accounts: list[Any], connections: list[Any]) -> None:
    [(user, host, credential)] = [tuple(row) for row in accounts]
    assert (user, host) == (7, "github")
    assert keyring.open(credential, CREDENTIAL_CONTEXT) == TOKEN
    assert [tuple(row) for row in connections] == [(1, "github", "b/site", 7)]


async def test_sqlite_carries_tokens_and_connections_over(tmp_path: Path) -> None:
    keyring = Keyring([generate_key()])
    database = sqlite3.connect(tmp_path / "old.db")
    for number in range(7):
        database.executescript(await upgrade_sql("sqlite", number))
    database.executescript(rows("sqlite", keyring.seal(TOKEN, "users.github_token")))
    database.executescript(await upgrade_sql("sqlite", 7))
    check(keyring, database.execute(ACCOUNTS).fetchall(),
          database.execute(CONNECTIONS).fetchall())


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_carries_tokens_and_connections_over() -> None:
    keyring = Keyring([generate_key()])
    admin_url = os.environ["AUTOSTACK_TEST_DATABASE_URL"]
    admin = await asyncpg.connect(admin_url)
    await admin.execute("DROP DATABASE IF EXISTS autostack_git_accounts_test")
    await admin.execute("CREATE DATABASE autostack_git_accounts_test")
    try:
        database = await asyncpg.connect(
            admin_url.rsplit("/", 1)[0] + "/autostack_git_accounts_test")
        try:
            for number in range(7):
                await database.execute(await upgrade_sql("postgres", number))
            await database.execute(rows("postgres", keyring.seal(TOKEN, "users.github_token")))
            await database.execute(await upgrade_sql("postgres", 7))
            accounts, connections = (await database.fetch(ACCOUNTS),
                                     await database.fetch(CONNECTIONS))
        finally:
            await database.close()
    finally:
        await admin.execute("DROP DATABASE autostack_git_accounts_test WITH (FORCE)")
        await admin.close()
    check(keyring, accounts, connections)
