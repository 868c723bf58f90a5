"""Environment variables of a project (``/api/v1/projects/{name}/env``).

Values are stored sealed (AES-GCM) and never listed in plaintext unless the
caller asks with ``?decrypt=1`` and has at least the member role. Viewers see
keys and environments; members add, change and delete variables.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, path_id, project_for, read_body
from autostack_core.errors import Forbidden, NotFound
from autostack_core.infrastructure.models import (
    ROLE_RANK,
    Environment,
    EnvironmentVariable,
    Project,
    Role,
)
from autostack_core.security.auth import client_ip
from autostack_core.services import audit, environment
from autostack_core.services.access import team_role
from autostack_core.services.environment import VariableBody, check_value

SCHEMAS: dict[str, Any] = {
    "EnvironmentVariable": {
        "type": "object",
        "description": "What variable_json() writes; value only when decrypted.",
        "required": ["id", "key", "environment", "created_at", "updated_at"],
        "properties": {
            "id": {"type": "integer"}, "key": {"type": "string"},
            "environment": {"type": "string", "enum": [str(item) for item in Environment]},
            "created_at": {"type": "string"}, "updated_at": {"type": "string"},
            "value": {"type": "string"},
        },
    },
    "EnvironmentVariables": {
        "type": "object", "required": ["env"],
        "properties": {"env": {"type": "array",
                               "items": {"$ref": "#/components/schemas/EnvironmentVariable"}}},
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class ValueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str


def variable_json(variable: EnvironmentVariable, decrypt: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": variable.id, "key": variable.key, "environment": str(variable.environment),
        "created_at": variable.created_at.isoformat(),
        "updated_at": variable.updated_at.isoformat(),
    }
    if decrypt:
        body["value"] = variable.value
    return body


async def list_variables(request: Request) -> Response:
    """The project's variables; values only with ``?decrypt=1`` and the member role.
    ---
    summary: List environment variables
    tags: [environment]
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: decrypt, in: query, description: "1 or true: with the values (member role)",
         schema: {type: string}}
    responses:
      200: {description: "{env: [{id, key, environment, value?}]}", schema: EnvironmentVariables}
      403: {description: decrypting needs the member role}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    decrypt = request.query_params.get("decrypt") in ("1", "true")
    if decrypt:
        role = await team_role(project.team, current_user(request))
        if role is None or ROLE_RANK[role] < ROLE_RANK[Role.MEMBER]:
            raise Forbidden("reading values needs the member role or higher")
    variables = await EnvironmentVariable.filter(project=project).order_by("key", "environment")
    return JSONResponse({"env": [variable_json(item, decrypt) for item in variables]})


async def create_variable(request: Request) -> Response:
    """Add a variable to one or more environments (member).
    ---
    summary: Add an environment variable
    tags: [environment]
    body: VariableBody
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      201:
        description: "{env: [{id, key, environment}]} (one per environment)"
        schema: EnvironmentVariables
      409: {description: the key exists in one of the environments}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, VariableBody)
    created = await environment.create_variables(current_user(request), project, body,
                                                 client_ip(request))
    return JSONResponse({"env": [variable_json(item, False) for item in created]},
                        status_code=201)


async def variable_for(request: Request, project: Project) -> EnvironmentVariable:
    variable = await EnvironmentVariable.get_or_none(
        project=project, id=path_id(request, "environment variable"))
    if variable is None:
        raise NotFound("environment variable", "id")
    return variable


async def update_variable(request: Request) -> Response:
    """Change a variable's value (member).
    ---
    summary: Change an environment variable
    tags: [environment]
    body: ValueBody
    responses:
      200:
        description: "{env: {id, key, environment}}"
        schema:
          type: object
          required: [env]
          properties: {env: {$ref: "#/components/schemas/EnvironmentVariable"}}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, ValueBody)
    variable = await variable_for(request, project)
    check_value(body.value)
    previous = variable.value
    variable.value = body.value
    await variable.save(update_fields=["value_sealed", "updated_at"])
    await audit.record("env.updated", team=project.team_id,  # type: ignore[attr-defined]
                       target=("env", variable.key), project=project.name,
                       before={"value": previous}, after={"value": body.value},
                       details={"environment": str(variable.environment)})
    return JSONResponse({"env": variable_json(variable, False)})


async def delete_variable(request: Request) -> Response:
    """Delete a variable (member).
    ---
    summary: Delete an environment variable
    tags: [environment]
    responses:
      204: {description: deleted}
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    variable = await variable_for(request, project)
    await environment.delete_variable(current_user(request), project, variable,
                                      client_ip(request))
    return Response(status_code=204)


_ENV = "/api/v1/projects/{name}/env"

routes: list[BaseRoute] = [
    Route(_ENV, list_variables, methods=["GET"]),
    Route(_ENV, create_variable, methods=["POST"]),
    Route(f"{_ENV}/{{id:int}}", update_variable, methods=["PATCH"]),
    Route(f"{_ENV}/{{id:int}}", delete_variable, methods=["DELETE"]),
]
