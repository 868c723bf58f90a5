"""A hostname's certificate state on the edge: pending, issued (with expiry) or failed.

Why a TLS probe plus Caddy's log, and not Caddy's events or its storage:

* the probe (a TLS handshake with the hostname as SNI on the edge's HTTPS
  port, on the loopback) reads the certificate clients are actually served,
  so "issued" and its ``notAfter`` are facts, whatever Caddy did to get
  there; it also starts on-demand issuance when none exists yet;
* Caddy's events app has no handler that reaches another process, and the
  layout of its storage is internal; its JSON log, however, is a stable
  interface: ``tls.obtain``/``tls.renew`` errors carry the ``identifier`` and
  the ACME problem, which the probe cannot see. The last error logged for the
  hostname after its last success is the reason for "failed", or, when a
  certificate is still served, a failing renewal.
"""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path

from cryptography import x509

from autostack_core.interfaces.edge import Certificate, CertificateStatus

PROBE_SECONDS = 60.0
SUCCESS_MESSAGES = ("certificate obtained successfully", "certificate renewed successfully")
LOG_TAIL_BYTES = 2 * 1024 * 1024


def served_certificate(hostname: str, port: int,
                       timeout: float = PROBE_SECONDS) -> x509.Certificate | None:
    """The certificate the edge serves for ``hostname`` (None if the handshake fails)."""
    context = ssl.create_default_context()
    # Read what is served, trusted or not: the edge's own CA is not the system's.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=hostname) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return None if der is None else x509.load_der_x509_certificate(der)


def certificate_names(certificate: x509.Certificate) -> list[str]:
    """The DNS names ``certificate`` is for (its subject alternative names)."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return names.value.get_values_for_type(x509.DNSName)


def covers(certificate: x509.Certificate, hostname: str) -> bool:
    """Whether ``certificate`` names ``hostname`` (exactly; no wildcard is ever asked for)."""
    return hostname in certificate_names(certificate)


def last_error(log_path: Path, hostname: str) -> str | None:
    """The last certificate error Caddy logged for ``hostname`` after its last success."""
    try:
        with log_path.open("rb") as handle:
            handle.seek(max(0, log_path.stat().st_size - LOG_TAIL_BYTES))
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    error: str | None = None
    for line in lines:
        if hostname.encode() not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("identifier") != hostname:
            continue
        if entry.get("msg") in SUCCESS_MESSAGES:
            error = None
        elif entry.get("level") == "error":
            error = f"{entry.get('msg')}: {entry.get('error', '')}".rstrip(": ")
    return error


def certificate_state(hostname: str, https_port: int, log_path: Path,
                      timeout: float = PROBE_SECONDS) -> Certificate:
    """Probe the edge, then read the log: what to show for ``hostname``'s certificate.

    Issued (with its expiry, and the error of a failing renewal), failed (the
    last error) or pending.
    """
    certificate = served_certificate(hostname, https_port, timeout)
    error = last_error(log_path, hostname)
    if certificate is not None and covers(certificate, hostname):
        return Certificate(CertificateStatus.ISSUED, certificate.not_valid_after_utc,
                           certificate.issuer.rfc4514_string(), error)
    if error is not None:
        return Certificate(CertificateStatus.FAILED, error=error)
    return Certificate(CertificateStatus.PENDING)
