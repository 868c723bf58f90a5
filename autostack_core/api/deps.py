"""What every API endpoint needs: the signed-in user, parsed bodies and paths, the audit trail.

Public (:mod:`autostack_core.public`) for the API routes a plugin adds with
``register_routes`` (the domains plugin's), as :mod:`autostack_core.cli.options`
is for the commands of ``register_commands``.

The checks themselves (ids and names beyond their column, team roles) are the
services layer's (:mod:`autostack_core.services.checks`,
:mod:`autostack_core.services.access`), shared with the dashboard; here they
meet the request: every lookup by a path parameter goes through
:func:`path_id` or :func:`~autostack_core.services.checks.fits`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from autostack_core.errors import ApiError, NotFound, Unauthorized, from_validation_error
from autostack_core.infrastructure.models import Project, Role, Team, User
from autostack_core.security.request_actor import actor_of
from autostack_core.services import audit as audit_log
from autostack_core.services.access import project_with_role, require_team_role
from autostack_core.services.checks import checked_id, fits

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

BodyT = TypeVar("BodyT", bound=BaseModel)


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


def autostack_of(request: Request) -> AutoStack:
    """The AutoStack host serving ``request`` (its settings, plugins, runtimes and edge)."""
    app: AutoStack = request.app.state.autostack
    return app


def current_user(request: Request) -> User:
    """The authenticated user, or 401."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        raise Unauthorized()
    return user


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
    """The ``{name:int}`` path parameter; beyond an id column it names no ``what``: 404."""
    return checked_id(request.path_params[name], what, name)


async def project_for(request: Request, name: str, minimum: Role = Role.VIEWER) -> Project:
    """The project named ``name`` if the user may act on it with at least ``minimum``."""
    return await project_with_role(current_user(request), name, minimum)


async def team_for(request: Request, minimum: Role) -> tuple[Team, Role]:
    """The team of the path's ``slug`` and the user's role in it (404 for non-members)."""
    slug = request.path_params["slug"]
    team = await Team.get_or_none(slug=slug) if fits(Team, "slug", slug) else None
    if team is None:
        raise NotFound("team", "slug")
    return team, await require_team_role(team, current_user(request), minimum)


async def audit(request: Request, action: str, *, team: Team, target: tuple[str, str],
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                project: str = "", **data: Any) -> None:
    """Record a change the signed-in user made from this request: who (and through which API
    token), what, to which ``target`` of which ``project``, from where, the fields that changed
    (``before``/``after``, secrets masked) and other ``data``
    (:func:`autostack_core.services.audit.record`)."""
    current_user(request)
    await audit_log.record(action, team=team, target=target, before=before, after=after,
                           actor=actor_of(request), project=project, details=data)
