"""Real log drain receivers on the loopback: an HTTPS endpoint taking NDJSON (with a
self-signed certificate the server trusts through ``AUTOSTACK_DRAINS_CA_FILE``) and an
OTLP/HTTP logs receiver decoding protobuf with ``opentelemetry-proto``, as a collector
does. Each runs a ``ThreadingHTTPServer`` in a thread and keeps what it received."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

from autostack_core.utils import free_port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "drain receiver")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "receiver.pem", folder / "receiver.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Receiver:
    """What a receiver got: every request's headers, and the records decoded."""

    def __init__(self, url: str, decode: Callable[[bytes], list[dict[str, Any]]]) -> None:
        self.url = url
        self.decode = decode
        self.records: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.requests = 0
        self.fail_next = 0
        """Answer this many next requests with 503 (to see the retries)."""
        self.lock = threading.Lock()

    def wait_for(
        self, check: Callable[[list[dict[str, Any]]], bool], timeout: float = 20
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if check(self.records):
                    return list(self.records)
            time.sleep(0.05)
        raise AssertionError(f"the receiver did not get it; it has {self.records!r}")


def _handler(receiver: Receiver, reply: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                receiver.requests += 1
                failing = receiver.fail_next > 0
                receiver.fail_next -= 1 if failing else 0
                if not failing:
                    receiver.headers.append(
                        {key.lower(): value for key, value in self.headers.items()}
                    )
                    receiver.records.extend(receiver.decode(body))
            self.send_response(503 if failing else 200)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve(
    receiver_of: Callable[[int], Receiver], reply: bytes = b"", tls: ssl.SSLContext | None = None
) -> Iterator[Receiver]:
    port = free_port()
    receiver = receiver_of(port)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(receiver, reply))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def ndjson_records(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.decode().splitlines() if line]


@contextmanager
def ndjson_receiver(folder: Path) -> Iterator[Receiver]:
    """An HTTPS NDJSON receiver; its certificate (and CA) is ``folder/receiver.pem``."""
    cert, key = self_signed(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with serve(
        lambda port: Receiver(f"https://127.0.0.1:{port}/ingest", ndjson_records), tls=tls
    ) as receiver:
        yield receiver


def otlp_records(body: bytes) -> list[dict[str, Any]]:
    """Each log record flattened with its resource's attributes."""
    request = ExportLogsServiceRequest.FromString(body)
    records = []
    for resource_logs in request.resource_logs:
        resource = {kv.key: kv.value.string_value for kv in resource_logs.resource.attributes}
        for scope_logs in resource_logs.scope_logs:
            for log in scope_logs.log_records:
                attributes = {
                    kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in log.attributes
                }
                records.append(
                    {
                        "resource": resource,
                        "scope": scope_logs.scope.name,
                        "body": log.body.string_value,
                        "severity": log.severity_text,
                        "severity_number": log.severity_number,
                        "time_unix_nano": log.time_unix_nano,
                        **attributes,
                    }
                )
    return records


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """An OTLP/HTTP logs receiver (plain HTTP on the loopback, as a local collector)."""
    reply = ExportLogsServiceResponse().SerializeToString()
    with serve(
        lambda port: Receiver(f"http://127.0.0.1:{port}", otlp_records), reply=reply
    ) as receiver:
        yield receiver
