"""GitHub as a source: the user's repositories, and connecting one to a project.

Both use the GitHub token stored (sealed) when the user signed in with GitHub
or connected it (:mod:`autostack_core.oauth`). Connecting sets the project's
``github_repo`` and ``git_url``, gives it a webhook secret if it has none, and
creates (or updates) the repository webhook that points at
``/api/v1/webhooks/github``; later deployments clone with the connecting
user's token (:mod:`autostack_core.git_credentials`).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core import accounts
from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.auth import client_ip
from autostack_core.errors import ApiError
from autostack_core.git_credentials import CONNECTED_BY
from autostack_core.github import GitHub, GitHubError
from autostack_core.models import Role, User

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

UNREACHABLE_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class ConnectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repo: str = Field(min_length=3, max_length=200, pattern=r"^[\w.-]+/[\w.-]+$")


def github_token(user: User) -> str:
    """The user's GitHub token, or 409 saying how to connect GitHub."""
    token: str | None = user.github_token
    if not token:
        raise ApiError(409, "connect your GitHub account first: open /auth/github/login",
                       code="github_not_connected")
    return token


def github_failed(error: GitHubError) -> ApiError:
    status = error.status if error.status in (401, 403, 404, 422) else 502
    return ApiError(status, error.message, "repo")


def webhook_url(app: AutoStack) -> str:
    return f"{app.settings.server_url.rstrip('/')}/api/v1/webhooks/github"


def reachability_warning(url: str) -> str | None:
    """A warning when GitHub's servers cannot deliver to ``url`` (a loopback address)."""
    if any(f"//{host}" in url for host in UNREACHABLE_HOSTS):
        return (f"GitHub cannot reach {url}; set AUTOSTACK_PUBLIC_URL to this server's "
                "public address and connect again")
    return None


async def repositories(request: Request) -> Response:
    """The signed-in user's GitHub repositories, most recently updated first.
    ---
    summary: List GitHub repositories
    tags: [github]
    responses:
      200: {description: "{repositories: [{full_name, private, clone_url, default_branch, ...}]}"}
      409: {description: GitHub is not connected (code github_not_connected)}
    """
    app: AutoStack = request.app.state.autostack
    token = github_token(current_user(request))
    try:
        async with GitHub(app.settings.github_api_url, token) as github:
            found = await github.repositories()
    except GitHubError as error:
        raise github_failed(error) from error
    return JSONResponse({"repositories": [repository.to_dict() for repository in found]})


async def connect(request: Request) -> Response:
    """Connect a GitHub repository to the project and create its webhook (admin).
    ---
    summary: Connect a GitHub repository
    tags: [github]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [repo]
            properties: {repo: {type: string, example: octo-org/site}}
    responses:
      200: {description: "{repository, git_url, webhook: {id, url, active, events,
        last_response} or {error}, warning}"}
      404: {description: the repository does not exist or the token cannot see it}
      409: {description: GitHub is not connected (code github_not_connected)}
    """
    app: AutoStack = request.app.state.autostack
    user = current_user(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ConnectBody)
    token = github_token(user)
    url = webhook_url(app)
    webhook: dict[str, Any]
    async with GitHub(app.settings.github_api_url, token) as github:
        try:
            repository = await github.repository(body.repo)
        except GitHubError as error:
            raise github_failed(error) from error
        project.github_repo = repository.full_name
        project.git_url = repository.clone_url
        project.settings = {**project.settings, CONNECTED_BY: user.id}
        if not project.webhook_secret:
            project.webhook_secret = secrets.token_urlsafe(32)
        await project.save(update_fields=["github_repo", "git_url", "settings",
                                          "webhook_secret_sealed", "updated_at"])
        try:
            webhook = (await github.ensure_webhook(
                repository.full_name, url, project.webhook_secret or "")).to_dict()
        except GitHubError as error:
            webhook = {"error": error.message}
    await accounts.audit("project.github_connected", user=user, team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request),
                         repository=repository.full_name, webhook=webhook.get("id"))
    return JSONResponse({"repository": repository.to_dict(), "git_url": project.git_url,
                         "webhook": webhook, "warning": reachability_warning(url)})


routes: list[BaseRoute] = [
    Route("/api/v1/github/repositories", repositories, methods=["GET"]),
    Route("/api/v1/projects/{name}/github/connect", connect, methods=["POST"]),
]
