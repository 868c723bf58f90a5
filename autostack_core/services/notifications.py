"""Delivering events to the notifiers each project configured.

A project's notifiers live in ``Project.settings["notifiers"]``: a list of
``{"type": <notifier name>, "events": [...], ...config}``. Secret values
(:data:`SECRET_KEYS`) are stored sealed under ``<key>_sealed`` and opened only
to send. Each delivery runs as a background task retried with backoff, so a
slow or failing notifier never delays or fails the deployment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ssrfguard import SSRFGuardError

from autostack_core.git.git_connections import connected_repository
from autostack_core.infrastructure.models import Deployment, Project
from autostack_core.interfaces import Event, Notifier
from autostack_core.security.crypto import active_keyring
from autostack_core.security.outbound import OutboundError
from autostack_core.services import deployments, hostnames

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.notifications")

DEFAULT_EVENTS = (
    "deployment.created", "deployment.ready", "deployment.error", "deployment.canceled",
    "deployment.promoted", "deployment.rolled_back", "rollout.awaiting_approval",
    "rollout.aborted", "uptime.down", "uptime.up", "uptime.errors", "uptime.errors_recovered",
    "comment.mentioned",
)
SECRET_KEYS = frozenset({"secret", "token", "password", "webhook_url"})
SEAL_CONTEXT = "projects.settings.notifiers"
RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0, 30.0)
"""Seconds to wait before each retry after a failed send."""

_pending: set[asyncio.Task[bool]] = set()


def seal_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as stored: every secret value moved to ``<key>_sealed``, encrypted."""
    keyring = active_keyring()
    return {
        (f"{key}_sealed" if key in SECRET_KEYS else key):
        (keyring.seal(str(value), SEAL_CONTEXT) if key in SECRET_KEYS else value)
        for key, value in config.items()
    }


def open_config(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored config with its secrets decrypted, as a notifier receives it."""
    keyring = active_keyring()
    config: dict[str, Any] = {}
    for key, value in stored.items():
        name = key.removesuffix("_sealed")
        if key.endswith("_sealed") and name in SECRET_KEYS:
            config[name] = keyring.open(str(value), SEAL_CONTEXT)
        else:
            config[key] = value
    return config


def public_config(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored config for display: secrets shown as set, never their values."""
    return {key.removesuffix("_sealed") if key.endswith("_sealed") else key:
            "(set)" if key.endswith("_sealed") else value for key, value in stored.items()}


async def enrich(app: AutoStack, event: Event, project: Project) -> Event:
    """Add what notifiers need to show: URLs, branch, commit, pull request, repository."""
    data: dict[str, Any] = {"repository": await connected_repository(project),
                            "production_url": project.production_url}
    deployment = None if event.deployment is None else await Deployment.get_or_none(
        id=event.deployment)
    if deployment is not None:
        base = app.settings.base_domain
        data.update(
            url=deployment.deployment_url, state=deployment.state, branch=deployment.branch,
            commit_sha=deployment.commit_sha, commit_message=deployment.commit_message,
            pull_request=deployment.pull_request, error=deployment.error_message,
            target=str(deployment.target),
        )
        if deployment.branch:
            data["branch_url"] = deployments.url_for(
                app, await hostnames.branch_hostname(project, deployment.branch, base))
        if deployment.pull_request is not None:
            data["pull_request_url"] = deployments.url_for(
                app, await hostnames.pull_request_hostname(project, deployment.pull_request, base))
    return replace(event, data={**data, **event.data})


async def send_with_retries(notifier: Notifier, event: Event, config: Mapping[str, Any]) -> bool:
    """Send, retrying after each :data:`RETRY_DELAYS` wait; ``False`` if every try failed.

    A destination the outbound policy refuses is not retried: it stays refused.
    """
    for attempt, delay in enumerate((0.0, *RETRY_DELAYS), start=1):
        await asyncio.sleep(delay)
        try:
            await notifier.send(event, config)
            return True
        except (OutboundError, SSRFGuardError) as error:
            logger.warning("notifier %s refused for %s: %s", notifier.name, event.kind, error)
            return False
        except Exception as error:
            logger.warning("notifier %s failed for %s (attempt %d): %s", notifier.name,
                           event.kind, attempt, error)
    return False


async def deliver(app: AutoStack, event: Event,
                  project: Project | None = None) -> list[asyncio.Task[bool]]:
    """Start one background delivery per notifier of the event's project that wants it.

    The notifiers are those of the project as read for this event (so one added during a
    build gets the build's next events): ``project`` when the caller has just read it for
    the event (:func:`deployments.transition` does, after persisting the change), else
    read here.
    """
    if project is None or project.name != event.project:
        project = await Project.get_or_none(name=event.project)
    stored = [] if project is None else project.settings.get("notifiers") or []
    wanted = [config for config in stored
              if event.kind in config.get("events", DEFAULT_EVENTS)]
    if project is None or not wanted:
        return []
    event = await enrich(app, event, project)
    tasks = []
    for config in wanted:
        notifier = app.notifiers.get(config.get("type", ""))
        if notifier is None:
            logger.warning("project %s uses notifier %r, which is not installed",
                           project.name, config.get("type"))
            continue
        task = asyncio.create_task(send_with_retries(notifier, event, open_config(config)))
        _pending.add(task)
        task.add_done_callback(_pending.discard)
        tasks.append(task)
    return tasks


async def drain() -> None:
    """Wait for the deliveries in flight (tests, and a clean shutdown)."""
    if _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)
