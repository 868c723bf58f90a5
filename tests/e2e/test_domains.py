"""Custom domains end to end: real DNS, real ACME (pebble, HTTP-01), the real edge.

``autostack up`` runs with pebble as its ACME directory and
pebble-challtestsrv as its DNS (:mod:`tests.e2e.acme_stack`); pebble
validates against the edge's HTTP port, and every name resolves to 127.0.0.1.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from autostack_plugins.providers.local.certificates import served_certificate
from tests.acme_standin import ChallTestSrv, Pebble, needs_pebble
from tests.e2e.acme_stack import acme_stack
from tests.e2e.conftest import Server, git
from tests.http_standin import standin

pytestmark = [pytest.mark.e2e, needs_pebble]
DOMAIN = "app.example.test"
ISSUANCE_SECONDS = 60


@dataclass
class Stack:
    server: Server
    dns: ChallTestSrv
    pebble: Pebble
    https_port: int

    def https_get(self, hostname: str, root: str, path: str = "/") -> httpx.Response:
        """GET ``https://<hostname><path>`` on the edge at 127.0.0.1, trusting ``root`` only."""
        context = ssl.create_default_context(cadata=root)
        with httpx.Client(verify=context, timeout=10) as http:
            return http.get(f"https://127.0.0.1:{self.https_port}{path}",
                            headers={"Host": hostname}, extensions={"sni_hostname": hostname})

    def domain(self, name: str) -> dict[str, object]:
        with self.server.api() as api:
            response = api.get(f"/api/v1/projects/site/domains/{name}")
            response.raise_for_status()
            result: dict[str, object] = response.json()
            return result


@contextmanager
def running_stack(tmp_path: Path, database_url: str | None,
                  validity_seconds: int | None = None) -> Iterator[Stack]:
    with acme_stack(tmp_path, database_url, validity_seconds=validity_seconds) as running:
        yield Stack(running.server, running.dns, running.pebble, running.https_port)


@pytest.fixture
def stack(tmp_path: Path, database_url: str | None) -> Iterator[Stack]:
    with running_stack(tmp_path, database_url) as running:
        yield running


def deploy(stack: Stack, site: Path, version: int) -> None:
    (site / "index.html").write_text(f"<!doctype html><h1>version {version}</h1>\n")
    stack.server.cli("deploy", str(site), "--prod", "--project", "site")


def add_and_verify(stack: Stack, name: str, *options: str) -> None:
    added = json.loads(stack.server.cli("domains", "add", name, "--project", "site", *options,
                                        "--json").stdout)["domains"][0]
    txt = added["verification"]["txt"]
    stack.dns.set_txt(txt["name"], txt["value"])
    stack.server.cli("domains", "verify", name, "--project", "site")


