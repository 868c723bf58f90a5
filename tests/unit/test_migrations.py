"""Both migration histories (SQLite, PostgreSQL) end at the current models.

A model change without ``scripts/make_migration.py`` fails here, before it can
fail on someone's database.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aerich.utils import decompress_dict, get_models_describe
from tortoise import Tortoise

from autostack_core.infrastructure.db import MIGRATIONS_ROOT, tortoise_config


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
    """The state as plain JSON, a callable default named by its name alone: where its module
    lives is Python's business, not the schema's."""
    text = json.dumps(state, sort_keys=True, default=str)
    return json.loads(re.sub(r"<function [\w.]+\.(\w+)>", r"<function \1>", text))


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
