"""Database set-up: Tortoise configuration and Aerich migrations.

Aerich writes dialect-specific SQL, so the repository carries one migration
history per dialect (``migrations/sqlite`` and ``migrations/postgres``),
generated from the same models; a test checks both match the models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aerich import Command
from tortoise import Tortoise

from autostack_core.config import Settings

MIGRATIONS_ROOT = Path(__file__).parent / "migrations"
MODEL_MODULES = ["autostack_core.models", "aerich.models"]


def dialect(db_url: str) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgres"


def tortoise_config(db_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": db_url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


def migrations_location(db_url: str) -> Path:
    return MIGRATIONS_ROOT / dialect(db_url)


async def migrate(settings: Settings) -> list[str]:
    """Apply every pending migration; returns the names applied (none when up to date)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = tortoise_config(settings.db_url)
    async with Command(config, app="models", location=str(migrations_location(settings.db_url))) \
            as command:
        await command.init()
        return await command.upgrade(run_in_transaction=True)


async def connect(settings: Settings) -> None:
    """Open the ORM for this process (after :func:`migrate`)."""
    await Tortoise.init(config=tortoise_config(settings.db_url), _enable_global_fallback=True)


async def disconnect() -> None:
    await Tortoise.close_connections()
