"""The base domain's wildcard certificate (``*.<base>`` and ``<base>``), through ACME DNS-01.

Caddy's stock build has no DNS host modules, so with
``AUTOSTACK_DNS_HOST`` set (and a base domain other than ``localhost``)
AutoStack obtains this one certificate itself (:mod:`autostack_plugins.providers.local.acme`):
the DNS host's zone gets the ``_acme-challenge.<base>`` TXT record, the
CA checks it, the chain and key land in
:func:`autostack_plugins.providers.local.edge_tls.wildcard_file` with one rename, and the edge
serves them from its next handshake on (see :mod:`autostack_plugins.providers.local.edge_tls`).

:func:`renew` is the queue task: run at start-up and hourly, it does nothing
until a third of the certificate's lifetime is left (or it is missing, or
for other names). A failure leaves the old certificate serving (until it
expires: then it is removed, and hostnames get their own again), is recorded
with the CA's or provider's error in ``<data>/acme/wildcard.json`` (what
:func:`state` shows: the API and ``autostack doctor``), is announced once as
``edge.certificate_failed``, and is retried at the next hourly run.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import secrets
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from autostack_core.config import Settings
from autostack_core.infrastructure import dns_lookup
from autostack_core.interfaces import DnsRecordSet, DnsZone, Event
from autostack_core.interfaces.checks import Check
from autostack_core.interfaces.edge import CertificateStatus
from autostack_core.utils import write_private
from autostack_plugins.providers.local.acme import AcmeClient, AcmeError, Challenge
from autostack_plugins.providers.local.certificates import certificate_names
from autostack_plugins.providers.local.edge_tls import (
    WildcardEndpoint,
    wildcard_file,
    wildcard_names,
)

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.wildcard_certificate")

EVENT = "edge.certificate_failed"
RENEW_FRACTION = 1 / 3
"""Renew once less than this part of the certificate's lifetime is left."""
RETRY_SECONDS = 50 * 60
"""After a failure, automatic attempts wait this long (a forced one does not): less than
the hourly run's period, so each hourly run retries, while restarts do not hammer the CA."""
ORDER_SECONDS = 300
PROPAGATION_SECONDS = 120
PROPAGATION_POLL_SECONDS = 1.0


def enabled(settings: Settings) -> bool:
    """Whether this server obtains a wildcard certificate: a DNS host, a real domain."""
    return bool(settings.dns_host) and not settings.local_domain


def caddy_endpoint(settings: Settings) -> WildcardEndpoint | None:
    """The edge's HTTP port and a new secret for its manager endpoint (None: disabled).

    The edge's own port, which Caddy binds itself: see
    :mod:`autostack_plugins.providers.local.edge_tls`.
    """
    if not enabled(settings):
        return None
    return WildcardEndpoint(settings.edge_port, secrets.token_urlsafe(32))


def attempt_path(settings: Settings) -> Path:
    return settings.path("acme", "wildcard.json")


# ---------------------------------------------------------------------------
# State: the certificate file, plus the last attempt
# ---------------------------------------------------------------------------


@dataclass
class Attempt:
    """The last try: when, and its error (None when it succeeded)."""

    at: datetime | None = None
    error: str | None = None

    @classmethod
    def load(cls, path: Path) -> Attempt:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return cls()
        at = data.get("at")
        return cls(datetime.fromisoformat(at) if at else None, data.get("error"))

    def save(self, path: Path) -> None:
        write_private(path, json.dumps({"at": self.at.isoformat() if self.at else None,
                                        "error": self.error}))


