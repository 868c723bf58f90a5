"""The base domain's wildcard certificate end to end: real DNS-01, the real edge, no reload.

``autostack up`` runs with ``AUTOSTACK_DOMAIN=apps.example.test``, Debian's
pebble as its ACME directory and a DNS host plugin
(tests/plugins/challtestsrv_dns) that writes TXT records through
pebble-challtestsrv's management API; pebble resolves ``_acme-challenge``
names through that same DNS server, so DNS-01 is validated for real
(``PEBBLE_AUTHZREUSE=0``: every order is validated anew).

How the plugin reaches the server: it is pip-installed with ``--target``
into a folder of this test session, and only the server's environment gets
that folder on ``PYTHONPATH``. Entry points are found on ``sys.path``, so
that ``autostack up`` loads it like any installed plugin, while the shared
virtualenv (and every other test running meanwhile) never sees it. The same
plugin records the events it is notified of in ``AUTOSTACK_TEST_EVENTS``.

The edge listens on every interface here (a base domain other than
localhost), but every request goes to 127.0.0.1 with the name as SNI.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509

from autostack_core.config import Settings
from tests.acme_standin import ChallTestSrv, Pebble, needs_pebble
from tests.e2e.acme_stack import acme_stack
from tests.e2e.conftest import AUTOSTACK, Server

pytestmark = [pytest.mark.e2e, needs_pebble]

BASE = "apps.example.test"
PLUGIN = Path(__file__).parents[1] / "plugins" / "challtestsrv_dns"
STATE = "/api/v1/edge/wildcard-certificate"
WAIT_SECONDS = 30


@pytest.fixture(scope="session")
def plugin_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DNS host plugin installed into a folder of its own (built from a copy)."""
    root = tmp_path_factory.mktemp("challtestsrv-dns")
    source = root / "source"
    shutil.copytree(PLUGIN, source)
    target = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install",
                    "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target),
                    str(source)], check=True, capture_output=True)
    return target


@dataclass
class Stack:
    server: Server
    pebble: Pebble
    https_port: int
    fail_flag: Path
    events_file: Path
    root: str = field(default="")

    def state(self) -> dict[str, Any]:
        with self.server.api() as api:
            response = api.get(STATE)
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

    def wait_for(self, done: Any, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            state = self.state()
            if done(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"no {what} after {WAIT_SECONDS} s: {self.state()}\n"
                             f"{self.server.log_path.read_text()[-3000:]}")

    def renew(self) -> None:
        with self.server.api() as api:
            assert api.post(f"{STATE}/renew").status_code == 202

    def served(self, hostname: str) -> x509.Certificate:
        """The certificate the edge serves for ``hostname``, verified against pebble's root."""
        context = ssl.create_default_context(cadata=self.root)
        with socket.create_connection(("127.0.0.1", self.https_port), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname=hostname) as tls:
            der = tls.getpeercert(binary_form=True)
        assert der is not None
        return x509.load_der_x509_certificate(der)

    def caddy_config(self) -> dict[str, Any]:
        """The edge's live configuration, from Caddy's admin API on its unix socket."""
        socket_path = Settings(data_dir=self.server.data_dir).edge_admin_socket
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://caddy") as admin:
            response = admin.get("/config/")
            response.raise_for_status()
            config: dict[str, Any] = response.json()
            return config

    def admin_requests(self) -> int:
        """Requests Caddy's admin API has received: each one reloads the configuration."""
        log = self.server.data_dir / "logs" / "edge.log"
        return log.read_text().count('"msg":"received request"')

    def events(self) -> list[dict[str, Any]]:
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines()]


