"""A project's git webhooks as people see them: the URL per git host and the last deliveries.

The API (``GET /api/v1/projects/{name}/webhook``) and the dashboard's Git
settings show the same thing; the URLs are those of the git hosts the server
has registered (``register_git_hosts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autostack_core.git import git_triggers
from autostack_core.git.git_connections import connected_repository
from autostack_core.infrastructure.models import AuditEvent, Project

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

RECENT_DELIVERIES = 20


def webhook_urls(app: AutoStack) -> dict[str, str]:
    """``{host name: URL}`` for every registered git host."""
    base = app.settings.server_url.rstrip("/")
    return {name: f"{base}/api/v1/webhooks/{name}" for name in app.git_hosts}


def delivery_json(event: AuditEvent) -> dict[str, Any]:
    return {**event.data, "received_at": event.created_at.isoformat()}


async def webhook_info(app: AutoStack, project: Project) -> dict[str, Any]:
    """The repository, whether a secret is set, the webhook URLs and the last deliveries."""
    recent = await AuditEvent.filter(
        action=git_triggers.AUDIT_ACTION, target_type="project", target_id=str(project.id),
    ).order_by("-id").limit(RECENT_DELIVERIES)
    return {
        "repository": await connected_repository(project) or project.git_url,
        "secret_set": project.webhook_secret_sealed is not None,
        "urls": webhook_urls(app),
        "deliveries": [delivery_json(event) for event in recent],
    }
