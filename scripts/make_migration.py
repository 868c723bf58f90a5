"""Write the next Aerich migration for every dialect after a model change.

Usage: python scripts/make_migration.py NAME
Needs PostgreSQL at AUTOSTACK_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test).
Each dialect's history is applied to a scratch database, then Aerich diffs the
models against it and writes the new migration into autostack_core/migrations/.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile

import asyncpg
from aerich import Command

from autostack_core.infrastructure.db import migrations_location, tortoise_config

ADMIN_URL = os.environ.get("AUTOSTACK_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test")


async def write_migration(db_url: str, name: str) -> None:
    location = migrations_location(db_url)
    config = tortoise_config(db_url)
    has_history = any((location / "models").glob("*.py"))
    async with Command(config, app="models", location=str(location)) as command:
        if not has_history:
            await command.init_db(safe=True)
            print(f"{location}: initial migration written")
            return
        await command.init()
        await command.upgrade(run_in_transaction=True)
        await command.init()  # Aerich reads the last models state only from the database
        written = await command.migrate(name, no_input=True)
        print(f"{location}: {written or 'no changes'}")


async def write_sqlite_migration(name: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        await write_migration(f"sqlite://{scratch}/scratch.db", name)


async def write_postgres_migration(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute("DROP DATABASE IF EXISTS autostack_migration_scratch")
    await admin.execute("CREATE DATABASE autostack_migration_scratch")
    try:
        base = ADMIN_URL.rsplit("/", 1)[0]
        await write_migration(f"{base}/autostack_migration_scratch", name)
    finally:
        await admin.execute("DROP DATABASE autostack_migration_scratch WITH (FORCE)")
        await admin.close()


if __name__ == "__main__":
    # One dialect per process: Aerich keeps its state in class attributes.
    migration_name = sys.argv[1] if len(sys.argv) > 1 else "update"
    if len(sys.argv) > 2:
        writer = {"sqlite": write_sqlite_migration, "postgres": write_postgres_migration}
        asyncio.run(writer[sys.argv[2]](migration_name))
    else:
        for one_dialect in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, migration_name, one_dialect], check=True)
