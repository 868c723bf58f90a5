"""The generic webhook notifier against a local HTTP stand-in: signed JSON, retries."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from autostack_core import notifications
from autostack_core.interfaces import Event
from autostack_plugins.notifiers.webhook import SIGNATURE_HEADER, WebhookNotifier
from tests.http_standin import Recorded, standin

EVENT = Event(kind="deployment.ready", project="site", deployment="abc",
              data={"url": "http://site-abc.localhost:8080"})


async def test_the_body_is_json_and_signed() -> None:
    with standin(lambda request: (204, None)) as remote:
        await WebhookNotifier().send(EVENT, {"url": remote.url + "/hook", "secret": "s3cret"})
    [request] = remote.requests
    assert request.path == "/hook"
    assert request.json()["type"] == "deployment.ready"
    assert request.json()["data"]["url"] == "http://site-abc.localhost:8080"
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER.lower()] == f"sha256={expected}"


async def test_no_secret_no_signature() -> None:
    with standin(lambda request: (200, {})) as remote:
        await WebhookNotifier().send(EVENT, {"url": remote.url})
    assert SIGNATURE_HEADER.lower() not in remote.requests[0].headers


async def test_failures_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01, 0.02, 0.04))
    answers = iter([500, 502, 200])

    def flaky(request: Recorded) -> tuple[int, None]:
        return next(answers), None

    with standin(flaky) as remote:
        sent = await notifications.send_with_retries(WebhookNotifier(), EVENT,
                                                     {"url": remote.url})
    assert sent
    assert len(remote.requests) == 3


async def test_it_gives_up_after_the_last_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01,))
    with standin(lambda request: (500, None)) as remote:
        sent = await notifications.send_with_retries(WebhookNotifier(), EVENT,
                                                     {"url": remote.url})
    assert not sent
    assert len(remote.requests) == 2
