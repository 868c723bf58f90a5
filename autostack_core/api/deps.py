"""What every API endpoint needs: the signed-in user, team roles, parsed bodies and paths.

Path parameters are checked here before they reach the database: an id is a
32-bit integer column (Tortoise's ``IntField``, ``SERIAL`` on PostgreSQL,
which refuses a larger value outright) and a name has its column's length,
and a value beyond either names nothing. Tortoise refuses to even build the query for them (a
500 before these checks), so every lookup by a path parameter goes through
:func:`path_id` or :func:`fits`.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from tortoise.models import Model

from autostack_core.errors import ApiError, Forbidden, NotFound, Unauthorized, from_validation_error
from autostack_core.models import ROLE_RANK, Project, Role, Team, TeamMember, User

BodyT = TypeVar("BodyT", bound=BaseModel)

MAX_ID = 2**31 - 1
"""The largest id an id column holds: every model's ``IntField`` key is 32 bits."""


class Sha256Convertor(Convertor[str]):
    """``{sha:sha256}``: a lowercase sha256 hex digest, so ``files/missing`` is not one."""

    regex = "[0-9a-f]{64}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# Routes compile their paths when they are made, so the converter must exist before
# any API module builds its routes; they all import this module first.
register_url_convertor("sha256", Sha256Convertor())


def current_user(request: Request) -> User:
    """The authenticated user, or 401."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        raise Unauthorized()
    return user


def validate(model: type[BodyT], data: dict[str, Any]) -> BodyT:
    """``data`` as a ``model``, or a 422 naming the first bad field (API bodies and forms)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error) from error


async def read_body(request: Request, model: type[BodyT]) -> BodyT:
    """Parse and validate a JSON body: 400 for bad JSON, 422 naming the field.

    Strictly: a JSON value of another type than the document says is refused,
    not converted (``false`` is no status code, ``"5"`` no number of days).
    """
    raw = await request.body() or b"{}"
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, f"request body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as error:
        raise from_validation_error(error) from error


def path_id(request: Request, what: str, name: str = "id") -> int:
    """The ``{name:int}`` path parameter; beyond :data:`MAX_ID` it names no ``what``: 404."""
    value: int = request.path_params[name]
    if value > MAX_ID:
        raise NotFound(what, name)
    return value


def fits(model: type[Model], field: str, value: str) -> bool:
    """Whether ``value`` fits the column ``model.field``; a longer one names no row."""
    max_length: int | None = getattr(model._meta.fields_map[field], "max_length", None)
    return max_length is None or len(value) <= max_length


async def team_role(team: Team, user: User) -> Role | None:
    member = await TeamMember.get_or_none(team=team, user=user)
    return None if member is None else Role(member.role)


async def require_team_role(team: Team, user: User, minimum: Role) -> Role:
    """The user's role in ``team``; 404 for non-members (teams are private), 403 if too low."""
    role = await team_role(team, user)
    if role is None:
        raise NotFound("team")
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise Forbidden(f"this needs the {minimum.value} role or higher; you are {role.value}")
    return role


async def project_for(request: Request, name: str, minimum: Role = Role.VIEWER) -> Project:
    """The project named ``name`` if the user may act on it with at least ``minimum``."""
    user = current_user(request)
    if not fits(Project, "name", name):
        raise NotFound("project", "name")
    project = await Project.get_or_none(name=name).select_related("team")
    if project is None:
        raise NotFound("project", "name")
    role = await team_role(project.team, user)
    if role is None:
        raise NotFound("project", "name")
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise Forbidden(f"this needs the {minimum.value} role or higher; you are {role.value}")
    return project
