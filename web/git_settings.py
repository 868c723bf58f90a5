"""The repository webhook on the settings page's Git section: rotate its secret, create it,
disconnect the repository.

Admins only, as ``POST /api/v1/projects/{name}/webhook-secret``, ``POST
/api/v1/projects/{name}/webhook`` and ``PATCH /api/v1/projects/{name}`` with no
``git_url`` (the same service functions, :mod:`autostack_core.git.webhook_setup`
and :func:`autostack_core.services.projects.change_settings`). A new secret is
shown once, in the page that answers the form, beside the set-up steps it goes into.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.git import webhook_setup
from autostack_core.infrastructure.models import GitConnection, Role, User
from autostack_core.security.auth import client_ip
from autostack_core.services import projects
from autostack_web.access import page, project_access
from autostack_web.project_settings import settings_page
from autostack_web.rendering import host_of


async def rotate_secret(request: Request, user: User) -> Response:
    """Give the project a new random webhook secret and show it once."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    secret, warning = await webhook_setup.rotate_secret(host_of(request), project, user,
                                                        client_ip(request))
    notice = "New webhook secret: copy it now, it is shown only this once."
    if warning:
        notice += f" Note: {warning}."
    return await settings_page(request, project, role, notice=notice, revealed_secret=secret)


async def create_webhook(request: Request, user: User) -> Response:
    """Create (or update) the connected repository's webhook with the admin's own access."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    try:
        webhook = await webhook_setup.create_webhook(host_of(request), project, user,
                                                     client_ip(request))
    except ApiError as error:
        return await settings_page(request, project, role, error.status, error=error)
    if "error" in webhook:
        error = ApiError(422, f"webhook: {webhook['error']} (steps below)", "webhook")
        return await settings_page(request, project, role, 422, error=error)
    return await settings_page(request, project, role, notice=(
        "Webhook created on the repository: its pushes and pull requests now deploy."))


async def disconnect(request: Request, user: User) -> Response:
    """Unlink the repository, as Vercel's Disconnect does: no git URL, no connection, and the
    webhook AutoStack created deleted; the project then deploys with the CLI or git push."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    repository = project.git_url
    connection = await GitConnection.get_or_none(project_id=project.id)
    warning = await webhook_setup.remove_webhook(host_of(request), connection) \
        if connection is not None else None
    if warning and connection is not None:
        # Reported below; unlinking must not ask the host a second time.
        connection.webhook_id = None
        await connection.save(update_fields=["webhook_id", "updated_at"])
    await projects.change_settings(host_of(request), user, project, {"git_url": None},
                                   client_ip(request))
    notice = f"{repository} is disconnected: deploy with the CLI or git push."
    if warning:
        notice += f" Note: {warning}."
    return await settings_page(request, project, role, notice=notice)


_GIT = "/projects/{name}/settings/git"

routes: list[BaseRoute] = [
    Route(f"{_GIT}/secret", page(rotate_secret), methods=["POST"], include_in_schema=False),
    Route(f"{_GIT}/webhook", page(create_webhook), methods=["POST"], include_in_schema=False),
    Route(f"{_GIT}/disconnect", page(disconnect), methods=["POST"], include_in_schema=False),
]