def read_certificate(path: Path) -> x509.Certificate | None:
    """The leaf of the PEM chain at ``path`` (None when there is none or it is unreadable)."""
    try:
        chain = x509.load_pem_x509_certificates(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return chain[0] if chain else None


def renew_after(certificate: x509.Certificate) -> datetime:
    """When a third of the lifetime is left."""
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    return certificate.not_valid_after_utc - lifetime * RENEW_FRACTION


def needs_renewal(certificate: x509.Certificate | None, names: list[str],
                  now: datetime) -> bool:
    """Missing, for other names, or past :func:`renew_after`."""
    if certificate is None or not set(names) <= set(certificate_names(certificate)):
        return True
    return now >= renew_after(certificate)


@dataclass
class WildcardState:
    """What the API and ``autostack doctor`` show."""

    enabled: bool
    names: list[str]
    status: CertificateStatus
    dns_host: str | None = None
    expires_at: datetime | None = None
    renew_after: datetime | None = None
    issuer: str | None = None
    serial: str | None = None
    error: str | None = None
    last_attempt_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {"enabled": self.enabled, "names": self.names, "status": str(self.status),
                "dns_host": self.dns_host, "expires_at": when(self.expires_at),
                "renew_after": when(self.renew_after), "issuer": self.issuer,
                "serial": self.serial, "error": self.error,
                "last_attempt_at": when(self.last_attempt_at)}


def state(settings: Settings, now: datetime | None = None) -> WildcardState:
    """Issued (maybe with a failing renewal's error), failed, pending, or none (disabled)."""
    names = wildcard_names(settings)
    if not enabled(settings):
        return WildcardState(False, names, CertificateStatus.NONE)
    now = now or datetime.now(UTC)
    certificate = read_certificate(wildcard_file(settings))
    attempt = Attempt.load(attempt_path(settings))
    result = WildcardState(True, names, CertificateStatus.PENDING, settings.dns_host,
                           error=attempt.error, last_attempt_at=attempt.at)
    if certificate is not None and certificate.not_valid_after_utc > now \
            and set(names) <= set(certificate_names(certificate)):
        result.status = CertificateStatus.ISSUED
        result.expires_at = certificate.not_valid_after_utc
        result.renew_after = renew_after(certificate)
        result.issuer = certificate.issuer.rfc4514_string()
        result.serial = format(certificate.serial_number, "x")
    elif attempt.error is not None:
        result.status = CertificateStatus.FAILED
    return result


def doctor_check(settings: Settings) -> Check:
    """The certificate's line in ``autostack doctor``: fails on a failed attempt."""
    current = state(settings)
    names = ", ".join(current.names)
    if not current.enabled:
        return Check("wildcard", True, "not configured: each hostname gets its own certificate "
                                       "(AUTOSTACK_DNS_HOST and a real AUTOSTACK_DOMAIN "
                                       "enable it)")
    remedy = (f"check AUTOSTACK_DNS_HOST_CONFIG for {current.dns_host} and the ACME "
              "settings; POST /api/v1/edge/wildcard-certificate/renew retries now")
    if current.status == CertificateStatus.ISSUED and current.expires_at and current.renew_after:
        detail = (f"{names}: issued by {current.issuer}, expires {current.expires_at:%Y-%m-%d}, "
                  f"renews after {current.renew_after:%Y-%m-%d}")
        if current.error:
            return Check("wildcard", False, f"{detail}; the last renewal failed: {current.error}",
                         remedy)
        return Check("wildcard", True, detail)
    if current.status == CertificateStatus.FAILED:
        return Check("wildcard", False, f"{names}: not issued: {current.error}", remedy)
    return Check("wildcard", True, f"{names}: not issued yet (the server obtains it at start "
                                   "and checks hourly)")


# ---------------------------------------------------------------------------
# Obtaining
# ---------------------------------------------------------------------------


def account_key(settings: Settings) -> ECKey:
    """The ACME account key (P-256), made on first use and kept 0600 under the data dir."""
    path = settings.path("acme", "account-key.pem")
    try:
        return ECKey.import_key(path.read_bytes())
    except FileNotFoundError:
        key = ECKey.generate_key("P-256", private=True)
        write_private(path, key.as_pem(private=True).decode("ascii"))
        return key


def certificate_request(names: list[str]) -> tuple[bytes, bytes]:
    """A new P-256 key (PEM) and a CSR for ``names`` (DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                          critical=False)
           .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, csr.public_bytes(serialization.Encoding.DER)


def ca_trust(settings: Settings) -> ssl.SSLContext:
    """The system's roots, or ``AUTOSTACK_ACME_CA_ROOT`` for a private CA's listener."""
    return ssl.create_default_context(cafile=settings.acme_ca_root)


async def wait_until_visible(settings: Settings, record: DnsRecordSet) -> None:
    """Until the configured resolvers answer every value of ``record`` (none configured: now)."""
    if not settings.dns_resolvers:
        return
    resolver = dns_lookup.make_resolver(settings)
    deadline = time.monotonic() + PROPAGATION_SECONDS
    while not set(record.values) <= set(await dns_lookup.lookup(resolver, record.name, "TXT")):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{record.name} TXT not visible through "
                               f"{', '.join(settings.dns_resolvers)} after "
                               f"{PROPAGATION_SECONDS} s")
        await asyncio.sleep(PROPAGATION_POLL_SECONDS)


def challenge_record(challenges: list[Challenge]) -> DnsRecordSet | None:
    """One TXT record set answering every challenge (``*.base`` and ``base`` share a name)."""
    if not challenges:
        return None
    names = {challenge.record_name for challenge in challenges}
    if len(names) != 1:
        raise ValueError(f"challenges at several names: {sorted(names)}")
    return DnsRecordSet(names.pop(), "TXT", tuple(c.value for c in challenges), ttl=60)


async def remove_record(zone: DnsZone, record: DnsRecordSet) -> None:
    """Delete the challenge record; a failure is logged, the order's outcome stands."""
    try:
        await zone.delete(record)
    except Exception as error:
        logger.warning("could not delete %s TXT: %s", record.name, error)


async def obtain(settings: Settings, zone: DnsZone) -> str:
    """Order, answer DNS-01 through ``zone``, finalize: the chain and its key, as PEM."""
    names = wildcard_names(settings)
    apex = (await zone.zone_name()).rstrip(".").lower()
    if settings.base_domain != apex and not settings.base_domain.endswith(f".{apex}"):
        raise ValueError(f"{settings.base_domain} is not in the DNS host's zone {apex}")
    deadline = time.monotonic() + ORDER_SECONDS
    async with AcmeClient(settings.acme_directory, account_key(settings), ca_trust(settings),
                          settings.acme_email) as client:
        await client.register()
        order_url, order = await client.new_order(names)
        challenges = await client.dns_challenges(order)
        record = challenge_record(challenges)
        if record is not None:
            try:
                await zone.upsert(record)
                await wait_until_visible(settings, record)
                for challenge in challenges:
                    await client.answer(challenge, deadline)
            finally:
                await remove_record(zone, record)
        key_pem, csr = certificate_request(names)
        chain: str = await client.finalize(order_url, order, csr, deadline)
    return chain.rstrip("\n") + "\n" + key_pem.decode("ascii")


# ---------------------------------------------------------------------------
# The queue task
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(settings: Settings) -> Iterator[bool]:
    """Whether this caller holds ``<data>/acme/wildcard.lock`` (one attempt at a time)."""
    path = settings.path("acme", "wildcard.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def describe(error: Exception) -> str:
    """One line for the state and the notification (ACME problems are already one)."""
    if isinstance(error, AcmeError):
        return str(error)
    return f"{type(error).__name__}: {error}".rstrip(": ")


async def renew(app: AutoStack, force: bool = False) -> dict[str, Any]:
    """Obtain or renew when due (``force``: now); the state afterwards, as a dict."""
    settings = app.settings
    if not enabled(settings):
        return state(settings).as_dict()
    with exclusive(settings) as mine:
        if not mine:
            return state(settings).as_dict()
        now = datetime.now(UTC)
        certificate = read_certificate(wildcard_file(settings))
        attempt = Attempt.load(attempt_path(settings))
        due = needs_renewal(certificate, wildcard_names(settings), now)
        backing_off = attempt.error is not None and attempt.at is not None \
            and now - attempt.at < timedelta(seconds=RETRY_SECONDS)
        if not force and (not due or backing_off):
            return state(settings, now).as_dict()
        try:
            provider = app.dns_hosts.get(settings.dns_host or "")
            if provider is None:
                installed = ", ".join(sorted(app.dns_hosts)) or "none"
                raise LookupError(f"DNS host {settings.dns_host!r} is not installed "
                                  f"(installed: {installed})")
            pem = await obtain(settings, provider.connect(settings.dns_host_config))
        except Exception as error:
            if certificate is not None and certificate.not_valid_after_utc <= now:
                # An expired wildcard would fail every handshake; without the file the
                # edge gets each hostname its own certificate on demand again.
                wildcard_file(settings).unlink(missing_ok=True)
            await failed(app, attempt, describe(error), now)
        else:
            write_private(wildcard_file(settings), pem)
            Attempt(now, None).save(attempt_path(settings))
            logger.info("wildcard certificate for %s obtained",
                        ", ".join(wildcard_names(settings)))
        return state(settings).as_dict()


async def failed(app: AutoStack, previous: Attempt, error: str, now: datetime) -> None:
    """Record the error; announce it unless it is the one already announced."""
    Attempt(now, error).save(attempt_path(app.settings))
    logger.error("wildcard certificate: %s", error)
    if error == previous.error:
        return
    current = state(app.settings, now)
    await app.notify(Event(kind=EVENT, project="", data={
        "names": current.names, "error": error,
        "still_serving": current.status == CertificateStatus.ISSUED,
        "expires_at": current.expires_at.isoformat() if current.expires_at else None,
    }))
