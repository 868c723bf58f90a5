"""The generic webhook notifier against a local HTTP stand-in: signed JSON, retries."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import pytest
from ssrfguard import SSRFGuardError

from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound
from autostack_core.services import notifications
from autostack_plugins.notifiers.webhook import SIGNATURE_HEADER, WebhookNotifier
from tests.http_standin import TO_STANDINS, Recorded, standin

EVENT = Event(kind="deployment.ready", project="site", deployment="abc",
              data={"url": "http://site-abc.localhost:8080"})


async def test_the_body_is_json_and_signed() -> None:
    with standin(lambda request: (204, None)) as remote:
        await WebhookNotifier(TO_STANDINS).send(EVENT, {"url": remote.url + "/hook",
                                                        "secret": "s3cret"})
    [request] = remote.requests
    assert request.path == "/hook"
    assert request.json()["type"] == "deployment.ready"
    assert request.json()["data"]["url"] == "http://site-abc.localhost:8080"
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER.lower()] == f"sha256={expected}"


async def test_no_secret_no_signature() -> None:
    with standin(lambda request: (200, {})) as remote:
        await WebhookNotifier(TO_STANDINS).send(EVENT, {"url": remote.url})
    assert SIGNATURE_HEADER.lower() not in remote.requests[0].headers


async def test_failures_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01, 0.02, 0.04))
    answers = iter([500, 502, 200])

    def flaky(request: Recorded) -> tuple[int, None]:
        return next(answers), None

    with standin(flaky) as remote:
        sent = await notifications.send_with_retries(WebhookNotifier(TO_STANDINS), EVENT,
                                                     {"url": remote.url})
    assert sent
    assert len(remote.requests) == 3


async def test_it_gives_up_after_the_last_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01,))
    with standin(lambda request: (500, None)) as remote:
        sent = await notifications.send_with_retries(WebhookNotifier(TO_STANDINS), EVENT,
                                                     {"url": remote.url})
    assert not sent
    assert len(remote.requests) == 2


async def test_the_servers_own_network_is_refused_at_send_time() -> None:
    """A URL stored before the check, or whose DNS changed since, is refused when sent."""
    with standin(lambda request: (204, None)) as remote, \
            pytest.raises(SSRFGuardError, match="Loopback"):
        await WebhookNotifier(Outbound()).send(EVENT, {"url": remote.url + "/hook"})
    assert remote.requests == []


async def test_a_redirect_to_a_refused_address_is_not_followed() -> None:
    """Only 127.0.0.2 is allowed; it redirects the delivery to 127.0.0.1, which is not."""
    with standin(lambda request: (204, None)) as inside:
        moved = {"location": inside.url + "/latest/meta-data"}
        with standin(lambda request: (307, moved), host="127.0.0.2") as allowed, \
                pytest.raises(SSRFGuardError, match=r"127\.0\.0\.1.*Loopback"):
            await WebhookNotifier(Outbound(("127.0.0.2/32",))).send(
                EVENT, {"url": allowed.url + "/hook"})
    assert [request.path for request in allowed.requests] == ["/hook"]
    assert inside.requests == []


async def test_redirects_within_what_is_allowed_are_followed() -> None:
    with standin(lambda request: (204, None)) as final:
        moved = {"location": final.url + "/moved"}
        with standin(lambda request: (308, moved), host="127.0.0.2") as first:
            await WebhookNotifier(TO_STANDINS).send(EVENT, {"url": first.url + "/hook"})
    [request] = final.requests
    assert request.path == "/moved" and request.json()["type"] == "deployment.ready"


async def test_a_refused_destination_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notifications, "RETRY_DELAYS", (0.01, 0.02))
    attempts: list[str] = []

    class Counting(WebhookNotifier):
        async def send(self, event: Event, config: Mapping[str, Any]) -> None:
            attempts.append(event.kind)
            await super().send(event, config)

    sent = await notifications.send_with_retries(Counting(Outbound()), EVENT,
                                                 {"url": "http://127.0.0.1:9/hook"})
    assert not sent and attempts == ["deployment.ready"]
