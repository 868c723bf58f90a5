"""A connected repository's webhook on its host: created, updated and deleted by AutoStack
with a person's own access, and the project's webhook secret.

As on Vercel, AutoStack sets the webhook up itself when it may: when a repository
is connected (:func:`autostack_core.git.git_connections.connect`) and later with
:func:`create_webhook` (the dashboard's "Create webhook", ``POST
/api/v1/projects/{name}/webhook``), with the acting person's credential on the
host. The host's id of the webhook is recorded on the connection
(``git_connections.webhook_id``) so that deleting the project or unlinking the
repository deletes it too (:func:`remove_webhook`) and a rotated secret reaches it
(:func:`rotate_secret`). When the host refuses (GitHub answers 403 or 404 to a
token that may not manage the repository's hooks) or connects no accounts, the
person adds it by hand with the host's own steps
(:meth:`~autostack_core.interfaces.git_host.GitHost.webhook_setup`, shown by
:func:`autostack_core.services.webhooks.webhook_info`).
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from autostack_core.errors import ApiError
from autostack_core.git.git_connections import credential_for, webhook_url
from autostack_core.infrastructure.models import GitAccount, GitConnection, Project, User
from autostack_core.interfaces.git_host import GitHost, GitHostError
from autostack_core.security import accounts

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

log = logging.getLogger(__name__)


def refused(host: GitHost, error: GitHostError) -> str:
    """What a host's refusal to set up the webhook means for the person who asked."""
    if error.status in (403, 404):
        return (f"your {host.title} access may not manage this repository's webhooks "
                f"({error.message}): ask one of its admins, or add the webhook by hand")
    return f"{host.title} did not create the webhook ({error.message}): add it by hand"


async def install(app: AutoStack, host: GitHost, connection: GitConnection, credential: str,
                  secret: str) -> dict[str, Any]:
    """Create or update ``connection``'s webhook with ``credential`` and record its id.

    Returns what the host answered (``id``, ``url``, ``events``, ...) or ``{"error": ...}``
    saying why there is none; nothing is recorded then.
    """
    try:
        webhook = await host.ensure_webhook(app.settings, credential, connection.repository,
                                            webhook_url(app, host), secret)
    except GitHostError as error:
        return {"error": refused(host, error)}
    connection.webhook_id = str(webhook["id"])[:64] if webhook.get("id") is not None else None
    await connection.save(update_fields=["webhook_id", "updated_at"])
    return webhook


def connected_host(app: AutoStack, connection: GitConnection | None) -> GitHost:
    """The registered host of ``connection``, or 409 saying what to do."""
    if connection is None:
        raise ApiError(409, "connect the repository under Settings → Git first: AutoStack "
                            "creates webhooks with the access of the person who connects it",
                       "repository", code="not_connected")
    host = app.git_hosts.get(connection.host)
    if host is None:
        raise ApiError(409, f"the git host {connection.host} is not installed on this server",
                       "repository")
    return host


async def create_webhook(app: AutoStack, project: Project, user: User,
                         ip: str) -> dict[str, Any]:
    """Create (or update) the connected repository's webhook with ``user``'s own access
    (admin role, checked by the caller), giving the project a secret if it has none.

    409 when the repository is not connected or ``user`` has no credential on its host;
    a host's refusal is ``{"error": ...}`` in the answer, not an exception.
    """
    connection = await GitConnection.get_or_none(project_id=project.id)
    host = connected_host(app, connection)
    assert connection is not None
    credential = await credential_for(host, user)
    if not project.webhook_secret:
        project.webhook_secret = secrets.token_urlsafe(32)
        await project.save(update_fields=["webhook_secret_sealed", "updated_at"])
    webhook = await install(app, host, connection, credential, project.webhook_secret or "")
    await accounts.audit("project.webhook_created", user=user, team=project.team,
                         target=("project", str(project.id)), ip=ip, host=host.name,
                         repository=connection.repository, webhook=webhook.get("id"),
                         error=webhook.get("error"))
    return webhook


async def connector_credential(connection: GitConnection) -> str | None:
    """The credential of the person who connected the repository (and created its webhook)."""
    user_id = connection.connected_by_id  # type: ignore[attr-defined]
    if user_id is None:
        return None
    account = await GitAccount.get_or_none(user_id=user_id, host=connection.host)
    return account.credential if account is not None else None


async def remove_webhook(app: AutoStack, connection: GitConnection) -> str | None:
    """Delete the webhook AutoStack created for ``connection`` (before the connection goes).

    Returns ``None`` when there was none or it is deleted, else a warning saying to delete
    it by hand: the project's deletion or unlinking goes on either way, and the webhook's
    deliveries then match no project (401 at ``/api/v1/webhooks/{host}``).
    """
    if connection.webhook_id is None:
        return None
    host = app.git_hosts.get(connection.host)
    credential = await connector_credential(connection)
    where = f"{connection.repository}'s webhook settings"
    if host is None or credential is None:
        return f"delete AutoStack's webhook in {where} by hand (no access to do it here)"
    try:
        await host.delete_webhook(app.settings, credential, connection.repository,
                                  connection.webhook_id)
    except GitHostError as error:
        log.warning("webhook %s of %s not deleted: %s", connection.webhook_id,
                    connection.repository, error.message)
        return f"delete AutoStack's webhook in {where} by hand ({error.message})"
    connection.webhook_id = None
    await connection.save(update_fields=["webhook_id", "updated_at"])
    return None


async def rotate_secret(app: AutoStack, project: Project, user: User, ip: str,
                        secret: str | None = None) -> tuple[str, str | None]:
    """Set the project's webhook secret (``secret``, else a new random one), audited (admin
    role, checked by the caller). A webhook AutoStack created gets the new secret too,
    with ``user``'s access or else the connecting person's.

    Returns the secret, shown once, and a warning when that webhook could not be updated.
    """
    project.webhook_secret = secret or secrets.token_urlsafe(32)
    await project.save(update_fields=["webhook_secret_sealed", "updated_at"])
    await accounts.audit("project.webhook_secret", user=user, team=project.team,
                         target=("project", str(project.id)), ip=ip)
    new_secret = project.webhook_secret or ""
    connection = await GitConnection.get_or_none(project_id=project.id)
    if connection is None or connection.webhook_id is None:
        return new_secret, None
    host = app.git_hosts.get(connection.host)
    account = await GitAccount.get_or_none(user_id=user.id, host=connection.host)
    credential = account.credential if account is not None else \
        await connector_credential(connection)
    webhook: dict[str, Any] = {"error": "no access to it here"}
    if host is not None and credential is not None:
        webhook = await install(app, host, connection, credential, new_secret)
    if "error" in webhook:
        return new_secret, (f"the webhook on {connection.repository} still has the old "
                            f"secret: paste the new one there ({webhook['error']})")
    return new_secret, None
