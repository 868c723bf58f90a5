"""A project's git webhooks as people see them: the URL per git host, the webhook AutoStack
created, how to add one by hand, and the last deliveries.

The API (``GET /api/v1/projects/{name}/webhook``) and the dashboard's Git
settings show the same thing; the URLs are those of the git hosts the server
has registered (``register_git_hosts``), and the set-up steps each host's own
(:meth:`~autostack_core.interfaces.git_host.GitHost.webhook_setup`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autostack_core.git import git_triggers
from autostack_core.git.git_credentials import repository_at
from autostack_core.infrastructure.models import AuditEvent, GitConnection, Project
from autostack_core.interfaces.git_host import GitHost

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

RECENT_DELIVERIES = 20


def webhook_urls(app: AutoStack) -> dict[str, str]:
    """``{host name: URL}`` for every registered git host."""
    base = app.settings.server_url.rstrip("/")
    return {name: f"{base}/api/v1/webhooks/{name}" for name in app.git_hosts}


def delivery_json(event: AuditEvent) -> dict[str, Any]:
    return {**event.data, "received_at": event.created_at.isoformat()}


def repository_host(app: AutoStack, project: Project,
                    connection: GitConnection | None) -> GitHost | None:
    """The registered host of the project's repository, when it is known."""
    if connection is not None and connection.host in app.git_hosts:
        return app.git_hosts[connection.host]
    found = repository_at(app, project.git_url)
    return found[0] if found is not None else None


def setup_steps(app: AutoStack, host: GitHost | None) -> list[dict[str, Any]]:
    """How to add the webhook by hand on ``host``, or on every registered host that says
    how when the repository's host is not known: the host's steps with the URL to use."""
    urls = webhook_urls(app)
    hosts = [host] if host is not None else list(app.git_hosts.values())
    steps = []
    for each in hosts:
        setup = each.webhook_setup(app.settings)
        if setup is not None:
            steps.append({"host": each.name, "url": urls[each.name], **setup.to_dict()})
    return steps


async def webhook_info(app: AutoStack, project: Project) -> dict[str, Any]:
    """The repository, whether a secret is set, the webhook URLs, the webhook AutoStack
    created (``{host, id}`` or ``None``), the hand set-up steps, and the last deliveries."""
    recent = await AuditEvent.filter(
        action=git_triggers.AUDIT_ACTION, target_type="project", target_id=str(project.id),
    ).order_by("-id").limit(RECENT_DELIVERIES)
    connection = await GitConnection.get_or_none(project_id=project.id)
    host = repository_host(app, project, connection)
    created = connection is not None and connection.webhook_id is not None
    return {
        "repository": connection.repository if connection is not None else project.git_url,
        "secret_set": project.webhook_secret_sealed is not None,
        "urls": webhook_urls(app),
        "webhook": {"host": connection.host, "id": connection.webhook_id}
        if connection is not None and created else None,
        "can_create": connection is not None and host is not None
        and host.oauth_app(app.settings) is not None,
        "setup": setup_steps(app, host),
        "deliveries": [delivery_json(event) for event in recent],
    }
