"""Environment variables on the settings page: add, edit, reveal and delete (member role).

Values stay hidden until revealed one at a time; revealing is a POST (CSRF
checked, never prefetched or cached) and needs the member role, like the API's
``?decrypt=1``. With htmx the revealed row replaces the hidden one in place;
without JavaScript the whole page comes back with that value shown. Editing changes
a variable's value and environments in place; an empty value keeps the sealed one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    Environment,
    EnvironmentVariable,
    Project,
    Role,
    User,
)
from autostack_core.security.auth import client_ip
from autostack_core.services import environment
from autostack_core.services.checks import validate
from autostack_core.services.environment import VariableBody
from autostack_web.access import page, path_id, project_access
from autostack_web.flash import done
from autostack_web.project_settings import settings_page
from autostack_web.rendering import form_text, redirect


async def variable_of(request: Request, project: Project) -> EnvironmentVariable:
    variable = await EnvironmentVariable.get_or_none(
        project=project, id=path_id(request, "environment variable"))
    if variable is None:
        raise NotFound("environment variable")
    return variable


async def add(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    async with request.form() as form:
        key, value = form_text(form, "key"), form.get("value")
        chosen = [name for name in form.getlist("environments") if isinstance(name, str)]
    values = {"key": key, "value": value if isinstance(value, str) else ""}
    try:
        if not chosen:
            raise ApiError(422, "environments: tick at least one of production, preview and "
                                "development", "environments")
        known = [Environment(name) for name in chosen if name in set(Environment)]
        body = validate(VariableBody, {**values, "environments": known})
        await environment.create_variables(user, project, body, client_ip(request))
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    return await settings_page(request, project, role, 201,
                               notice=f"{key} added; it applies from the next deployment.")


async def edit(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    variable = await variable_of(request, project)
    async with request.form() as form:
        value = form.get("value")
        chosen = {name for name in form.getlist("environments") if isinstance(name, str)}
    targets = [name for name in Environment if name in chosen]
    try:
        await environment.change_variable(
            user, project, variable, value if isinstance(value, str) and value else None,
            targets, client_ip(request))
    except ApiError as error:
        error.field = "env_edit"
        return await settings_page(request, project, role, error.status, error=error,
                                   editing=variable.id)
    names = ", ".join(str(name) for name in targets)
    return await settings_page(
        request, project, role,
        notice=f"{variable.key} saved for {names}; it applies from the next deployment.")


async def reveal(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    variable = await variable_of(request, project)
    return await settings_page(request, project, role, revealed={variable.id: variable.value})


async def delete(request: Request, user: User) -> Response:
    project, _ = await project_access(user, request.path_params["name"], Role.MEMBER)
    variable = await variable_of(request, project)
    await environment.delete_variable(user, project, variable, client_ip(request))
    return redirect(done(f"/projects/{project.name}/settings", "variable-deleted", variable.key)
                    + "#environment-variables")


_ENV = "/projects/{name}/settings/env"

routes: list[BaseRoute] = [
    Route(_ENV, page(add), methods=["POST"], include_in_schema=False),
    Route(f"{_ENV}/{{id:int}}/edit", page(edit), methods=["POST"], include_in_schema=False),
    Route(f"{_ENV}/{{id:int}}/reveal", page(reveal), methods=["POST"], include_in_schema=False),
    Route(f"{_ENV}/{{id:int}}/delete", page(delete), methods=["POST"], include_in_schema=False),
]
