"""A database migrated once per test session, copied for each test.

Migrating a new database runs every migration (22 of them and growing): about a
second on SQLite and several on PostgreSQL, for each of the hundreds of tests that
start a server. The tests instead start from a copy of one database migrated at
the start of the session, by the same ``db.migrate`` the server runs: a file copy
on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. The server's own start
still runs ``db.migrate``, which finds nothing to apply.

Run as ``python -m tests.template_database TARGET`` (an SQLite file's path or a
PostgreSQL database's URL) it migrates that database in a process of its own, so
the test session's ORM state is never touched.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autostack_core.config import Settings
from autostack_core.infrastructure import db

SQLITE_NAME = "autostack.db"
"""The file name the server gives its SQLite database in the data directory."""


def migrate_in_subprocess(target: str) -> None:
    subprocess.run([sys.executable, "-m", "tests.template_database", target], check=True,
                   cwd=Path(__file__).parent.parent)


class SqliteTemplate:
    """A migrated SQLite file, copied into each test's data directory."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autostack-template-"))
        self.path = self.folder / SQLITE_NAME
        migrate_in_subprocess(str(self.path))

    def copy_into(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, data_dir / SQLITE_NAME)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


async def _migrate(target: str) -> None:
    if target.startswith("postgres"):
        with tempfile.TemporaryDirectory() as unused_data_dir:
            await db.migrate(Settings(data_dir=Path(unused_data_dir), database_url=target))
    else:
        await db.migrate(Settings(data_dir=Path(target).parent, database_url=None))


if __name__ == "__main__":
    asyncio.run(_migrate(sys.argv[1]))
