"""Deploy hooks on the settings page: members see their URLs, admins add and revoke them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import deploy_hooks
from autostack_core.services.projects import check_settings
from autostack_web.access import page, path_id, project_access
from autostack_web.project_settings import settings_page
from autostack_web.rendering import form_text, redirect


async def add(request: Request, user: User) -> Response:
    """Create a deploy hook for a branch, as ``POST .../deploy-hooks`` does."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values = {"hook_name": form_text(form, "hook_name"),
                  "hook_branch": form_text(form, "hook_branch")}
    branch = values["hook_branch"] or project.branch
    try:
        if not values["hook_name"] or len(values["hook_name"]) > 120:
            raise ApiError(422, "hook name: enter 1 to 120 characters, like 'CMS publish'",
                           "hook_name")
        try:
            check_settings({"branch": branch})
        except ApiError as error:
            raise ApiError(422, f"hook {error.message}", "hook_branch") from error
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    hook = await deploy_hooks.create_hook(user, project, values["hook_name"], branch,
                                          client_ip(request))
    return await settings_page(request, project, role, 201,
                               notice=f"Deploy hook {hook.name} created.")


async def delete(request: Request, user: User) -> Response:
    project, _ = await project_access(user, request.path_params["name"], Role.ADMIN)
    hook_id = path_id(request, "deploy hook")
    await deploy_hooks.delete_hook(user, project, hook_id, client_ip(request))
    return redirect(f"/projects/{project.name}/settings#deploy-hooks")


_HOOKS = "/projects/{name}/settings/deploy-hooks"

routes: list[BaseRoute] = [
    Route(_HOOKS, page(add), methods=["POST"], include_in_schema=False),
    Route(f"{_HOOKS}/{{id:int}}/delete", page(delete), methods=["POST"], include_in_schema=False),
]
