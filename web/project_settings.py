"""Project settings: general, Git, build & development, domains, and the danger zone.

One page shows every section (:func:`settings_page`); each section's form
posts to its own endpoint and the page comes back with a notice, or with the
error naming the field. Environment variables and deploy hooks have their
own modules; they render this same page.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, from_validation_error
from autostack_core.git import git_connections, git_credentials
from autostack_core.infrastructure.models import (
    ROLE_RANK,
    DeployHook,
    Environment,
    EnvironmentVariable,
    Project,
    Role,
    User,
)
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.services import projects, scaling
from autostack_core.services.deploy_hooks import hook_json
from autostack_core.services.projects import ProjectSettings, check_settings
from autostack_core.services.webhooks import webhook_info
from autostack_web.access import page, project_access
from autostack_web.flash import message_of
from autostack_web.projects import previews
from autostack_web.rendering import form_text, host_of, redirect, render

GENERAL_FIELDS = ("git_url", "branch")
BUILD_FIELDS = ("framework", "root_directory", "install_command", "build_command",
                "output_directory", "start_command", "dev_command", "node_version")


async def settings_page(
    request: Request, project: Project, role: Role, status_code: int = 200, **context: Any
) -> Response:
    """The settings page; ``context`` may add ``error``, ``notice``, ``revealed``, ``editing``.

    The Git section shows what ``GET /api/v1/projects/{name}/webhook`` answers (the
    same service function) and the previews per branch and pull request; Scaling shows
    the scale policy and the runtime's cost estimate, as ``/scale`` and ``/cost`` do
    (no estimate when the project's runtime is not installed).
    """
    host = host_of(request)
    installed = project.provider in host.runtimes
    variables = await EnvironmentVariable.filter(project=project).order_by("key")
    member = ROLE_RANK[role] >= ROLE_RANK[Role.MEMBER]
    hooks = await DeployHook.filter(project=project).order_by("id") if member else []
    values = {"project": project, "role": role, "environments": list(Environment),
              "git": await webhook_info(host_of(request), project),
              "connection": await git_connections.connection_of(project),
              "connectable": connectable(request, project),
              "previews": await previews(request, project),
              "variables": variables, "error": None, "notice": message_of(request),
              "revealed": {}, "editing": None,
              "hooks": [hook_json(host_of(request), hook) for hook in hooks],
              "domains": await host.domains.describe(project) if host.domains else [],
              "scale": scaling.scale_json(project), "runtime_installed": installed,
              "cost": await scaling.cost_json(host, project) if installed else None,
              "runtimes": [{"name": name, "accepts": sorted(runtime.accepts),
                            "fields": bool(runtime.config_fields)}
                           for name, runtime in sorted(host.runtimes.items())],
              "values": {}, **context}
    return await render(request, "settings.html", values, status_code=status_code)


def connectable(request: Request, project: Project) -> dict[str, str] | None:
    """The repository ``git_url`` names on a git host whose accounts connect, or None."""
    found = git_credentials.repository_at(host_of(request), project.git_url)
    if found is None:
        return None
    return {"host": found[0].name, "title": found[0].title, "repository": found[1]}


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await settings_page(request, project, role)


def settings_changes(values: dict[str, str]) -> dict[str, Any]:
    """Form values as project settings: empty means "detect it" (None).

    The root directory and branch are never None: an empty root directory is the
    repository's root, and the production branch is required.
    """
    changes: dict[str, Any] = {key: value or None for key, value in values.items()}
    if "root_directory" in values:
        changes["root_directory"] = values["root_directory"].strip("/")
    if "branch" in values and not values["branch"]:
        raise ApiError(422, "production branch: enter the branch that deploys to production, "
                            "like main", "branch")
    try:
        ProjectSettings.model_validate(changes)
    except ValidationError as error:
        raise from_validation_error(error) from error
    check_settings({key: value for key, value in changes.items() if value})
    return changes


async def save(request: Request, user: User, fields: tuple[str, ...], notice: str) -> Response:
    """Validate and save one section's fields (admin role)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values = {name: form_text(form, name) for name in fields}
        auto_deploy = form.get("auto_deploy_enabled") == "on"
    try:
        changes = settings_changes(values)
        projects.check_framework(host_of(request), changes.get("framework"))
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    if "git_url" in changes:
        changes["auto_deploy_enabled"] = auto_deploy
    forgotten = await projects.change_settings(host_of(request), user, project, changes,
                                               client_ip(request))
    if forgotten:
        notice += (" The repository changed, so no one's access to it is used: "
                   "if it is private, reconnect it under Git.")
    return await settings_page(request, project, role, notice=notice)


async def connect_git(request: Request, user: User) -> Response:
    """Connect the project's repository with the signed-in admin's own access on its host."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    app = host_of(request)
    found = git_credentials.repository_at(app, project.git_url)
    if found is None or found[0].oauth_app(app.settings) is None:
        hosts = ", ".join(git_connections.connecting_hosts(app)) or "none installed"
        error = ApiError(422, f"git URL: only a repository on a git host whose accounts "
                              f"connect ({hosts}) can be connected; set its https URL under "
                              "General first", "git_url")
        return await settings_page(request, project, role, 422, error=error)
    git_host, repository = found
    if not await git_connections.account_credential(user, git_host.name):
        return redirect(f"{git_connections.connect_path(git_host)}"
                        f"?next=/projects/{project.name}/settings")
    try:
        connected = await git_connections.connect(app, project, user, git_host, repository)
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error)
    await accounts.audit(f"project.{git_host.name}_connected", user=user, team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request),
                         repository=connected.repository.full_name,
                         webhook=connected.webhook.get("id"))
    return await settings_page(request, project, role, notice=(
        f"{connected.repository.full_name} is connected with your {git_host.title} access."))


async def save_general(request: Request, user: User) -> Response:
    return await save(request, user, GENERAL_FIELDS, "General settings saved.")


async def save_build(request: Request, user: User) -> Response:
    return await save(request, user, BUILD_FIELDS,
                      "Build settings saved; they apply from the next deployment.")


async def save_runtime(request: Request, user: User) -> Response:
    """Choose the runtime (``provider``) the project's next deployments run on (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        provider = form_text(form, "provider")
    try:
        projects.check_provider(host_of(request), provider)
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error)
    await projects.change_settings(host_of(request), user, project, {"provider": provider},
                                   client_ip(request))
    return await settings_page(request, project, role, notice=(
        f"Runtime saved: the next deployment runs on {provider}; running ones stay where "
        "they are."))


