"""The file of system certificates Node lacks (``NODE_EXTRA_CA_CERTS`` of replicas).

Real ``node`` and the real system bundle; a throwaway authority made here
plays a company's, trusted by the system only.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import re
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from autostack_plugins.providers.local import node_ca
from autostack_plugins.providers.local.run_sandbox import isolation, runtime_env, sandbox_argv

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None or not node_ca.SYSTEM_CA_BUNDLE.is_file(),
                                reason="needs node and a system certificate bundle")


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
                 issuer_key: ec.EllipticCurvePrivateKey, authority: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=authority, path_length=None),
                              critical=True))
    if not authority:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A throwaway certificate authority only the test's 'system' bundle holds."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _certificate("AutoStack test CA", key, "AutoStack test CA", key, True), key


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _ders(pem: str) -> list[bytes]:
    """The DER bytes of each certificate (ssl's helper: one system certificate has a
    negative serial number, which ``cryptography`` warns about)."""
    return [ssl.PEM_cert_to_DER_cert(block) for block in re.findall(
        r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem, re.DOTALL)]


@pytest.fixture
def system_bundle(tmp_path: Path, authority: tuple[x509.Certificate, object]) -> Path:
    """The system's bundle plus the throwaway authority."""
    bundle = tmp_path / "system.crt"
    bundle.write_text(node_ca.SYSTEM_CA_BUNDLE.read_text() + _pem(authority[0]))
    return bundle


def test_the_file_holds_exactly_the_system_certificates_node_lacks(
        tmp_path: Path, system_bundle: Path, authority: tuple[x509.Certificate, object]) -> None:
    assert NODE is not None
    made = node_ca.extra_ca_file(tmp_path / "cache", Path(NODE), system_bundle)

    assert made is not None and made.stat().st_mode & 0o777 == 0o644
    node_roots = set(_ders(node_ca.node_roots(Path(NODE))))
    expected = [der for der in dict.fromkeys(_ders(system_bundle.read_text()))
                if der not in node_roots]
    assert _ders(made.read_text()) == expected
    assert authority[0].public_bytes(serialization.Encoding.DER) in expected


def test_the_file_is_made_again_when_the_bundle_changes(tmp_path: Path,
                                                         system_bundle: Path) -> None:
    assert NODE is not None
    first = node_ca.extra_ca_file(tmp_path / "cache", Path(NODE), system_bundle)
    assert node_ca.extra_ca_file(tmp_path / "cache", Path(NODE), system_bundle) == first

    system_bundle.write_text(node_ca.SYSTEM_CA_BUNDLE.read_text())
    second = node_ca.extra_ca_file(tmp_path / "cache", Path(NODE), system_bundle)

    assert first is not None and second != first and first.exists()
    assert len(_ders(second.read_text() if second else "")) == len(_ders(first.read_text())) - 1


def test_no_file_when_node_has_every_system_certificate(tmp_path: Path) -> None:
    assert NODE is not None
    bundle = tmp_path / "system.crt"
    bundle.write_text(node_ca.node_roots(Path(NODE)))

    assert node_ca.extra_ca_file(tmp_path / "cache", Path(NODE), bundle) is None
    assert node_ca.replica_extra_ca(tmp_path / "cache", tmp_path, bundle) is None


def test_an_app_shipping_its_own_runtime_keeps_the_whole_bundle(tmp_path: Path,
                                                               system_bundle: Path) -> None:
    (tmp_path / "app" / ".autostack-node" / "bin").mkdir(parents=True)

    assert node_ca.replica_extra_ca(tmp_path / "cache", tmp_path / "app",
                                    system_bundle) == system_bundle
    assert not (tmp_path / "cache").exists()


def test_the_sandbox_shows_the_file_read_only_at_a_fixed_path(tmp_path: Path) -> None:
    made = tmp_path / "node-extra-ca.pem"

    argv = sandbox_argv("bwrap", tmp_path, "node app.js", {}, extra_ca=made)

    assert ["--ro-bind", str(made), node_ca.SANDBOX_FILE] == \
        argv[argv.index(str(made)) - 1:argv.index(str(made)) + 2]
    assert node_ca.path_inside(made, sandboxed=True) == node_ca.SANDBOX_FILE
    assert node_ca.path_inside(made, sandboxed=False) == str(made)
    assert node_ca.path_inside(node_ca.SYSTEM_CA_BUNDLE, sandboxed=True) == \
        str(node_ca.SYSTEM_CA_BUNDLE)


@pytest.fixture
def https_server(tmp_path: Path, authority: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
                 ) -> Iterator[int]:
    """An HTTPS server on the loopback (a free port) whose certificate the authority signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate("127.0.0.1", key, "AutoStack test CA", authority[1], False)
    (tmp_path / "server.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _fetch(port: int, extra_ca: Path | None) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    script = (f"require('https').get('https://127.0.0.1:{port}/', r => r.on('data', d => "
              "process.stdout.write(d))).on('error', e => { console.error(e.code); "
              "process.exit(1) })")
    env = {"PATH": "/usr/bin:/bin"} | ({"NODE_EXTRA_CA_CERTS": str(extra_ca)} if extra_ca else {})
    return subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60,
                          env=env)


def test_node_with_the_file_trusts_a_certificate_only_the_system_trusts(
        tmp_path: Path, system_bundle: Path, https_server: int) -> None:
    made = node_ca.replica_extra_ca(tmp_path / "cache", tmp_path, system_bundle)
    assert made is not None

    fetched = _fetch(https_server, made)
    refused = _fetch(https_server, None)

    assert (fetched.returncode, fetched.stdout) == (0, "ok"), fetched.stderr
    assert refused.returncode == 1 and "UNABLE_TO_VERIFY_LEAF_SIGNATURE" in refused.stderr


@pytest.mark.skipif(not isolation().available, reason="replicas cannot be isolated here")
def test_a_sandboxed_replica_as_nobody_trusts_a_certificate_only_the_system_trusts(
        tmp_path: Path, system_bundle: Path, https_server: int) -> None:
    """The replica's own argv and environment, run here on the host's network (the shim
    would have made it a namespace of its own) to reach the test's server."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "fetch.js").write_text(
        f"require('https').get('https://127.0.0.1:{https_server}/', r => r.on('data', d => "
        "process.stdout.write(d))).on('error', e => { console.error(e.code); process.exit(1) })")
    made = node_ca.replica_extra_ca(tmp_path / "cache", app, system_bundle)
    assert made is not None
    env = runtime_env({}, 0, node_ca.path_inside(made, sandboxed=True))

    ran = subprocess.run(sandbox_argv(shutil.which("bwrap"), app, "node fetch.js", env,
                                      isolated=True, extra_ca=made),
                         capture_output=True, text=True, timeout=60)

    assert env["NODE_EXTRA_CA_CERTS"] == node_ca.SANDBOX_FILE
    assert (ran.returncode, ran.stdout) == (0, "ok"), ran.stderr
