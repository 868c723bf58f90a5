"""The Slack notifier posts an incoming-webhook message (local HTTP stand-in for Slack)."""

from __future__ import annotations

from autostack_core.interfaces import Event
from autostack_plugins.notifiers.slack import SlackNotifier
from tests.http_standin import standin


async def test_a_message_with_text_and_a_section() -> None:
    event = Event(kind="deployment.error", project="site", deployment="abc", data={
        "target": "preview", "branch": "feature", "commit_sha": "0123456789abcdef",
        "url": "http://site-abc.localhost:8080", "error": "npm run build exited 1"})
    with standin(lambda request: (200, None)) as slack:
        await SlackNotifier().send(event, {"webhook_url": slack.url + "/services/T/B/X"})
    [request] = slack.requests
    assert request.path == "/services/T/B/X"
    message = request.json()
    assert message["text"] == "site: preview of feature (0123456) failed"
    section = message["blocks"][0]["text"]["text"]
    assert "Error: npm run build exited 1" in section
    assert "URL: http://site-abc.localhost:8080" in section
