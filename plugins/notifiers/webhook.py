"""A generic JSON webhook, its body signed with HMAC-SHA256 when a secret is set.

Config: ``url`` (required), ``secret`` (optional, stored sealed). The body is
``{"type", "project", "deployment", "data", "sent_at"}``; the signature is in
``X-AutoStack-Signature-256: sha256=<hex>``, computed over the raw body.
Redirects are followed (an http URL moved to https), each hop checked by the
server's outbound policy like the URL itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces import Event
from autostack_core.security.outbound import Outbound

SIGNATURE_HEADER = "X-AutoStack-Signature-256"
TIMEOUT_SECONDS = 10


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    name = "webhook"

    def __init__(self, outbound: Outbound) -> None:
        self.outbound = outbound

    def destinations(self, config: Mapping[str, Any]) -> dict[str, str]:
        return {"url": str(config.get("url") or "")}

    async def send(self, event: Event, config: Mapping[str, Any]) -> None:
        body = json.dumps({
            "type": event.kind, "project": event.project, "deployment": event.deployment,
            "data": event.data, "sent_at": datetime.now(UTC).isoformat(),
        }).encode()
        headers = {"Content-Type": "application/json", "X-AutoStack-Event": event.kind}
        if config.get("secret"):
            headers[SIGNATURE_HEADER] = signature(str(config["secret"]), body)
        async with self.outbound.client(timeout=TIMEOUT_SECONDS, follow_redirects=True) as http:
            response = await http.post(str(config["url"]), content=body, headers=headers)
            response.raise_for_status()


@hookimpl
def register_notifiers(settings: Settings) -> list[WebhookNotifier]:
    return [WebhookNotifier(Outbound.from_settings(settings))]
