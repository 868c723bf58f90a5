"""The real SQL of the Aerich migrations, and scratch PostgreSQL databases to run it on.

Migration tests put a database at the migration before the one under test, add
rows as an older release wrote them, run the migration's own SQL and check the
rows a user still has.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from autostack_core.infrastructure.db import MIGRATIONS_ROOT


def number_of(path: Path) -> int:
    return int(path.name.split("_", 1)[0])


def migration_paths(dialect: str) -> list[Path]:
    """Every migration of ``dialect`` ("sqlite" or "postgres"), oldest first."""
    return sorted((MIGRATIONS_ROOT / dialect / "models").glob("*.py"), key=number_of)


def migration_named(dialect: str, name: str) -> Path:
    """The one migration of ``dialect`` whose file name ends with ``_<name>.py``."""
    [path] = (MIGRATIONS_ROOT / dialect / "models").glob(f"*_{name}.py")
    return path


async def sql_of(path: Path, direction: str = "upgrade") -> str:
    """The SQL the migration at ``path`` runs for ``direction`` ("upgrade" or "downgrade")."""
    spec = importlib.util.spec_from_file_location(f"m_{path.stem}_{path.parent.parent.name}",
                                                  path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sql: str = await getattr(module, direction)(None)
    return sql


async def upgrade_sql(dialect: str, number: int) -> str:
    """The upgrade SQL of migration ``number`` of ``dialect``."""
    [path] = (MIGRATIONS_ROOT / dialect / "models").glob(f"{number}_*.py")
    return await sql_of(path)


@asynccontextmanager
async def scratch_postgres(name: str) -> AsyncIterator[asyncpg.Connection]:
    """A new, empty database ``name`` on ``AUTOSTACK_TEST_DATABASE_URL``'s server, dropped
    afterwards."""
    admin_url = os.environ["AUTOSTACK_TEST_DATABASE_URL"]
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        database = await asyncpg.connect(admin_url.rsplit("/", 1)[0] + f"/{name}")
        try:
            yield database
        finally:
            await database.close()
    finally:
        await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        await admin.close()
