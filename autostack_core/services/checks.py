"""Checks of caller input shared by the API and the dashboard.

Ids and names from a path are checked here before they reach the database: an
id is a 32-bit integer column (Tortoise's ``IntField``, ``SERIAL`` on
PostgreSQL, which refuses a larger value outright) and a name has its column's
length, and a value beyond either names nothing. Tortoise refuses to even
build the query for them (a 500 before these checks), so every lookup by a
path parameter goes through :func:`checked_id` or :func:`fits`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from tortoise.models import Model

from autostack_core.errors import NotFound, from_validation_error

BodyT = TypeVar("BodyT", bound=BaseModel)

MAX_ID = 2**31 - 1
"""The largest id an id column holds: every model's ``IntField`` key is 32 bits."""


def checked_id(value: int, what: str, name: str = "id") -> int:
    """``value``, an id from the path parameter ``name``; beyond :data:`MAX_ID` it names
    no ``what``: 404 naming ``name``."""
    if value > MAX_ID:
        raise NotFound(what, name)
    return value


def fits(model: type[Model], field: str, value: str) -> bool:
    """Whether ``value`` fits the column ``model.field``; a longer one names no row."""
    max_length: int | None = getattr(model._meta.fields_map[field], "max_length", None)
    return max_length is None or len(value) <= max_length


def validate(model: type[BodyT], data: dict[str, Any]) -> BodyT:
    """``data`` as a ``model``, or a 422 naming the first bad field (API bodies and forms)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error) from error
