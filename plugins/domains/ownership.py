"""Proof that someone owns a domain, and the DNS records it needs: checked, never assumed.

Two proofs, either is enough:

* a TXT record ``_autostack-challenge.<domain>`` holding the domain's token,
  looked up with dnspython through ``AUTOSTACK_DNS_RESOLVERS`` (``host:port``
  list) or the system's resolver;
* ``http://<domain>/.well-known/autostack-challenge/<token>`` answering the
  token: the address comes from the same resolvers, the request goes to the
  edge's HTTP port there, which hands the path to the control plane.

:func:`dns_records` lists what the owner must create (the TXT record; A
records to this server for an apex, AAAA too when it has public IPv6 addresses;
a CNAME to the base domain for a subdomain) with what DNS answers now, so the API and the dashboard
can show which record is still missing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import httpx
from ssrfguard import SSRFGuardError

from autostack_core.config import Settings
from autostack_core.infrastructure.dns_lookup import lookup, make_resolver
from autostack_core.security.outbound import Outbound

if TYPE_CHECKING:  # dnspython loads at the first check (issue 19: start-up of every server)
    import dns.asyncresolver

CHALLENGE_LABEL = "_autostack-challenge"
CHALLENGE_PATH = "/.well-known/autostack-challenge/"
HTTP_CHECK_SECONDS = 5.0
UNKNOWN_ADDRESS = ("this server's public IPv4 address (the server does not know it: "
                   "set AUTOSTACK_PUBLIC_IPS)")


@dataclass
class DnsRecord:
    """One record to create, and what DNS answers for it now."""

    type: str
    name: str
    value: str
    current: list[str]
    ok: bool
    purpose: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def challenge_name(domain: str) -> str:
    return f"{CHALLENGE_LABEL}.{domain}"


def family(addresses: list[str] | tuple[str, ...], version: int) -> list[str]:
    """The addresses of one IP version, written the canonical way (``2001:db8::1``)."""
    parsed = [ipaddress.ip_address(address) for address in addresses]
    return sorted(str(address) for address in parsed if address.version == version)


async def server_addresses(settings: Settings, resolver: dns.asyncresolver.Resolver,
                           version: int = 4) -> list[str]:
    """Where A (4) or AAAA (6) records must point: ``AUTOSTACK_PUBLIC_IPS``, else the
    base domain's public addresses (none when neither is known)."""
    if settings.public_ips:
        return family(settings.public_ips, version)
    found = await lookup(resolver, settings.base_domain, "A" if version == 4 else "AAAA")
    return [address for address in family([a for a in found if _is_ip(a)], version)
            if ipaddress.ip_address(address).is_global]


async def is_apex(resolver: dns.asyncresolver.Resolver, domain: str) -> bool:
    """Whether ``domain`` is a zone's apex, where DNS allows no CNAME.

    DNS decides when it answers an SOA record at the name itself; when it
    answers nothing, a name of two labels (``example.com``) counts as an apex.
    """
    import dns.exception

    try:
        answer = await resolver.resolve(domain, "SOA", search=False)
    except (dns.exception.DNSException, OSError):
        return domain.count(".") == 1
    return bool(answer.canonical_name == answer.qname)


def points_here(found: list[str], wanted: list[str], version: int) -> bool:
    """Some address is published, and every one is ours (any, when ours are unknown)."""
    found = family([address for address in found if _is_ip(address)], version)
    return bool(found) and (not wanted or set(found) <= set(wanted))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


async def dns_records(settings: Settings, domain: str, token: str,
                      in_zone: bool = False) -> list[DnsRecord]:
    """The TXT proof at its own name, and the records that bring traffic here.

    An apex (:func:`is_apex`) gets A records, and AAAA when the server has
    public IPv6 addresses; a subdomain gets a CNAME to the base domain (A/AAAA
    records to this server count too). The addresses are the server's real
    ones (:func:`server_addresses`); when unknown, the value says how to set them.
    ``in_zone``: AutoStack writes the records in a connected zone, A/AAAA to
    ``AUTOSTACK_PUBLIC_IPS`` when set (:mod:`.dns_zones`), so those are listed.
    """
    resolver = make_resolver(settings)
    txt = await lookup(resolver, challenge_name(domain), "TXT")
    addresses = await lookup(resolver, domain, "A")
    addresses6 = await lookup(resolver, domain, "AAAA")
    wanted = await server_addresses(settings, resolver, 4)
    wanted6 = await server_addresses(settings, resolver, 6)
    records = [DnsRecord("TXT", challenge_name(domain), token, txt, token in txt,
                         "proves you own the domain")]
    by_ip = in_zone and bool(settings.public_ips)
    if not by_ip and not await is_apex(resolver, domain):
        cname = await lookup(resolver, domain, "CNAME")
        # A/AAAA records here count too (any address while the server's are unknown).
        by_address = ((bool(wanted or not wanted6) and points_here(addresses, wanted, 4))
                      or (bool(wanted6) and points_here(addresses6, wanted6, 6)))
        records.append(DnsRecord("CNAME", domain, settings.base_domain, cname or addresses,
                                 settings.base_domain in cname or by_address,
                                 "sends traffic here"))
        return records
    if wanted or not wanted6:
        records.append(DnsRecord(
            "A", domain, ", ".join(wanted) or UNKNOWN_ADDRESS, addresses,
            points_here(addresses, wanted, 4),
            "sends IPv4 traffic here (an apex takes no CNAME)"))
    if wanted6:
        records.append(DnsRecord(
            "AAAA", domain, ", ".join(wanted6), addresses6, points_here(addresses6, wanted6, 6),
            "sends IPv6 traffic here"))
    return records


def routed(records: list[DnsRecord]) -> bool:
    """Whether an A, AAAA or CNAME record of :func:`dns_records` brings traffic here."""
    return any(record.ok for record in records if record.type in ("A", "AAAA", "CNAME"))


async def http_token_ok(settings: Settings, domain: str, token: str) -> bool:
    """Whether ``http://<domain>/.well-known/autostack-challenge/<token>`` answers the token.

    Every A address is tried, then every AAAA one (bracketed in the URL). The
    addresses come from the user's DNS records, so only public ones, this
    server's own (``public_ips``) and the operator's allowed ones are asked
    (:mod:`autostack_core.security.outbound`).
    """
    resolver = make_resolver(settings)
    hosts = [*await lookup(resolver, domain, "A"),
             *(f"[{address}]" for address in await lookup(resolver, domain, "AAAA"))]
    port = "" if settings.edge_port == 80 else f":{settings.edge_port}"
    outbound = Outbound((*settings.outbound_allow, *settings.public_ips))
    async with outbound.client(timeout=HTTP_CHECK_SECONDS, follow_redirects=False) as http:
        for host in hosts:
            try:
                response = await http.get(f"http://{host}{port}{CHALLENGE_PATH}{token}",
                                          headers={"Host": domain})
            except (httpx.HTTPError, SSRFGuardError):
                continue
            if response.status_code == 200 and response.text.strip() == token:
                return True
    return False
