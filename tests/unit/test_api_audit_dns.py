"""The audit log of a DNS provider's credentials: connecting a zone records that they were set,
never their values. Route53 is moto's server on the loopback (the allowed stand-in for AWS)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.infrastructure.models import AuditEvent
from tests.fixtures_auth import api, owner
from tests.moto_standin import MotoServer, hosted_zone, moto, moto_server, needs_moto

__all__ = ["api", "moto", "moto_server", "owner"]

SECRET = "wJalrXUtnFEMI-audited-secret"


async def latest(api: httpx.AsyncClient, action: str) -> dict[str, Any]:
    response = await api.get("/api/v1/teams/olivia/audit", params={"action": action})
    assert response.status_code == 200 and SECRET not in response.text
    event: dict[str, Any] = response.json()["events"][0]
    row = await AuditEvent.get(id=event["id"])
    assert SECRET not in json.dumps([row.before, row.after, row.data])
    return event


@pytest.fixture
def settings(settings: Settings, moto: MotoServer) -> Settings:
    return replace(settings, dns_endpoint_urls=(moto.url,))


@needs_moto
async def test_dns_provider_credentials_are_recorded_as_set_never_shown(
    api: httpx.AsyncClient, moto: MotoServer,
) -> None:
    zone_id = hosted_zone(moto, "example.test")
    response = await api.post("/api/v1/teams/olivia/dns-zones", json={
        "dns_host": "route53", "config": {
            "hosted_zone_id": zone_id, "access_key_id": moto.key_id,
            "secret_access_key": SECRET, "endpoint_url": moto.url}})
    assert response.status_code == 201, response.text
    connected = await latest(api, "dns_zone.connected")
    assert connected["after"] == {"dns_host": "route53", "zone": "example.test",
                                  "credentials": "[redacted]"}
    zone_id = response.json()["zone"]["id"]
    assert (await api.delete(f"/api/v1/teams/olivia/dns-zones/{zone_id}")).status_code == 204
    assert (await latest(api, "dns_zone.disconnected"))["before"]["zone"] == "example.test"
