"""What every API endpoint needs: the signed-in user, team roles, parsed bodies and paths.

Path parameters are checked here before they reach the database: an id is a
signed 64-bit column and a name has its column's length, and a value beyond
either names nothing. Tortoise refuses to even build the query for them (a
500 before these checks), so every lookup by a path parameter goes through
:func:`path_id` or :func:`fits`.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from tortoise.models import Model

from autostack_core.errors import ApiError, Forbidden, NotFound, Unauthorized, from_validation_error
from autostack_core.models import ROLE_RANK, Project, Role, Team, TeamMember, User

BodyT = TypeVar("BodyT", bound=BaseModel)

MAX_ID = 2**63 - 1
"""The largest id a database column holds (signed 64 bits)."""


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
    """Parse and validate a JSON body: 400 for bad JSON, 422 naming the field."""
    raw = await request.body()
    try:
        data: Any = json.loads(raw or b"{}")
    except ValueError as error:
        raise ApiError(400, f"request body is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return validate(model, data)


def path_id(request: Request, what: str, name: str = "id") -> int:
    """The ``{name:int}`` path parameter; beyond 64 bits it names no ``what``: 404 naming it."""
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
