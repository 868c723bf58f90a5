"""DNS lookups through the server's resolvers: ``AUTOSTACK_DNS_RESOLVERS``, else the system's.

Public (:mod:`autostack_core.public`) for plugins that must see DNS as the
server is configured to see it: domain ownership checks (the core's
:mod:`autostack_plugins.domains.ownership`) and a certificate plugin waiting for its
ACME challenge record to be visible (the local edge's wildcard certificate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autostack_core.config import Settings

if TYPE_CHECKING:  # dnspython loads at the first lookup, not at every server start (issue 19)
    import dns.asyncresolver

LOOKUP_SECONDS = 3.0


def make_resolver(settings: Settings) -> dns.asyncresolver.Resolver:
    """The configured nameservers (``host`` or ``host:port``), else the system's."""
    import dns.asyncresolver
    import dns.nameserver

    if not settings.dns_resolvers:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    servers: list[str | dns.nameserver.Nameserver] = []
    for entry in settings.dns_resolvers:
        # host:port for IPv4 and names; a bare IPv6 address has more colons.
        host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "53")
        servers.append(dns.nameserver.Do53Nameserver(host, int(port)))
    resolver.nameservers = servers
    resolver.lifetime = LOOKUP_SECONDS
    return resolver


async def lookup(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> list[str]:
    """The answers for ``name``/``rdtype`` as text; none when it has none or DNS fails."""
    import dns.exception

    try:
        answer = await resolver.resolve(name, rdtype, search=False)
    except (dns.exception.DNSException, OSError):
        return []
    if rdtype == "TXT":
        return sorted(b"".join(record.strings).decode(errors="replace") for record in answer)
    return sorted(record.to_text().rstrip(".").lower() for record in answer)
