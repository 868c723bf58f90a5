"""GitHub as a source: the user's repositories, and connecting one to a project.

Both use the token the user granted in the "connect GitHub repositories" step
(:mod:`autostack_core.security.oauth`), never another user's. Connecting is
:func:`autostack_core.git.github_connections.connect`: it checks with GitHub that
the user's own access covers the repository, records the repository and the
user (later clones use that token for that repository only:
:mod:`autostack_core.git.git_credentials`) and creates the repository webhook that
points at ``/api/v1/webhooks/github``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.git import github_connections
from autostack_core.git.github import GitHub, GitHubError
from autostack_core.infrastructure.models import Role
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


class ConnectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str = Field(min_length=3, max_length=200, pattern=r"^[\w.-]+/[\w.-]+$")


async def repositories(request: Request) -> Response:
    """The signed-in user's GitHub repositories, most recently updated first.
    ---
    summary: List GitHub repositories
    tags: [github]
    responses:
      200: {description: "{repositories: [{full_name, private, clone_url, default_branch, ...}]}"}
      409: {description: GitHub repositories are not connected (code github_not_connected)}
    """
    app: AutoStack = request.app.state.autostack
    token = github_connections.github_token(current_user(request))
    try:
        async with GitHub(app.settings.github_api_url, token) as github:
            found = await github.repositories()
    except GitHubError as error:
        raise github_connections.github_failed(error) from error
    return JSONResponse({"repositories": [repository.to_dict() for repository in found]})


async def connect(request: Request) -> Response:
    """Connect a GitHub repository your GitHub account can read, and create its webhook (admin).
    ---
    summary: Connect a GitHub repository
    tags: [github]
    body: ConnectBody
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{repository, git_url, webhook: {id, url, active, events,
        last_response} or {error}, warning}"}
      404: {description: the repository does not exist or your GitHub account cannot read it}
      409: {description: GitHub repositories are not connected (code github_not_connected)}
    """
    app: AutoStack = request.app.state.autostack
    user = current_user(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ConnectBody)
    connected = await github_connections.connect(app, project, user, body.repo)
    await accounts.audit("project.github_connected", user=user, team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request),
                         repository=connected.repository.full_name,
                         webhook=connected.webhook.get("id"))
    return JSONResponse({"repository": connected.repository.to_dict(),
                         "git_url": project.git_url, "webhook": connected.webhook,
                         "warning": connected.warning})


routes: list[BaseRoute] = [
    Route("/api/v1/github/repositories", repositories, methods=["GET"]),
    Route("/api/v1/projects/{name}/github/connect", connect, methods=["POST"]),
]
