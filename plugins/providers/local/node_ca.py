"""The system certificates Node.js lacks, for a replica's ``NODE_EXTRA_CA_CERTS``.

Node trusts the system's authorities as the other tools do through
``NODE_EXTRA_CA_CERTS`` (:func:`autostack_core.build.sandbox_layout.system_ca_env`),
but Node 20 parses that file at every start, and the whole system bundle
(144 certificates here) cost a bare start of 42-58 ms another ~50 ms
(bench/README.md, cold start). Most of it Node has already: its own list
differs from the system's by a few certificates. A replica running the
host's ``node`` is given a file of only the system certificates Node's
bundled roots (``tls.rootCertificates``) lack, so it trusts exactly what it
trusted with the whole bundle, and no variable at all when there are none.
With the variable set at all, Node 20 still builds its root store at start
(about half of the cost): only a host whose bundle Node covers saves it all.

The file is made once per Node binary and per system bundle content, in
the data directory, and made again when either changes. An app that ships
its own runtime (a Node.js version or Bun of its build, with other roots
built in) keeps the whole system bundle.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

from autostack_core.build.sandbox_layout import SYSTEM_CA_BUNDLE
from autostack_core.interfaces import SANDBOX_PATH

logger = logging.getLogger(__name__)

SANDBOX_FILE = "/run/autostack/node-extra-ca.pem"
"""Where a replica's sandbox shows the file of extra certificates (read-only)."""
SHIPPED_RUNTIMES = (".autostack-node", ".autostack-bun")
"""Folders of an app holding a runtime binary of its own (``builders.node_install.ship``)."""
NODE_TIMEOUT_SECONDS = 30
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
_made: dict[tuple[object, ...], Path | None] = {}


def replica_extra_ca(cache_dir: Path, app_dir: Path,
                     system_bundle: Path = SYSTEM_CA_BUNDLE) -> Path | None:
    """The host file a replica of ``app_dir`` gets as ``NODE_EXTRA_CA_CERTS``, or None for none.

    The whole ``system_bundle`` when the app ships its own runtime or the host
    has no ``node``; else :func:`extra_ca_file` for the host's ``node`` (the
    whole bundle too when that fails: trust stays the same, only slower).
    """
    if not system_bundle.is_file():
        return None
    node = shutil.which("node", path=SANDBOX_PATH)
    if node is None or any((app_dir / name).exists() for name in SHIPPED_RUNTIMES):
        return system_bundle
    try:
        return extra_ca_file(cache_dir, Path(node), system_bundle)
    except (OSError, RuntimeError, ValueError) as error:
        logger.warning("NODE_EXTRA_CA_CERTS is the whole system bundle: %s", error)
        return system_bundle


def path_inside(extra_ca: Path, sandboxed: bool) -> str:
    """Where a replica reads ``extra_ca``: :data:`SANDBOX_FILE` in bubblewrap unless in ``/etc``."""
    return SANDBOX_FILE if sandboxed and not extra_ca.is_relative_to("/etc") else str(extra_ca)


def extra_ca_file(cache_dir: Path, node: Path, system_bundle: Path) -> Path | None:
    """A PEM file in ``cache_dir`` of the certificates of ``system_bundle`` that ``node`` lacks.

    None when Node has them all. Made once per ``node`` binary and bundle
    content (the name says which); while neither file changes (size, time),
    this process asks the disk nothing more. Raises :class:`RuntimeError`
    when ``node`` cannot list its roots.
    """
    real = node.resolve()
    key = (str(real), _identity(real), str(system_bundle), _identity(system_bundle))
    if key in _made:
        return _made[key]
    bundle = system_bundle.read_bytes()
    digest = hashlib.sha256(repr(key[:2]).encode() + hashlib.sha256(bundle).digest())
    target = cache_dir / f"node-extra-ca-{digest.hexdigest()[:24]}.pem"
    if not target.exists():
        missing = _difference(pem_certificates(bundle.decode("ascii", "replace")),
                              pem_certificates(node_roots(real)))
        _write(target, "".join(ssl.DER_cert_to_PEM_cert(der) for der in missing))
    _made[key] = target if target.stat().st_size else None
    return _made[key]


def node_roots(node: Path) -> str:
    """The certificates compiled into ``node`` (``tls.rootCertificates``), as PEM."""
    try:
        listed = subprocess.run(
            [str(node), "-p", "require('tls').rootCertificates.join('\\n')"],
            capture_output=True, text=True, timeout=NODE_TIMEOUT_SECONDS,
            env={"PATH": SANDBOX_PATH})
    except (OSError, subprocess.SubprocessError) as error:
        raise RuntimeError(f"{node} could not list its root certificates: {error}") from error
    if listed.returncode != 0 or _BEGIN not in listed.stdout:
        raise RuntimeError(f"{node} could not list its root certificates: "
                           f"{listed.stderr.strip()[-300:]}")
    return listed.stdout


def pem_certificates(text: str) -> list[bytes]:
    """The DER bytes of every certificate of a PEM text, in order (other blocks skipped)."""
    found: list[bytes] = []
    for block in text.split(_BEGIN)[1:]:
        body, end, _ = block.partition(_END)
        if end:
            found.append(ssl.PEM_cert_to_DER_cert(f"{_BEGIN}{body}{_END}\n"))
    return found


def _difference(system: list[bytes], node: list[bytes]) -> list[bytes]:
    """The certificates of ``system`` not in ``node``, once each, in the system's order."""
    seen = set(node)
    missing: list[bytes] = []
    for der in system:
        if der not in seen:
            seen.add(der)
            missing.append(der)
    return missing


def _identity(path: Path) -> tuple[int, int]:
    """Size and modification time of ``path``: a changed file has another."""
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _write(target: Path, text: str) -> None:
    """Write ``target`` at once (readable by all: the sandbox's app is ``nobody``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".node-extra-ca-")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
