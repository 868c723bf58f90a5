"""Ownership checks over real DNS: AAAA records for public IPv6 addresses, HTTP over IPv6.

DNS answers come from pebble-challtestsrv on the loopback (A and AAAA records
set per test); the HTTP token is served on ``[::1]``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from autostack_core.config import Settings
from autostack_plugins.domains import ownership
from tests.acme_standin import ChallTestSrv, dns_server, needs_pebble

__all__ = ["dns_server"]

pytestmark = needs_pebble
NAME = "app.example.test"
APEX = "example.test"


def set_addresses(server: ChallTestSrv, kind: str, *addresses: str, name: str = NAME) -> None:
    server._post(f"/clear-{kind}", {"host": f"{name}."})
    server._post(f"/add-{kind}", {"host": f"{name}.", "addresses": list(addresses)})


@pytest.fixture
def settings(settings: Settings, dns_server: ChallTestSrv) -> Settings:
    return replace(settings, dns_resolvers=(dns_server.resolver,),
                   public_ips=("203.0.113.7", "2001:db8:0::7"))


async def test_aaaa_is_listed_and_checked_for_public_ipv6_addresses(
    settings: Settings, dns_server: ChallTestSrv,
) -> None:
    set_addresses(dns_server, "a", "203.0.113.7", name=APEX)
    set_addresses(dns_server, "aaaa", "2001:db8::7", name=APEX)
    records = {record.type: record for record in
               await ownership.dns_records(settings, APEX, "token")}
    assert list(records) == ["TXT", "A", "AAAA"]
    assert records["AAAA"].value == "2001:db8::7" and records["AAAA"].current == ["2001:db8::7"]
    assert records["AAAA"].ok and records["A"].ok
    assert ownership.routed(list(records.values()))

    set_addresses(dns_server, "aaaa", "2001:db8::99", name=APEX)
    records = {record.type: record for record in
               await ownership.dns_records(settings, APEX, "token")}
    assert not records["AAAA"].ok and records["AAAA"].current == ["2001:db8::99"]
    assert records["A"].ok


async def test_only_ipv6_addresses_list_no_a_record(
    settings: Settings, dns_server: ChallTestSrv,
) -> None:
    only_v6 = replace(settings, public_ips=("2001:db8::7",))
    records = await ownership.dns_records(only_v6, APEX, "token")
    assert [record.type for record in records] == ["TXT", "AAAA"]


async def test_a_subdomain_gets_one_cname_and_a_records_here_count(
    settings: Settings, dns_server: ChallTestSrv,
) -> None:
    records = await ownership.dns_records(settings, NAME, "token")
    assert [(record.type, record.name) for record in records] == [
        ("TXT", "_autostack-challenge.app.example.test"), ("CNAME", NAME)]
    assert records[1].value == settings.base_domain
    set_addresses(dns_server, "a", "203.0.113.99")
    assert not ownership.routed(await ownership.dns_records(settings, NAME, "token"))
    set_addresses(dns_server, "a", "203.0.113.7")
    assert ownership.routed(await ownership.dns_records(settings, NAME, "token"))


class TokenHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"token" if self.headers["Host"] == NAME else b"wrong host"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class IPv6Server(HTTPServer):
    address_family = socket.AF_INET6


@pytest.fixture
def edge_on_ipv6(settings: Settings) -> Iterator[None]:
    """What the edge answers for the domain, on ``[::1]`` only (nothing on 127.0.0.1)."""
    server = IPv6Server(("::1", settings.edge_port), TokenHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


async def test_http_token_is_tried_on_aaaa_addresses_too(
    settings: Settings, dns_server: ChallTestSrv, edge_on_ipv6: None,
) -> None:
    set_addresses(dns_server, "aaaa", "::1")
    assert await ownership.http_token_ok(settings, NAME, "token")
    assert not await ownership.http_token_ok(settings, NAME, "another-token")


@pytest.fixture
def edge_on_loopback(settings: Settings) -> Iterator[list[str]]:
    """A recording stand-in for the edge on ``127.0.0.1``: the paths it was asked for."""
    asked: list[str] = []

    class Recording(TokenHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

    server = HTTPServer(("127.0.0.1", settings.edge_port), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()


async def test_the_http_check_asks_no_address_of_the_servers_own_network(
    settings: Settings, dns_server: ChallTestSrv, edge_on_loopback: list[str],
) -> None:
    """A user's A record names where the check connects: never loopback or private,
    unless it is one of this server's own addresses (``public_ips``)."""
    set_addresses(dns_server, "a", "127.0.0.1")
    refused = replace(settings, outbound_allow=())
    assert not await ownership.http_token_ok(refused, NAME, "token")
    assert edge_on_loopback == []
    own = replace(refused, public_ips=("127.0.0.1",))
    assert await ownership.http_token_ok(own, NAME, "token")
    assert len(edge_on_loopback) == 1
