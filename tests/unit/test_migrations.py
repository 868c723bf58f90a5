"""Both migration histories (SQLite, PostgreSQL) end at the current models.

A model change without ``scripts/make_migration.py`` fails here, before it can
fail on someone's database.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from aerich.utils import decompress_dict, get_models_describe
from tortoise import Tortoise

from autostack_core.db import MIGRATIONS_ROOT, tortoise_config


def last_models_state(dialect: str) -> dict[str, Any]:
    latest = max((MIGRATIONS_ROOT / dialect / "models").glob("*.py"),
                 key=lambda path: int(path.name.split("_", 1)[0]))
    spec = importlib.util.spec_from_file_location(f"migration_{dialect}", latest)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    state: dict[str, Any] = decompress_dict(module.MODELS_STATE)
    return state


def normalized(state: dict[str, Any]) -> Any:
    return json.loads(json.dumps(state, sort_keys=True, default=str))


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
async def test_the_last_migration_matches_the_models(dialect: str, tmp_path: Path) -> None:
    await Tortoise.init(config=tortoise_config(f"sqlite://{tmp_path}/describe.db"))
    try:
        current = normalized(get_models_describe("models"))
    finally:
        await Tortoise.close_connections()
    assert normalized(last_models_state(dialect)) == current, (
        "models changed without a migration: run scripts/make_migration.py NAME")


def test_every_dialect_has_the_same_number_of_migrations() -> None:
    counts = {dialect: len(list((MIGRATIONS_ROOT / dialect / "models").glob("*.py")))
              for dialect in ("sqlite", "postgres")}
    assert counts["sqlite"] == counts["postgres"] >= 1
