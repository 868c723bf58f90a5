"""Debian's pebble (an ACME CA) and pebble-challtestsrv (a DNS server), on the loopback.

``ChallTestSrv`` answers every A query with 127.0.0.1 and TXT records set
through its management API; ``Pebble`` validates HTTP-01 challenges for
real, resolving names through that DNS server, so every request stays on
the loopback. Its listener certificate is made here with openssl.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

needs_pebble = pytest.mark.skipif(
    not (shutil.which("pebble") and shutil.which("pebble-challtestsrv")),
    reason="apt-get install pebble",
)


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return
        except httpx.HTTPError as error:
            if not isinstance(error, httpx.ConnectError):
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened:\n{log.read_text()[-2000:]}")


@dataclass
class ChallTestSrv:
    """The DNS server: ``dns_port`` answers queries, ``management`` changes records."""

    folder: Path
    dns_port: int = field(default_factory=free_port)
    management: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def resolver(self) -> str:
        return f"127.0.0.1:{self.dns_port}"

    def start(self) -> None:
        log = self.folder / "challtestsrv.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["pebble-challtestsrv", "-dns01", self.resolver, "-defaultIPv4", "127.0.0.1",
                 "-defaultIPv6", "", "-management", f"127.0.0.1:{self.management}",
                 "-http01", "", "-https01", "", "-tlsalpn01", ""],
                stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.management, self.process, log)

    def _post(self, path: str, body: dict[str, str]) -> None:
        response = httpx.post(f"http://127.0.0.1:{self.management}{path}", json=body, timeout=5)
        response.raise_for_status()

    def set_txt(self, name: str, value: str) -> None:
        self._post("/set-txt", {"host": f"{name}.", "value": value})

    def clear_txt(self, name: str) -> None:
        self._post("/clear-txt", {"host": f"{name}."})

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class Pebble:
    """The ACME server: directory at :attr:`directory`, trusting :attr:`listener_ca`."""

    folder: Path
    http_port: int
    tls_port: int
    dns: ChallTestSrv
    port: int = field(default_factory=free_port)
    management: int = field(default_factory=free_port)
    validity_seconds: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    @property
    def listener_ca(self) -> Path:
        return self.folder / "listener-ca.pem"

    def _certificates(self) -> None:
        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], cwd=self.folder, check=True, capture_output=True)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "listener-ca.key",
                "-out", "listener-ca.pem", "-days", "2", "-subj", "/CN=pebble listener CA")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.csr",
                "-subj", "/CN=localhost")
        (self.folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", "cert.csr", "-CA", "listener-ca.pem", "-CAkey",
                "listener-ca.key", "-CAcreateserial", "-out", "cert.pem", "-days", "2",
                "-extfile", "san.ext")

    def start(self) -> None:
        self._certificates()
        config = self.folder / "pebble.json"
        config.write_text(json.dumps({"pebble": {
            "listenAddress": f"127.0.0.1:{self.port}",
            "managementListenAddress": f"127.0.0.1:{self.management}",
            "certificate": str(self.folder / "cert.pem"),
            "privateKey": str(self.folder / "key.pem"),
            "httpPort": self.http_port, "tlsPort": self.tls_port,
            "ocspResponderURL": "", "externalAccountBindingRequired": False,
            **({"certificateValidityPeriod": self.validity_seconds}
               if self.validity_seconds else {}),
        }}))
        log = self.folder / "pebble.log"
        env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                ["pebble", "-config", str(config), "-dnsserver", self.dns.resolver],
                env=env, stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, log)

    def root(self) -> str:
        """The root of the certificates pebble issues (a new one at every start)."""
        response = httpx.get(f"https://127.0.0.1:{self.management}/roots/0",
                             verify=ssl.create_default_context(cafile=self.listener_ca),
                             timeout=5)
        response.raise_for_status()
        return response.text

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def dns_server(tmp_path: Path) -> Iterator[ChallTestSrv]:
    """A real DNS server on the loopback whose records the test sets."""
    server = ChallTestSrv(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
