"""Database set-up: Tortoise configuration and Aerich migrations.

Aerich writes dialect-specific SQL, so the repository carries one migration
history per dialect (``migrations/sqlite`` and ``migrations/postgres``),
generated from the same models; a test checks both match the models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from aerich import Command
from tortoise import Tortoise
from tortoise.exceptions import OperationalError

from autostack_core import __version__
from autostack_core.config import Settings

MIGRATIONS_ROOT = Path(__file__).parent.parent / "migrations"
MODEL_MODULES = ["autostack_core.infrastructure.models", "aerich.models"]
T = TypeVar("T")


def dialect(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgres"


def tortoise_config(db_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": db_url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def uncancelled(write: Awaitable[T]) -> T:
    """Run a batch write (``bulk_create``) to its end even if the caller is cancelled.

    On SQLite, Tortoise's ``bulk_create`` runs BEGIN, the inserts and COMMIT on
    the server's one shared connection and rolls back only on ``Exception``: a
    cancellation in between (``asyncio.CancelledError`` is not one) leaves the
    transaction open, its rows uncommitted, and the next batch write anywhere in
    the server fails with "cannot start a transaction within a transaction".
    Shielded, the write commits; the caller is still cancelled when it returns.
    """
    return await asyncio.shield(write)


def migrations_location(db_url: str) -> Path:
    return MIGRATIONS_ROOT / dialect(db_url)


class NewerDatabase(Exception):
    """The database carries a migration this release does not have: it is a downgrade."""


def known_migrations(db_url: str) -> set[str]:
    return {path.name for path in (migrations_location(db_url) / "models").glob("*.py")}


async def migrate(settings: Settings) -> list[str]:
    """Apply every pending migration; returns the names applied (none when up to date).

    A database that a newer release migrated is refused untouched: this
    release's code would misread its tables, and Aerich would go on as if
    nothing were wrong.
    """
    from aerich.models import Aerich

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = tortoise_config(settings.db_url)
    async with Command(config, app="models", location=str(migrations_location(settings.db_url))) \
            as command:
        await command.init()
        try:
            applied = await Aerich.filter(app="models").values_list("version", flat=True)
        except OperationalError:  # a new database: Aerich makes its table at the first upgrade
            applied = []
        unknown = sorted(set(map(str, applied)) - known_migrations(settings.db_url))
        if unknown:
            raise NewerDatabase(
                f"the database was migrated by a newer AutoStack than {__version__} (migration "
                f"{unknown[-1].removesuffix('.py')}): downgrading is not supported; install "
                "the newer release again, or restore a backup made before the upgrade "
                "(autostack backup restore)")
        return await command.upgrade(run_in_transaction=True)


async def connect(settings: Settings) -> None:
    """Open the ORM for this process (after :func:`migrate`)."""
    await Tortoise.init(config=tortoise_config(settings.db_url), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()
