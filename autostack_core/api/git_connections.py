"""Repositories on git hosts: a person's own repositories, and connecting one to a project.

Both use the credential the person granted on the host (``/auth/{host}/connect``,
:mod:`autostack_core.git.connect_flow`), never another person's. Connecting is
:func:`autostack_core.git.git_connections.connect`: it checks with the host that
the person's own access covers the repository, records the connection (later
clones use that access for that repository only:
:mod:`autostack_core.git.git_credentials`) and creates the repository webhook
that points at ``/api/v1/webhooks/{host}``.

``/api/v1/git-hosts/{host}/repositories`` and ``/api/v1/projects/{name}/git-connection``
serve every host that connects accounts; the GitHub-named routes from before
(``/api/v1/github/repositories``, ``/api/v1/projects/{name}/github/connect``)
answer as they did, for the host ``github``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.git import git_connections
from autostack_core.infrastructure.models import Role
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip
from autostack_core.services.webhooks import setup_steps

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

LEGACY_HOST = "github"
"""The host of the routes named after GitHub, kept from when only GitHub connected."""


class ConnectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str = Field(min_length=3, max_length=200, pattern=r"^[\w.-]+/[\w.-]+$")


class ConnectionBody(ConnectBody):
    host: str = Field(min_length=1, max_length=48)


async def list_repositories(request: Request, host_name: str) -> Response:
    app: AutoStack = request.app.state.autostack
    host = git_connections.host_named(app, host_name)
    found = await git_connections.repositories(app, host, current_user(request))
    return JSONResponse({"repositories": [repository.to_dict() for repository in found]})


async def connect_repository(request: Request, host_name: str, repo: str) -> Response:
    app: AutoStack = request.app.state.autostack
    user = current_user(request)
    host = git_connections.host_named(app, host_name)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    connected = await git_connections.connect(app, project, user, host, repo)
    await accounts.audit(f"project.{host.name}_connected", user=user, team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request),
                         repository=connected.repository.full_name,
                         webhook=connected.webhook.get("id"))
    answer: dict[str, Any] = {
        "repository": connected.repository.to_dict(), "git_url": project.git_url,
        "webhook": connected.webhook, "warning": connected.warning}
    if "error" in connected.webhook:
        answer["setup"] = setup_steps(app, host)
    return JSONResponse(answer)


async def repositories(request: Request) -> Response:
    """The signed-in user's repositories on a git host, most recently updated first.
    ---
    summary: List your repositories on a git host
    tags: [git]
    parameters: [{name: host, in: path, required: true, description: "a git host that
      connects accounts (github)", schema: {type: string}}]
    responses:
      200: {description: "{repositories: [{full_name, private, clone_url, default_branch, ...}]}"}
      404: {description: no git host of that name connects accounts here}
      409: {description: "your repositories on that host are not connected (code
        {host}_not_connected)"}
    """
    return await list_repositories(request, request.path_params["host"])


async def github_repositories(request: Request) -> Response:
    """The signed-in user's GitHub repositories, most recently updated first.
    ---
    summary: List GitHub repositories
    tags: [git]
    responses:
      200: {description: "{repositories: [{full_name, private, clone_url, default_branch, ...}]}"}
      404: {description: GitHub is not installed as a git host here}
      409: {description: GitHub repositories are not connected (code github_not_connected)}
    """
    return await list_repositories(request, LEGACY_HOST)


async def connect(request: Request) -> Response:
    """Connect a repository your account on its git host can read, and create its webhook
    (admin).
    ---
    summary: Connect a repository on a git host
    tags: [git]
    body: ConnectionBody
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{repository, git_url, webhook: {id, url, active, events,
        last_response} or {error} with setup (the host's steps to add it by hand),
        warning}"}
      404: {description: "no such git host, or the repository does not exist or your account
        cannot read it"}
      409: {description: "your repositories on that host are not connected (code
        {host}_not_connected)"}
    """
    body = await read_body(request, ConnectionBody)
    return await connect_repository(request, body.host, body.repo)


async def connect_github(request: Request) -> Response:
    """Connect a GitHub repository your GitHub account can read, and create its webhook (admin).
    ---
    summary: Connect a GitHub repository
    tags: [git]
    body: ConnectBody
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{repository, git_url, webhook: {id, url, active, events,
        last_response} or {error} with setup (the host's steps to add it by hand),
        warning}"}
      404: {description: the repository does not exist or your GitHub account cannot read it}
      409: {description: GitHub repositories are not connected (code github_not_connected)}
    """
    body = await read_body(request, ConnectBody)
    return await connect_repository(request, LEGACY_HOST, body.repo)


routes: list[BaseRoute] = [
    Route("/api/v1/git-hosts/{host}/repositories", repositories, methods=["GET"]),
    Route("/api/v1/projects/{name}/git-connection", connect, methods=["POST"]),
    Route("/api/v1/github/repositories", github_repositories, methods=["GET"]),
    Route("/api/v1/projects/{name}/github/connect", connect_github, methods=["POST"]),
]
