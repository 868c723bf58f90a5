"""The Route53 DNS host against moto's server, the allowed stand-in for AWS.

Every call goes to moto on the loopback through ``endpoint_url``; nothing
reaches AWS. moto applies every change at once, so the waits for ``INSYNC``
go through a proxy that makes moto's first answers say ``PENDING``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from autostack_core.interfaces import DnsRecordSet
from autostack_plugins.dns_hosts.route53 import Route53Error, Route53Host, parse_config
from tests.conftest import free_port
from tests.moto_standin import (
    MotoServer,
    hosted_zone,
    moto,
    moto_server,
    needs_moto,
    record_sets,
    strict_moto,
)
from tests.serving import serving

__all__ = ["moto", "moto_server", "strict_moto"]

pytestmark = needs_moto


def config(server: MotoServer, zone_id: str, **changes: str) -> dict[str, str]:
    return {"hosted_zone_id": zone_id, "access_key_id": server.key_id,
            "secret_access_key": server.secret, "endpoint_url": server.url, **changes}


@pytest.mark.dbless
@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"hosted_zone_id": ""}, "hosted_zone_id", "required"),
    ({"secret_access_key": " "}, "secret_access_key", "required"),
    ({"hosted_zone_id": "zone one"}, "hosted_zone_id", "looks like"),
    ({"region": "Mars"}, "region", "not an AWS region"),
    ({"endpoint_url": "ftp://127.0.0.1:21"}, "endpoint_url", "http://"),
    ({"endpoint_url": "http://"}, "endpoint_url", "http://"),
    ({"endpoint_url": "http://169.254.169.254/"}, "endpoint_url", "AUTOSTACK_DNS_ENDPOINT_URLS"),
])
def test_config_errors_name_the_field(changes: dict[str, str], field: str, problem: str) -> None:
    base = {"hosted_zone_id": "Z123", "access_key_id": "AKIA", "secret_access_key": "s"}
    with pytest.raises(Route53Error) as raised:
        parse_config({**base, **changes})
    assert raised.value.field == field and problem in str(raised.value)


@pytest.mark.dbless
def test_config_takes_the_console_form_of_the_zone_id() -> None:
    parsed = parse_config({"hosted_zone_id": "/hostedzone/Z0ABC", "access_key_id": "AKIA",
                           "secret_access_key": "s"})
    assert parsed.hosted_zone_id == "Z0ABC" and parsed.region == "us-east-1"
    assert parsed.endpoint_url is None


@pytest.mark.dbless
async def test_upsert_then_delete(moto: MotoServer) -> None:
    zone_id = hosted_zone(moto, "example.test")
    zone = Route53Host((moto.url,)).connect(config(moto, zone_id))
    assert await zone.zone_name() == "example.test"
    txt = DnsRecordSet("_autostack-challenge.app.example.test", "TXT", ('to"ken',))
    cname = DnsRecordSet("app.example.test", "CNAME", ("apps.example.net",))
    await zone.upsert(txt)
    await zone.upsert(cname)
    await zone.upsert(DnsRecordSet("example.test", "AAAA", ("2001:db8::7",)))
    assert record_sets(moto, zone_id) == {
        ("_autostack-challenge.app.example.test", "TXT"): ['"to\\"ken"'],
        ("app.example.test", "CNAME"): ["apps.example.net"],
        ("example.test", "AAAA"): ["2001:db8::7"],
    }
    await zone.delete(DnsRecordSet("app.example.test", "CNAME", ("someone-else.example",)))
    await zone.delete(DnsRecordSet("missing.example.test", "A", ("192.0.2.1",)))
    await zone.delete(txt)
    await zone.delete(DnsRecordSet("example.test", "AAAA", ("2001:0db8:0::7",)))
    assert record_sets(moto, zone_id) == {("app.example.test", "CNAME"): ["apps.example.net"]}


@pytest.mark.dbless
async def test_an_unknown_zone_names_the_zone_id(moto: MotoServer) -> None:
    zone = Route53Host((moto.url,)).connect(config(moto, "Z0NOSUCHZONE"))
    with pytest.raises(Route53Error) as raised:
        await zone.zone_name()
    assert raised.value.field == "hosted_zone_id" and "no hosted zone" in str(raised.value)


@pytest.mark.dbless
async def test_wrong_credentials_are_refused(strict_moto: MotoServer) -> None:
    """moto's Route53 errors on GET come without the AWS error code, so the answer is the
    generic 403 one (AWS itself says InvalidClientTokenId or SignatureDoesNotMatch)."""
    for wrong in ({"access_key_id": "AKIANOPE"}, {"secret_access_key": "nope"}):
        zone = Route53Host((strict_moto.url,)).connect(
            config(strict_moto, "Z0ANY", **wrong))
        with pytest.raises(Route53Error) as raised:
            await zone.zone_name()
        assert raised.value.field == "access_key_id"
        assert "refused these credentials" in str(raised.value)


@pytest.mark.dbless
async def test_an_unreachable_endpoint_names_it() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    zone = Route53Host((endpoint,)).connect({
        "hosted_zone_id": "Z0ANY", "access_key_id": "AKIA", "secret_access_key": "s",
        "endpoint_url": endpoint})
    with pytest.raises(Route53Error) as raised:
        await zone.zone_name()
    assert raised.value.field == "endpoint_url" and "cannot reach" in str(raised.value)


@dataclass
class PendingProxy:
    """Forwards to moto (always ``INSYNC``), but says ``PENDING`` in its first answers
    about a change, as Route53 does while a change propagates."""

    moto: MotoServer
    pending: int
    rewritten: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        query = f"?{request.url.query}" if request.url.query else ""
        headers = {key: value for key, value in request.headers.items() if key != "host"}
        async with httpx.AsyncClient() as http:
            answer = await http.request(request.method, f"{self.moto.url}{request.url.path}"
                                        f"{query}", content=await request.body(),
                                        headers=headers)
        body = answer.content
        if self.pending > 0 and b"<Status>INSYNC</Status>" in body:
            self.pending -= 1
            self.rewritten += 1
            body = body.replace(b"<Status>INSYNC</Status>", b"<Status>PENDING</Status>")
        response = Response(body, status_code=answer.status_code,
                            media_type=answer.headers.get("content-type"))
        await response(scope, receive, send)


@pytest.mark.dbless
async def test_upsert_polls_until_the_change_is_in_sync(moto: MotoServer) -> None:
    zone_id = hosted_zone(moto, "example.test")
    proxy = PendingProxy(moto, pending=3)
    async with serving(proxy) as url:
        zone = Route53Host((url,), poll_seconds=0.01).connect(
            config(moto, zone_id, endpoint_url=url))
        await zone.upsert(DnsRecordSet("app.example.test", "A", ("192.0.2.1",)))
    assert proxy.rewritten == 3  # the change's answer, then two GetChange polls
    assert record_sets(moto, zone_id) == {("app.example.test", "A"): ["192.0.2.1"]}


@pytest.mark.dbless
async def test_upsert_waits_a_bounded_time(moto: MotoServer) -> None:
    zone_id = hosted_zone(moto, "example.test")
    proxy = PendingProxy(moto, pending=1000)
    async with serving(proxy) as url:
        zone = Route53Host((url,), sync_seconds=0.3, poll_seconds=0.05).connect(
            config(moto, zone_id, endpoint_url=url))
        with pytest.raises(Route53Error) as raised:
            await zone.upsert(DnsRecordSet("app.example.test", "A", ("192.0.2.1",)))
    # Bounded by its polls, not timed (a loaded machine took 3.9 s for these): the change's
    # answer and at most 0.3 s / 0.05 s + 1 GetChange polls, not the 1,000 it would take.
    assert proxy.rewritten <= 1 + 7
    assert "was not in sync after 0.3 s" in str(raised.value)