async def delete(request: Request, user: User) -> Response:
    """Delete the project once its name is typed (owner role)."""
    project, role = await project_access(user, request.path_params["name"], Role.OWNER)
    async with request.form() as form:
        typed = form_text(form, "confirm")
    if typed != project.name:
        error = ApiError(422, f"confirmation: type the project name, {project.name}, to delete "
                              "it", "confirm")
        return await settings_page(request, project, role, 422, error=error)
    await projects.delete_project(host_of(request), user, project, client_ip(request))
    return redirect(f"/dashboard?team={project.team.slug}")


_SETTINGS = "/projects/{name}/settings"

routes: list[BaseRoute] = [
    Route(_SETTINGS, page(show), methods=["GET"], include_in_schema=False),
    Route(f"{_SETTINGS}/general", page(save_general), methods=["POST"], include_in_schema=False),
    Route(f"{_SETTINGS}/build", page(save_build), methods=["POST"], include_in_schema=False),
    Route(f"{_SETTINGS}/runtime", page(save_runtime), methods=["POST"],
          include_in_schema=False),
    Route(f"{_SETTINGS}/git/connect", page(connect_git), methods=["POST"],
          include_in_schema=False),
    Route(f"{_SETTINGS}/delete", page(delete), methods=["POST"], include_in_schema=False),
]
