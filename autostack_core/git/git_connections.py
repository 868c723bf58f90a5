"""Connecting a repository on a git host to a project, with the connecting person's own access.

Like Vercel's Git integration, a repository is connected by a person whose own
access on the host covers it: the core asks the host, with that person's
credential, for the repository (:meth:`GitHost.repository`; a host answers 404
for a private repository the credential cannot read). Only then does the
project record the host, the repository and that person
(:class:`~autostack_core.infrastructure.models.GitConnection`; clones use the
pair, and nothing else: :mod:`autostack_core.git.git_credentials`), and get its
webhook (:meth:`GitHost.ensure_webhook`).

A person's credential on a host is a :class:`~autostack_core.infrastructure.models.GitAccount`,
stored sealed when they grant access at :func:`connect_path` (``/auth/{host}/connect``,
:mod:`autostack_core.git.connect_flow`) through the OAuth app the host declares. The API
(:mod:`autostack_core.api.git_connections`) and the dashboard both call
:func:`connect`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import GitAccount, GitConnection, Project, User
from autostack_core.interfaces.git_host import GitHost, GitHostError, Repository

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

UNREACHABLE_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Connected:
    """The repository now connected, and its webhook (``{"error": ...}`` if it failed)."""

    repository: Repository
    webhook: dict[str, Any]
    warning: str | None


def connect_path(host: GitHost) -> str:
    """Where a signed-in person grants AutoStack access to their repositories on ``host``."""
    return f"/auth/{host.name}/connect"


def host_named(app: AutoStack, name: str) -> GitHost:
    """The registered git host ``name`` that connects accounts, or 404."""
    host = app.git_hosts.get(name)
    if host is None or host.oauth_app(app.settings) is None:
        raise ApiError(404, f"no git host named {name[:48]!r} connects repositories here "
                            f"(hosts that do: {', '.join(connecting_hosts(app)) or 'none'})",
                       "host")
    return host


def connecting_hosts(app: AutoStack) -> list[str]:
    """The names of the registered git hosts people connect their accounts to (those that
    declare an OAuth app)."""
    return sorted(name for name, host in app.git_hosts.items()
                  if host.oauth_app(app.settings) is not None)


async def account_credential(user: User | None, host: str) -> str | None:
    """``user``'s credential on ``host``, or None."""
    if user is None:
        return None
    account = await GitAccount.get_or_none(user_id=user.id, host=host)
    return account.credential if account is not None else None


async def save_account_credential(user: User, host: str, credential: str | None) -> None:
    """Store (or with ``None``, forget) ``user``'s credential on ``host``."""
    if credential is None:
        await GitAccount.filter(user_id=user.id, host=host).delete()
        return
    account = await GitAccount.get_or_none(user_id=user.id, host=host) \
        or GitAccount(user_id=user.id, host=host)
    account.credential = credential
    await account.save()


async def credential_for(host: GitHost, user: User) -> str:
    """``user``'s credential on ``host``, or 409 saying how to grant one."""
    credential = await account_credential(user, host.name)
    if not credential:
        raise ApiError(409, f"connect your {host.name} repositories first: open "
                            f"{connect_path(host)} signed in, and approve access to "
                            "repositories", code=f"{host.name}_not_connected")
    return credential


def host_failed(host: GitHost, error: GitHostError) -> ApiError:
    status = error.status if error.status in (401, 403, 404, 422) else 502
    message = error.message
    if status == 404:
        message += f" (the repository does not exist, or your {host.name} account cannot read it)"
    return ApiError(status, message, "repo")


def webhook_url(app: AutoStack, host: GitHost) -> str:
    return f"{app.settings.server_url.rstrip('/')}/api/v1/webhooks/{host.name}"


def reachability_warning(host: GitHost, url: str) -> str | None:
    """A warning when the host's servers cannot deliver to ``url`` (a loopback address)."""
    if any(f"//{name}" in url for name in UNREACHABLE_HOSTS):
        return (f"{host.name} cannot reach {url}; set AUTOSTACK_PUBLIC_URL to this server's "
                "public address and connect again")
    return None


async def repositories(app: AutoStack, host: GitHost, user: User,
                       limit: int = 1000) -> list[Repository]:
    """The repositories ``user``'s own credential on ``host`` reads."""
    credential = await credential_for(host, user)
    try:
        return await host.repositories(app.settings, credential, limit)
    except GitHostError as error:
        raise host_failed(host, error) from error


async def connect(app: AutoStack, project: Project, user: User, host: GitHost,
                  name: str) -> Connected:
    """Connect the repository ``name`` on ``host`` to ``project`` with ``user``'s access.

    Checked with the host first; then records the connection and ``git_url``, gives
    the project a webhook secret if it has none, and creates or updates the webhook.
    Raises :class:`ApiError` (409 no credential, 404 the user cannot read it).
    """
    credential = await credential_for(host, user)
    try:
        repository = await host.repository(app.settings, credential, name)
    except GitHostError as error:
        raise host_failed(host, error) from error
    connection, _ = await GitConnection.update_or_create(
        defaults={"host": host.name, "repository": repository.full_name,
                  "connected_by_id": user.id}, project_id=project.id)
    project.git_url = repository.clone_url
    if not project.webhook_secret:
        project.webhook_secret = secrets.token_urlsafe(32)
    await project.save(update_fields=["git_url", "webhook_secret_sealed", "updated_at"])
    url = webhook_url(app, host)
    webhook: dict[str, Any]
    try:
        webhook = await host.ensure_webhook(app.settings, credential, repository.full_name,
                                            url, project.webhook_secret or "")
    except GitHostError as error:
        webhook = {"error": error.message}
    else:
        # Recorded so that unlinking or deleting the project deletes it
        # (autostack_core.git.webhook_setup).
        connection.webhook_id = str(webhook["id"])[:64] if webhook.get("id") is not None \
            else None
        await connection.save(update_fields=["webhook_id", "updated_at"])
    return Connected(repository, webhook, reachability_warning(host, url))


async def connection_of(project: Project) -> dict[str, Any] | None:
    """``{host, repository, connected_by}`` (the connecting user's email) or None."""
    connection = await GitConnection.get_or_none(project_id=project.id).prefetch_related(
        "connected_by")
    if connection is None:
        return None
    user: User | None = connection.connected_by
    return {"host": connection.host, "repository": connection.repository,
            "connected_by": user.email if user is not None else None}


async def connected_repository(project: Project) -> str | None:
    """The repository connected to ``project`` (as its host names it), or None."""
    connection = await GitConnection.get_or_none(project_id=project.id)
    return connection.repository if connection is not None else None
