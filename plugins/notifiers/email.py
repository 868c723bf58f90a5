"""E-mail over SMTP with the standard library, in a thread so the loop never blocks.

Config: ``host``, ``port`` (587), ``sender``, ``to`` (a list or comma-separated),
``username`` and ``password`` (sealed) when the server wants a login, and
``starttls`` (true by default when logging in). A ``comment.mentioned`` event
goes to the mentioned members' addresses only, not to ``to``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound

from . import messages

TIMEOUT_SECONDS = 20


def recipients(config: Mapping[str, Any], event: Event | None = None) -> list[str]:
    if event is not None and event.kind == "comment.mentioned":
        return [str(address) for address in event.data.get("mentioned") or []]
    to = config.get("to") or []
    items = to.split(",") if isinstance(to, str) else to
    return [str(item).strip() for item in items if str(item).strip()]


def build_message(event: Event, config: Mapping[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = messages.title(event)
    message["From"] = str(config.get("sender") or "autostack@localhost")
    message["To"] = ", ".join(recipients(config, event))
    message.set_content(messages.body(event) + "\n")
    return message


def send_blocking(message: EmailMessage, config: Mapping[str, Any], outbound: Outbound) -> None:
    host, port = str(config["host"]), int(config.get("port", 587))
    with outbound.smtp(host, port, timeout=TIMEOUT_SECONDS) as smtp:
        if config.get("starttls", bool(config.get("username"))):
            smtp.starttls()
        if config.get("username"):
            smtp.login(str(config["username"]), str(config.get("password", "")))
        smtp.send_message(message)


class EmailNotifier:
    name = "email"

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    def destinations(self, config: Mapping[str, Any]) -> dict[str, str]:
        host = str(config.get("host") or "")
        authority = f"[{host}]" if ":" in host else host
        return {"host": f"smtp://{authority}:{config.get('port', 587)}"}

    async def send(self, event: Event, config: Mapping[str, Any]) -> None:
        if not recipients(config, event):
            raise ValueError("the email notifier has no recipients: set 'to'")
        await asyncio.to_thread(send_blocking, build_message(event, config), config,
                                self.outbound)


@hookimpl
def register_notifiers(settings: Settings) -> list[EmailNotifier]:
    return [EmailNotifier(Outbound.from_settings(settings))]
