"""The e-mail notifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound, OutboundError
from autostack_core.utils import free_port
from autostack_plugins.notifiers.email import EmailNotifier
from tests.http_standin import TO_STANDINS


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


async def test_the_message_reaches_every_recipient(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    event = Event(kind="deployment.ready", project="site", deployment="abc", data={
        "target": "production", "url": "http://site-abc.localhost:8080"})
    await EmailNotifier(TO_STANDINS).send(event, {
        "host": "127.0.0.1", "port": port, "sender": "autostack@example.com",
        "to": "ada@example.com, bob@example.com"})
    [(recipients, message)] = inbox.messages
    assert recipients == ["ada@example.com", "bob@example.com"]
    assert message["Subject"] == "site: production is ready"
    assert message["From"] == "autostack@example.com"
    assert "URL: http://site-abc.localhost:8080" in message.get_payload()


async def test_no_recipients_is_an_error() -> None:
    with pytest.raises(ValueError, match="recipients"):
        await EmailNotifier(TO_STANDINS).send(Event(kind="deployment.ready", project="site"),
                                              {"host": "127.0.0.1"})


async def test_an_smtp_host_on_the_servers_own_network_is_refused(
    smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with pytest.raises(OutboundError, match="Loopback"):
        await EmailNotifier(Outbound()).send(Event(kind="deployment.ready", project="site"), {
            "host": "localhost", "port": port, "to": "ada@example.com"})
    assert inbox.messages == []