def wait_for_certificate(stack: Stack, name: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < ISSUANCE_SECONDS:
        ssl_state = stack.domain(name)["ssl"]
        assert isinstance(ssl_state, dict)
        if ssl_state["status"] == "issued":
            return time.monotonic() - started
        assert ssl_state["status"] != "failed", ssl_state
        time.sleep(0.2)
    raise AssertionError(f"no certificate for {name} after {ISSUANCE_SECONDS} s")


def test_verified_domain_gets_a_certificate_and_follows_production(
    stack: Stack, site: Path,
) -> None:
    deploy(stack, site, 1)
    pending = stack.server.cli("domains", "verify", DOMAIN, "--project", "site", check=False)
    assert pending.returncode != 0
    add_and_verify(stack, DOMAIN)
    served = stack.server.edge_get(DOMAIN)
    # Served at once; over HTTP until the certificate is issued (pebble takes about a
    # second, about as long as the command line takes to exit), then redirected.
    assert "version 1" in served.text or served.status_code == 308
    seconds = wait_for_certificate(stack, DOMAIN)
    print(f"certificate issued {seconds:.2f} s after verification")
    root = stack.pebble.root()
    secure = stack.https_get(DOMAIN, root)
    assert secure.status_code == 200 and "version 1" in secure.text
    insecure = stack.server.edge_get(DOMAIN, "/page?x=1")
    assert insecure.status_code == 308
    assert insecure.headers["location"] == f"https://{DOMAIN}:{stack.https_port}/page?x=1"
    ssl_state = stack.domain(DOMAIN)["ssl"]
    assert isinstance(ssl_state, dict) and ssl_state["expires_at"]

    deploy(stack, site, 2)
    assert "version 2" in stack.https_get(DOMAIN, root).text

    stack.server.cli("domains", "add", "other.example.test", "--project", "site")
    with pytest.raises(httpx.ConnectError):
        stack.https_get("other.example.test", root)
    assert stack.server.edge_get("other.example.test").status_code == 404

    stack.server.cli("domains", "rm", DOMAIN, "--project", "site")
    assert stack.server.edge_get(DOMAIN).status_code == 404
    assert stack.https_get(DOMAIN, root).status_code == 404


def test_domain_changes_never_interrupt_other_hosts(stack: Stack, site: Path) -> None:
    deploy(stack, site, 1)
    failures: list[str] = []
    count = 0
    done = threading.Event()

    def loop() -> None:
        nonlocal count
        with httpx.Client(timeout=10) as http:
            while not done.is_set() and count < 20_000:
                try:
                    response = http.get(f"http://127.0.0.1:{stack.server.edge_port}/",
                                        headers={"Host": "site.localhost"})
                    if response.status_code != 200 or "version 1" not in response.text:
                        failures.append(f"{response.status_code}")
                except httpx.HTTPError as error:
                    failures.append(repr(error))
                count += 1

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        add_and_verify(stack, DOMAIN)
        wait_for_certificate(stack, DOMAIN)
        stack.server.cli("domains", "add", "www.example.test", "--redirect-to", DOMAIN,
                         "--status", "301", "--project", "site")
        # No TXT record: the HTTP token, served through the edge, proves ownership.
        verified = json.loads(stack.server.cli("domains", "verify", "www.example.test",
                                               "--project", "site", "--json").stdout)
        assert verified["method"] == "http"
        # Verified, it gets its certificate too: plain HTTP goes to HTTPS first (once issued,
        # which may be before this line or after it), HTTPS then answers the redirect.
        wait_for_certificate(stack, "www.example.test")
        insecure = stack.server.edge_get("www.example.test", "/a?b=1")
        assert insecure.status_code == 308
        assert insecure.headers["location"] == \
            f"https://www.example.test:{stack.https_port}/a?b=1"
        redirect = stack.https_get("www.example.test", stack.pebble.root(), "/a?b=1")
        assert redirect.status_code == 301
        assert redirect.headers["location"] == f"https://{DOMAIN}/a?b=1"
        stack.server.cli("domains", "rm", DOMAIN, "--project", "site")
    finally:
        done.set()
        thread.join(30)
    assert count > 50 and failures == []


def test_a_failing_renewal_keeps_the_certificate_and_notifies(
    tmp_path: Path, database_url: str | None, site: Path,
) -> None:
    """Pebble issues 90-second certificates, so Caddy renews at the next handshake;
    with pebble stopped, that renewal fails for real."""
    with running_stack(tmp_path, database_url, validity_seconds=90) as stack, \
            standin(lambda request: (200, {})) as hook:
        deploy(stack, site, 1)
        with stack.server.api() as api:
            api.post("/api/v1/projects/site/notifiers", json={
                "type": "webhook", "url": hook.url,
                "events": ["domain.certificate_failed"]}).raise_for_status()
        add_and_verify(stack, DOMAIN)
        wait_for_certificate(stack, DOMAIN)
        root = stack.pebble.root()
        issued = served_certificate(DOMAIN, stack.https_port)
        assert issued is not None
        stack.pebble.stop()

        deadline = time.monotonic() + ISSUANCE_SECONDS
        ssl_state: dict[str, object] = {}
        while time.monotonic() < deadline and not ssl_state.get("error"):
            # A handshake makes Caddy renew; "verify" again refreshes the state.
            assert stack.https_get(DOMAIN, root).status_code == 200
            stack.server.cli("domains", "verify", DOMAIN, "--project", "site")
            time.sleep(0.5)
            state = stack.domain(DOMAIN)["ssl"]
            assert isinstance(state, dict)
            ssl_state = state
        assert ssl_state["status"] == "issued", ssl_state
        assert "could not get certificate from issuer" in str(ssl_state["error"])
        served = served_certificate(DOMAIN, stack.https_port)
        assert served is not None and served.serial_number == issued.serial_number
        assert "version 1" in stack.https_get(DOMAIN, root).text

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not hook.requests:
            time.sleep(0.2)
        events = [request.json() for request in hook.requests]
        assert [event["type"] for event in events] == ["domain.certificate_failed"]
        assert events[0]["data"]["domain"] == DOMAIN and events[0]["data"]["still_serving"]


def push(stack: Stack, repo: Path, branch: str, version: str) -> dict[str, object]:
    """Commit ``version`` on ``branch`` and push it to the built-in remote; the deployment."""
    (repo / "index.html").write_text(f"<!doctype html><h1>{version}</h1>\n")
    git("add", ".", cwd=repo)
    git("commit", "-m", version, cwd=repo)
    sha = git("rev-parse", "HEAD", cwd=repo)
    server = stack.server
    git("push", f"http://dev%40example.com:{server.token}@127.0.0.1:{server.port}/git/site.git",
        f"HEAD:{branch}", cwd=repo)
    deadline = time.monotonic() + 120
    with server.api() as api:
        while time.monotonic() < deadline:
            for row in api.get("/api/v1/projects/site/deployments").json()["deployments"]:
                if row["commit_sha"] == sha and row["state"] in ("ready", "error", "canceled"):
                    assert row["state"] == "ready", row
                    return dict(row)
            time.sleep(0.3)
    raise AssertionError(f"no deployment of {sha} on {branch}")


def test_a_branch_domain_follows_its_branch(stack: Stack, site: Path, tmp_path: Path) -> None:
    deploy(stack, site, 1)
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "--initial-branch", "staging", cwd=repo)
    first = push(stack, repo, "staging", "staging 1")
    assert first["branch"] == "staging" and first["target"] == "preview"
    add_and_verify(stack, "staging.example.test", "--branch", "staging")
    # Over HTTPS: once the certificate is issued, plain HTTP answers a redirect.
    wait_for_certificate(stack, "staging.example.test")
    root = stack.pebble.root()
    assert "staging 1" in stack.https_get("staging.example.test", root).text

    push(stack, repo, "staging", "staging 2")
    # Aliases move right after the deployment is ready (as Vercel's do): allow that moment.
    deadline = time.monotonic() + 10
    while "staging 2" not in (served := stack.https_get("staging.example.test", root).text):
        assert time.monotonic() < deadline, served
        time.sleep(0.1)
    assert "version 1" in stack.server.edge_get("site.localhost").text
