"""A database a newer release migrated is refused, untouched, with what to do (no downgrade).

A newer release leaves its migrations' names in Aerich's table; one is
written here the same way, since no newer release exists yet.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import asyncpg

from autostack_core.config import Settings
from autostack_core.infrastructure import db
from tests.conftest import free_port

AUTOSTACK = str(Path(sys.executable).parent / "autostack")
FUTURE = "99_29991231000000_from_a_newer_release.py"


async def add_future_migration(settings: Settings) -> None:
    """Write the row a newer release's migration leaves (straight through the driver)."""
    insert = "INSERT INTO aerich (version, app, content) VALUES ({}, 'models', '{{}}')"
    if settings.database_url:
        connection = await asyncpg.connect(settings.database_url)
        try:
            await connection.execute(insert.format("$1"), FUTURE)
        finally:
            await connection.close()
        return
    with sqlite3.connect(settings.data_dir / "autostack.db") as connection:
        connection.execute(insert.format("?"), [FUTURE])


async def test_up_and_migrate_on_a_newer_database_stop_with_what_to_do(
        settings: Settings) -> None:
    settings = replace(settings, redis_url=None)
    await db.migrate(settings)
    await add_future_migration(settings)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUTOSTACK_")}
    if settings.database_url:
        env["AUTOSTACK_DATABASE_URL"] = settings.database_url
    for command in (["migrate"], ["up", "--port", str(free_port()),
                                  "--edge-port", str(free_port())]):
        result = subprocess.run([AUTOSTACK, *command, "--data-dir", str(settings.data_dir)],
                                env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, command
        assert ("the database was migrated by a newer AutoStack than 0.2.0 (migration "
                "99_29991231000000_from_a_newer_release): downgrading is not supported; install "
                "the newer release again") in result.stderr
        assert "Traceback" not in result.stderr
    assert not (settings.data_dir / "edge").exists()  # nothing started
