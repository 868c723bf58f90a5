"""Slack incoming webhooks. Config: ``webhook_url`` (stored sealed: it is the credential)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound

from . import messages

TIMEOUT_SECONDS = 10


def slack_message(event: Event) -> dict[str, Any]:
    """Slack's message shape: plain ``text`` for notifications, one section to read."""
    return {
        "text": messages.title(event),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": messages.body(event)}}],
    }


class SlackNotifier:
    name = "slack"

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    def destinations(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {"webhook_url": str(config.get("webhook_url") or "")}

    async def send(self, event: Event, config: Mapping[str, Any]) -> None:
        async with self.outbound.client(timeout=TIMEOUT_SECONDS) as http:
            response = await http.post(str(config["webhook_url"]), json=slack_message(event))
            response.raise_for_status()


@hookimpl
def register_notifiers(settings: Settings) -> list[SlackNotifier]:
    return [SlackNotifier(Outbound.from_settings(settings))]
