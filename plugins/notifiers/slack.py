"""Slack incoming webhooks. Config: ``webhook_url`` (stored sealed: it is the credential)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from autostack_core import hookimpl
from autostack_core.interfaces import Event

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

    async def send(self, event: Event, config: Mapping[str, Any]) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
            response = await http.post(str(config["webhook_url"]), json=slack_message(event))
            response.raise_for_status()


@hookimpl
def register_notifiers() -> list[SlackNotifier]:
    return [SlackNotifier()]
