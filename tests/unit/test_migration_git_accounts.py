"""Upgrading carries GitHub tokens and connections over to the host-neutral tables.

Until migration 7 a person's GitHub token was ``users.github_token_sealed`` and a
project's connection ``projects.github_repo`` with ``projects.git_connected_by``;
migration 7 copies them into ``git_accounts`` and ``git_connections`` (host
``github``) and migration 10 drops the old columns. The copied token still opens
with the server's key, and on the fully upgraded SQLite database a deployment's
clone of the connected repository still carries it (the GitHub plugin names the
repository; nothing is fetched). Both dialects run the real migration SQL on a
database at migration 6 holding such rows (PostgreSQL when
``AUTOSTACK_TEST_DATABASE_URL`` names a server).
"""

from __future__ import annotations

import base64
import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from tortoise import Tortoise

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.git import git_credentials
from autostack_core.infrastructure.db import tortoise_config
from autostack_core.infrastructure.models import Project
from autostack_core.infrastructure.models.git import CREDENTIAL_CONTEXT
from autostack_core.security import crypto
from autostack_core.security.crypto import Keyring, generate_key
from autostack_plugins.git_hosts.github import GitHubHost
from tests.migration_sql import migration_paths, scratch_postgres, upgrade_sql

TOKEN = "gho_plaintext_b41f"
ROWS = """
INSERT INTO "users" ("id", "email", "name", "subscription_tier", "is_active", "created_at",
                     "github_token_sealed")
    VALUES (7, 'b@example.com', 'B', 'free', {true}, '2026-12-01', '{sealed}'),
           (8, 'c@example.com', 'C', 'free', {true}, '2026-12-01', NULL);
INSERT INTO "teams" ("id", "name", "slug", "is_personal", "created_at", "owner_id")
    VALUES (1, 'B', 'b', {true}, '2026-12-01', 7);
INSERT INTO "team_members" ("id", "role", "joined_at", "team_id", "user_id")
    VALUES (1, 'owner', '2026-12-01', 1, 7);
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


async def test_sqlite_carries_tokens_and_connections_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring([generate_key()])
    database = sqlite3.connect(tmp_path / "old.db")
    for number in range(7):
        database.executescript(await upgrade_sql("sqlite", number))
    database.executescript(rows("sqlite", keyring.seal(TOKEN, "users.github_token")))
    database.executescript(await upgrade_sql("sqlite", 7))
    check(keyring, database.execute(ACCOUNTS).fetchall(),
          database.execute(CONNECTIONS).fetchall())
    for number in range(8, len(migration_paths("sqlite"))):
        database.executescript(await upgrade_sql("sqlite", number))
    database.close()
    monkeypatch.setattr(crypto, "_active", keyring)
    assert await clone_token(tmp_path / "old.db") == TOKEN


async def clone_token(path: Path) -> str:
    """The token a deployment of the connected project sends to its repository's URL, read
    through the current models from the upgraded database at ``path``."""
    settings = Settings()
    app = cast(AutoStack, SimpleNamespace(settings=settings, git_hosts={"github": GitHubHost()}))
    await Tortoise.init(config=tortoise_config(f"sqlite://{path}"))
    try:
        project = await Project.get(name="connected")
        access = await git_credentials.access_for_project(
            app, project, "https://github.com/b/site.git")
    finally:
        await Tortoise.close_connections()
    assert access.missing is None, access.missing
    header = access.env["GIT_CONFIG_VALUE_0"].removeprefix("Authorization: Basic ")
    return base64.b64decode(header).decode().removeprefix("x-access-token:")


@pytest.mark.skipif(not os.environ.get("AUTOSTACK_TEST_DATABASE_URL"),
                    reason="needs AUTOSTACK_TEST_DATABASE_URL (a PostgreSQL server)")
async def test_postgresql_carries_tokens_and_connections_over() -> None:
    keyring = Keyring([generate_key()])
    async with scratch_postgres("autostack_git_accounts_test") as database:
        for number in range(7):
            await database.execute(await upgrade_sql("postgres", number))
        await database.execute(rows("postgres", keyring.seal(TOKEN, "users.github_token")))
        await database.execute(await upgrade_sql("postgres", 7))
        accounts, connections = (await database.fetch(ACCOUNTS),
                                 await database.fetch(CONNECTIONS))
        for number in range(8, len(migration_paths("postgres"))):
            await database.execute(await upgrade_sql("postgres", number))
        assert accounts == await database.fetch(ACCOUNTS)
        assert connections == await database.fetch(CONNECTIONS)
    check(keyring, accounts, connections)
