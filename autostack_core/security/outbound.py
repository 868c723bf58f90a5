"""Where the server may connect on a user's behalf: git remotes, notifier URLs, SMTP hosts.

A URL a user types is a request the server makes from inside its own network:
without a check, ``git_url: http://127.0.0.1:6379/x.git`` scans the server's
ports and a webhook notifier posts to the cloud's metadata service. Every
destination a user names goes through :class:`Outbound`, which refuses
loopback, private (RFC 1918, fc00::/7), shared (100.64/10), link-local (cloud
metadata), multicast, reserved and unspecified addresses, including their
IPv4-mapped and NAT64 forms.

The checks are ssrfguard's, chosen over a hand-written ``ipaddress`` test
because it closes the gap such tests leave: one DNS lookup, every answer
checked, and the socket opened to the address that was checked, so a DNS
server that answers differently the second time (rebinding) gets no second
time; redirects are checked hop by hop at the same place. Git runs as a
subprocess, so for it the checked addresses are pinned with curl's resolve
list (``http.curloptResolve``, git 2.37+) and redirects are not followed.
``ssh://`` and ``git://`` remotes are checked before git starts, but ssh (and
git, for ``git://``) resolves the name again: a DNS server that rebinds in
between is the one gap left (see ``docs/security.md``).

Operators allow their own private destinations (an internal git server, a
webhook receiver on the LAN) with ``AUTOSTACK_OUTBOUND_ALLOW``: addresses or
networks, any port.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import smtplib
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import ssrfguard
from ssrfguard.httpx import AsyncClient

if TYPE_CHECKING:
    from autostack_core.config import Settings

ALL_PORTS = frozenset(range(1, 65536))
"""Any port: the check is about whose network a destination is in, not which service."""
DEFAULT_PORTS = {"http": 80, "https": 443, "ssh": 22, "git": 9418, "smtp": 587}
GIT_SCHEMES = frozenset({"http", "https", "ssh", "git"})
_SCP_LIKE = re.compile(r"^(?:[^@/]*@)?(?P<host>\[[^\]/]+\]|[^:/\[@]+):")
"""git's ``[user@]host:path``: a colon before any slash."""
HINT = ("the server sends nothing to loopback, private, link-local or other non-public "
        "addresses unless the operator lists them in AUTOSTACK_OUTBOUND_ALLOW")


class OutboundError(ValueError):
    """A destination the server refuses; the message names the host, the address and why."""


def _authority(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def git_host(url: str) -> tuple[str, int] | None:
    """The host and port git connects to for ``url``; ``None`` for a local path or file://."""
    if "://" not in url:
        scp_like = _SCP_LIKE.match(url)
        return None if scp_like is None else (scp_like["host"].strip("[]"), DEFAULT_PORTS["ssh"])
    if urlsplit(url).scheme not in GIT_SCHEMES:
        return None
    return destination(url)


def destination(url: str) -> tuple[str, int]:
    """The host and port of a URL (``http``, ``https``, ``ssh``, ``git``, ``smtp``)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise OutboundError("use an https:// (or http://) URL")
    if not parts.hostname:
        raise OutboundError("name a host")
    try:
        return parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise OutboundError(f"the port of {parts.hostname} is not a number") from error


@functools.lru_cache(maxsize=16)
def _policy(allow: tuple[str, ...]) -> ssrfguard.Policy:
    """Built once per allowlist: checking the 65,535 allowed ports takes ~7 ms."""
    networks = tuple(ipaddress.ip_network(entry, strict=False) for entry in allow)
    return ssrfguard.Policy(allowed_networks=networks, allowed_ports=ALL_PORTS)


@dataclass(frozen=True)
class Outbound:
    """The destinations the server connects to for its users, and clients that keep to them.

    ``allow`` lists the addresses and networks an operator opened (``10.0.0.0/8``,
    ``192.168.1.5``, ``::1``); everything public is allowed already.
    """

    allow: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Outbound:
        return cls(allow=settings.outbound_allow)

    @property
    def policy(self) -> ssrfguard.Policy:
        return _policy(self.allow)

    def client(self, **options: Any) -> AsyncClient:
        """An ``httpx.AsyncClient`` that connects only to checked addresses, redirects included.

        A refused destination raises :class:`ssrfguard.SSRFGuardError`; :meth:`explain`
        turns it into an :class:`OutboundError`.
        """
        return AsyncClient(policy=self.policy, trust_env=False, **options)

    def addresses(self, host: str, port: int) -> tuple[ssrfguard.Address, ...]:
        """Resolve ``host`` once and check every answer (blocking: DNS)."""
        try:
            target = self.policy.check_url(f"http://{_authority(host)}:{port}/")
            return ssrfguard.resolve(target, policy=self.policy)
        except ssrfguard.SSRFGuardError as error:
            raise self.explain(error, host) from error
        except OSError as error:
            raise OutboundError(f"{host} cannot be resolved: {error.strerror or error}") \
                from error

    async def check(self, host: str, port: int) -> tuple[ssrfguard.Address, ...]:
        """:meth:`addresses` off the event loop."""
        return await asyncio.to_thread(self.addresses, host, port)

    async def check_url(self, url: str) -> None:
        """Refuse a URL whose host resolves somewhere the server must not go."""
        await self.check(*destination(url))

    async def git_config(self, url: str) -> list[str]:
        """``git -c`` settings (``key=value``) that keep a fetch of ``url`` to checked addresses.

        Empty for local paths (``AUTOSTACK_ALLOW_LOCAL_GIT`` governs those).
        """
        destination = git_host(url)
        if destination is None:
            return []
        host, port = destination
        addresses = await self.check(host, port)
        config = ["http.followRedirects=false"]
        if addresses and addresses[0].hostname != str(addresses[0].ip):
            # curl matches the name as it sends it: the A-label, for an IDN host.
            pinned = ",".join(f"[{a.ip}]" if a.ip.version == 6 else str(a.ip)
                              for a in addresses)
            config.append(f"http.curloptResolve={addresses[0].hostname}:{port}:{pinned}")
        return config

    def smtp(self, host: str, port: int, timeout: float) -> smtplib.SMTP:
        """An SMTP connection to a checked address of ``host`` (STARTTLS still checks ``host``)."""
        return _PinnedSMTP(self, host, port, timeout)

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        """A TCP connection to the first reachable checked address of ``host``."""
        return ssrfguard.connect(self.addresses(host, port), policy=self.policy, timeout=timeout)

    @staticmethod
    def explain(error: ssrfguard.SSRFGuardError, host: str | None = None) -> OutboundError:
        """The refusal in words a user can act on, naming neither credentials nor paths."""
        if isinstance(error, ssrfguard.BlockedAddressError):
            where = f"{host} resolves to {error.address}" if host and host != error.address \
                else error.address
            return OutboundError(f"{where}: {error.reason}; {HINT}")
        if isinstance(error, ssrfguard.BlockedURLError):
            return OutboundError(f"{host or 'the URL'}: {error.reason}; {HINT}")
        return OutboundError(f"{error}; {HINT}")


class _PinnedSMTP(smtplib.SMTP):
    """smtplib's client with its socket opened by :meth:`Outbound.connect`.

    ``_get_socket`` is the seam smtplib's own ``SMTP_SSL`` and ``LMTP`` override;
    the host name stays ``self._host``, so STARTTLS verifies the certificate for it.
    """

    def __init__(self, outbound: Outbound, host: str, port: int, timeout: float) -> None:
        self._outbound = outbound
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._outbound.connect(host, port, timeout)
