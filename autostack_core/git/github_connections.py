"""Connecting a GitHub repository to a project, with the connecting user's own access.

Like Vercel's Git integration, a repository is connected by a person whose own
GitHub access covers it: the server asks GitHub, with that person's token,
for the repository (``GET /repos/{owner}/{name}``; GitHub answers 404 for a
private repository the token cannot read). Only then does the project record
the repository and that person (:mod:`autostack_core.git.git_credentials` uses the
pair, and nothing else, when cloning), and get its webhook.

The token is the one the person granted in the "connect GitHub repositories"
step (:mod:`autostack_core.security.oauth`, scope ``repo``); signing in with GitHub
grants no repository access. The API (:mod:`autostack_core.api.github`) and the
dashboard both call :func:`connect`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.git.github import GitHub, GitHubError, Repository
from autostack_core.infrastructure.models import Project, User

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

CONNECT_PATH = "/auth/github/connect"
"""Where a signed-in person grants AutoStack access to their GitHub repositories."""
UNREACHABLE_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Connected:
    """The repository now connected, and its webhook (``{"error": ...}`` if it failed)."""

    repository: Repository
    webhook: dict[str, Any]
    warning: str | None


def github_token(user: User) -> str:
    """The user's repository-access token, or 409 saying how to grant one."""
    token: str | None = user.github_token
    if not token:
        raise ApiError(409, f"connect your GitHub repositories first: open {CONNECT_PATH} "
                            "signed in, and approve access to repositories",
                       code="github_not_connected")
    return token


def github_failed(error: GitHubError) -> ApiError:
    status = error.status if error.status in (401, 403, 404, 422) else 502
    message = error.message
    if status == 404:
        message += " (the repository does not exist, or your GitHub account cannot read it)"
    return ApiError(status, message, "repo")


def webhook_url(app: AutoStack) -> str:
    return f"{app.settings.server_url.rstrip('/')}/api/v1/webhooks/github"


def reachability_warning(url: str) -> str | None:
    """A warning when GitHub's servers cannot deliver to ``url`` (a loopback address)."""
    if any(f"//{host}" in url for host in UNREACHABLE_HOSTS):
        return (f"GitHub cannot reach {url}; set AUTOSTACK_PUBLIC_URL to this server's "
                "public address and connect again")
    return None


async def connect(app: AutoStack, project: Project, user: User, full_name: str) -> Connected:
    """Connect ``full_name`` to ``project`` with ``user``'s access (checked with GitHub).

    Sets ``github_repo``, ``git_url`` and ``git_connected_by``, gives the project a
    webhook secret if it has none, and creates or updates the repository webhook.
    Raises :class:`ApiError` (409 no token, 404 the user cannot read it).
    """
    token = github_token(user)
    url = webhook_url(app)
    async with GitHub(app.settings.github_api_url, token) as github:
        try:
            repository = await github.repository(full_name)
        except GitHubError as error:
            raise github_failed(error) from error
        project.github_repo = repository.full_name
        project.git_url = repository.clone_url
        project.git_connected_by_id = user.id
        if not project.webhook_secret:
            project.webhook_secret = secrets.token_urlsafe(32)
        await project.save(update_fields=["github_repo", "git_url", "git_connected_by_id",
                                          "webhook_secret_sealed", "updated_at"])
        webhook: dict[str, Any]
        try:
            webhook = (await github.ensure_webhook(
                repository.full_name, url, project.webhook_secret or "")).to_dict()
        except GitHubError as error:
            webhook = {"error": error.message}
    return Connected(repository, webhook, reachability_warning(url))


async def connection_of(project: Project) -> dict[str, Any] | None:
    """``{repository, connected_by}`` (the connecting user's email) or None."""
    user_id: int | None = project.git_connected_by_id  # type: ignore[attr-defined]
    if project.github_repo is None or user_id is None:
        return None
    user = await User.get_or_none(id=user_id)
    return {"repository": project.github_repo,
            "connected_by": user.email if user is not None else None}