@pytest.fixture
def stack(tmp_path: Path, database_url: str | None, plugin_folder: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """DNS, pebble and an AutoStack on ``apps.example.test`` with the challtestsrv provider."""
    monkeypatch.setenv("PEBBLE_AUTHZREUSE", "0")
    fail_flag, events_file = tmp_path / "fail", tmp_path / "events.jsonl"

    def wildcard_env(dns: ChallTestSrv, pebble: Pebble) -> dict[str, str]:
        return {
            "AUTOSTACK_DOMAIN": BASE, "AUTOSTACK_ADMINS": "dev@example.com",
            "AUTOSTACK_DNS_HOST": "challtestsrv",
            "AUTOSTACK_DNS_HOST_CONFIG": json.dumps({
                "management_url": f"http://127.0.0.1:{dns.management}", "zone": "example.test",
                "fail_flag": str(fail_flag)}),
            "AUTOSTACK_TEST_EVENTS": str(events_file), "PYTHONPATH": str(plugin_folder),
        }

    with acme_stack(tmp_path, database_url, wildcard_env) as running:
        yield Stack(running.server, running.pebble, running.https_port, fail_flag, events_file,
                    running.pebble.root())


class SteadyLoop:
    """Requests to ``site.<base>`` until stopped: plain HTTP on one keep-alive connection,
    and HTTPS on a new connection (a new handshake) every time."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.failures: list[str] = []
        self.count = 0
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.plain), threading.Thread(target=self.secure)]

    def check(self, response: httpx.Response) -> None:
        if response.status_code != 200 or "version 1" not in response.text:
            self.failures.append(f"{response.status_code}")

    def plain(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self.done.is_set():
                try:
                    self.check(http.get(f"http://127.0.0.1:{self.stack.server.edge_port}/",
                                        headers={"Host": f"site.{BASE}"}))
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.count += 1

    def secure(self) -> None:
        context = ssl.create_default_context(cadata=self.stack.root)
        while not self.done.is_set():
            try:
                with httpx.Client(verify=context, timeout=10) as http:
                    self.check(http.get(f"https://127.0.0.1:{self.stack.https_port}/",
                                        headers={"Host": f"site.{BASE}"},
                                        extensions={"sni_hostname": f"site.{BASE}"}))
            except httpx.HTTPError as error:
                self.failures.append(repr(error))
            self.count += 1

    def __enter__(self) -> SteadyLoop:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(30)


def names(certificate: x509.Certificate) -> list[str]:
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return sorted(extension.value.get_values_for_type(x509.DNSName))


def test_wildcard_certificate_is_served_renewed_and_kept_when_renewal_fails(
    stack: Stack, site: Path,
) -> None:
    started = time.monotonic()
    issued = stack.wait_for(lambda state: state["status"] == "issued", "wildcard certificate")
    print(f"wildcard certificate issued {time.monotonic() - started:.2f} s after start-up")
    served = stack.served(f"anything.{BASE}")
    assert names(served) == sorted([f"*.{BASE}", BASE])
    assert format(served.serial_number, "x") == issued["serial"]
    assert stack.served(BASE).serial_number == served.serial_number
    assert "Pebble" in served.issuer.rfc4514_string()

    # The manager is served by the edge on its own port: no second listener that
    # another program could take first; its key never reaches the access log.
    caddy = stack.caddy_config()
    [server] = caddy["apps"]["http"]["servers"].values()
    assert server["listen"] == [f":{stack.server.edge_port}", f":{stack.https_port}"]
    [manager] = caddy["apps"]["tls"]["automation"]["policies"][1]["get_certificate"]
    assert manager["url"].startswith(f"http://127.0.0.1:{stack.server.edge_port}/")
    key = manager["url"].rsplit("key=", 1)[1]
    access_log = stack.server.data_dir / "logs" / "edge-access.log"
    assert key not in (access_log.read_text() if access_log.exists() else "")

    stack.server.cli("deploy", str(site), "--prod", "--project", "site")
    assert "version 1" in stack.server.edge_get(f"site.{BASE}").text
    admin_requests = stack.admin_requests()
    with SteadyLoop(stack) as loop:
        time.sleep(1)
        asked = time.monotonic()
        stack.renew()
        renewed = stack.wait_for(lambda state: state["serial"] != issued["serial"], "renewal")
        print(f"renewed {time.monotonic() - asked:.2f} s after POST .../renew")
        assert renewed["error"] is None
        assert format(stack.served(f"other.{BASE}").serial_number, "x") == renewed["serial"]

        stack.fail_flag.touch()
        stack.renew()
        failing = stack.wait_for(lambda state: state["error"] is not None, "failed renewal")
        assert failing["status"] == "issued" and failing["serial"] == renewed["serial"]
        assert "PermissionError: challtestsrv: changing _acme-challenge" in failing["error"]
        assert format(stack.served(f"third.{BASE}").serial_number, "x") == renewed["serial"]
        # At least a second more, and until over 100 requests were made (how many the
        # renewals overlapped depends on the machine's speed, not on the edge).
        deadline, ended = time.monotonic() + 60, time.monotonic() + 1
        while time.monotonic() < ended or loop.count <= 100:
            assert time.monotonic() < deadline, f"only {loop.count} requests in 60 s"
            time.sleep(0.1)
    print(f"{loop.count} requests during renewals, {len(loop.failures)} failed")
    assert loop.count > 100 and loop.failures == []
    assert stack.admin_requests() == admin_requests

    announced = [event for event in stack.events() if event["kind"] == "edge.certificate_failed"]
    assert len(announced) == 1
    assert announced[0]["data"]["error"] == failing["error"]
    assert announced[0]["data"]["still_serving"] is True
    doctor = subprocess.run([AUTOSTACK, "doctor", "--data-dir", str(stack.server.data_dir)],
                            env=stack.server.env, capture_output=True, text=True)
    assert "the last renewal failed: PermissionError" in doctor.stdout
