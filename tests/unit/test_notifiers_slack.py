"""The Slack notifier posts an incoming-webhook message (local HTTP stand-in for Slack)."""

from __future__ import annotations

import pytest
from ssrfguard import SSRFGuardError

from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound
from autostack_plugins.notifiers.slack import SlackNotifier
from tests.http_standin import TO_STANDINS, standin


async def test_a_message_with_text_and_a_section() -> None:
    event = Event(kind="deployment.error", project="site", deployment="abc", data={
        "target": "preview", "branch": "feature", "commit_sha": "0123456789abcdef",
        "url": "http://site-abc.localhost:8080", "error": "npm run build exited 1"})
    with standin(lambda request: (200, None)) as slack:
        await SlackNotifier(TO_STANDINS).send(event,
                                              {"webhook_url": slack.url + "/services/T/B/X"})
    [request] = slack.requests
    assert request.path == "/services/T/B/X"
    message = request.json()
    assert message["text"] == "site: preview of feature (0123456) failed"
    section = message["blocks"][0]["text"]["text"]
    assert "Error: npm run build exited 1" in section
    assert "URL: http://site-abc.localhost:8080" in section


async def test_the_servers_own_network_is_refused_at_send_time() -> None:
    with standin(lambda request: (200, None)) as slack, \
            pytest.raises(SSRFGuardError, match="Loopback"):
        await SlackNotifier(Outbound()).send(Event(kind="deployment.ready", project="site"),
                                             {"webhook_url": slack.url + "/services/T"})
    assert slack.requests == []
