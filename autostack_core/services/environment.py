"""Environment variables of a project: their keys and values checked once, added and
deleted for the API and the dashboard alike.

Values are stored sealed (AES-GCM); members add, change and delete variables,
which the caller checks.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field
from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Environment, EnvironmentVariable, Project, User
from autostack_core.services import audit

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_VALUE_BYTES = 64 * 1024


class VariableBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=256)
    value: str
    environment: Environment | None = None
    environments: list[Environment] | None = Field(default=None, min_length=1)


def check_value(value: str) -> None:
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise ApiError(413, f"value: keep values under {MAX_VALUE_BYTES // 1024} KiB", "value")


async def add_variables(project: Project, body: VariableBody) -> list[EnvironmentVariable]:
    """One row per environment (all three when none is named); 409 if a key exists."""
    if not KEY_RE.match(body.key):
        raise ApiError(422, "key: use letters, digits and underscores, not starting with a "
                       "digit (like DATABASE_URL)", "key")
    check_value(body.value)
    targets = body.environments or ([body.environment] if body.environment else list(Environment))
    targets = list(dict.fromkeys(targets))
    taken = await EnvironmentVariable.filter(
        project=project, key=body.key, environment__in=targets
    ).values_list("environment", flat=True)
    if taken:
        names = ", ".join(str(name) for name in taken)
        raise ApiError(409, f"key: {body.key} already exists in {names}; change or delete it",
                       "key")
    created = []
    async with in_transaction():
        for environment in targets:
            variable = EnvironmentVariable(project=project, key=body.key, environment=environment)
            variable.value = body.value
            await variable.save()
            created.append(variable)
    return created


async def create_variables(user: User, project: Project, body: VariableBody,
                           ip: str) -> list[EnvironmentVariable]:
    """:func:`add_variables`, audited as ``user``'s doing."""
    created = await add_variables(project, body)
    await audit.record("env.created", team=project.team_id,  # type: ignore[attr-defined]
                       target=("env", body.key), project=project.name, actor=user, address=ip,
                       after={"key": body.key, "value": body.value,
                              "environments": [str(v.environment) for v in created]})
    return created


async def change_variable(user: User, project: Project, variable: EnvironmentVariable,
                          value: str | None, targets: list[Environment],
                          ip: str) -> list[EnvironmentVariable]:
    """Edit ``variable`` in place: a new ``value`` (``None`` keeps it) for ``targets``.

    The row stays (moved to the first target when its own environment is unticked)
    and rows are added for the other targets; 409 if the key already exists in one
    of them, so nothing is overwritten unseen. Audited as ``env.updated``.
    """
    targets = list(dict.fromkeys(targets))
    if not targets:
        raise ApiError(422, "environments: tick at least one of production, preview and "
                            "development", "environments")
    if value is not None:
        check_value(value)
    taken = await EnvironmentVariable.filter(
        project=project, key=variable.key, environment__in=targets
    ).exclude(id=variable.id).values_list("environment", flat=True)
    if taken:
        names = ", ".join(str(name) for name in taken)
        raise ApiError(409, f"environments: {variable.key} already exists in {names}; "
                            "edit or delete that one", "environments")
    previous, before_environment = variable.value, str(variable.environment)
    new_value = previous if value is None else value
    if variable.environment not in targets:
        variable.environment = targets[0]
    changed = [variable]
    async with in_transaction():
        variable.value = new_value
        await variable.save()
        for environment in targets:
            if environment != variable.environment:
                extra = EnvironmentVariable(project=project, key=variable.key,
                                            environment=environment)
                extra.value = new_value
                await extra.save()
                changed.append(extra)
    await audit.record("env.updated", team=project.team_id,  # type: ignore[attr-defined]
                       target=("env", variable.key), project=project.name, actor=user,
                       address=ip, before={"key": variable.key, "value": previous,
                                           "environment": before_environment},
                       after={"key": variable.key, "value": new_value,
                              "environments": [str(item.environment) for item in changed]})
    return changed


async def delete_variable(user: User, project: Project, variable: EnvironmentVariable,
                          ip: str) -> None:
    """Delete ``variable`` of ``project``, audited."""
    await variable.delete()
    await audit.record("env.deleted", team=project.team_id,  # type: ignore[attr-defined]
                       target=("env", variable.key), project=project.name, actor=user,
                       address=ip, before={"key": variable.key, "value": variable.value,
                                           "environment": str(variable.environment)})
