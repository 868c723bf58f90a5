"""``autostack dns connect route53|ls|rm`` against a real server on the loopback.

The app runs under uvicorn on the test's event loop; the CLI runs in a thread
and talks HTTP to it. Route53 is moto's server (the allowed stand-in for AWS).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.infrastructure.models import ConnectedZone, User
from tests.fixtures_auth import owner, token_for
from tests.moto_standin import MotoServer, hosted_zone, moto, moto_server, needs_moto
from tests.serving import serving

__all__ = ["moto", "moto_server", "owner"]

pytestmark = needs_moto


@pytest.fixture
def settings(settings: Settings, moto: MotoServer) -> Settings:
    return replace(settings, dns_endpoint_urls=(moto.url,))


@pytest.fixture
async def server(autostack: AutoStack, owner: User) -> AsyncIterator[dict[str, str]]:
    """The environment a CLI needs to reach the running server as the owner."""
    async with serving(autostack.asgi()) as url:
        yield {"AUTOSTACK_SERVER": url, "AUTOSTACK_TOKEN": await token_for(owner)}


async def autostack(env: dict[str, str], *args: str, given: str | None = None) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, input=given)


async def test_connect_list_and_remove(server: dict[str, str], moto: MotoServer) -> None:
    zone_id = hosted_zone(moto, "example.test")
    connected = await autostack(server, "dns", "connect", "route53", "--zone-id", zone_id,
                                "--access-key-id", "AKIATEST", "--endpoint-url", moto.url,
                                "--json", given="prompted-secret\n")
    assert connected.exit_code == 0, connected.output
    assert connected.output.startswith("Secret access key: ")
    zone = json.loads(connected.output.split("\n", 1)[1])["zone"]
    assert zone["zone"] == "example.test"
    row = await ConnectedZone.get(id=zone["id"])
    assert json.loads(row.config_json or "{}")["secret_access_key"] == "prompted-secret"

    listed = await autostack(server, "dns", "ls")
    assert listed.exit_code == 0 and "example.test" in listed.output
    assert "prompted-secret" not in listed.output

    removed = await autostack(server, "dns", "rm", str(zone["id"]), "--json")
    assert json.loads(removed.output) == {"removed": zone["id"]}
    assert not await ConnectedZone.exists()


async def test_a_refused_zone_is_an_error_naming_the_field(
    server: dict[str, str], moto: MotoServer,
) -> None:
    refused = await autostack(server, "dns", "connect", "route53", "--zone-id", "Z0NOSUCH",
                              "--access-key-id", "AKIATEST", "--secret-access-key", "s",
                              "--endpoint-url", moto.url)
    assert refused.exit_code == 1
    assert "hosted_zone_id: there is no hosted zone with this ID (HTTP 422)" in refused.output
