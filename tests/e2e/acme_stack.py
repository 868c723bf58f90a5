"""An ``autostack up`` with pebble as its ACME directory and pebble-challtestsrv as its DNS.

Pebble validates against the edge's ports and resolves every name through
challtestsrv (every A query is 127.0.0.1), so every request stays on the
loopback. One user, ``dev@example.com``, is created and signed in.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.acme_standin import ChallTestSrv, Pebble
from tests.conftest import free_port
from tests.e2e.conftest import AUTOSTACK, Server, make_env, queue_name

EMAIL, PASSWORD = "dev@example.com", "correct horse battery"


@dataclass
class AcmeStack:
    server: Server
    dns: ChallTestSrv
    pebble: Pebble
    https_port: int


@contextmanager
def acme_stack(tmp_path: Path, database_url: str | None,
               extra_env: Callable[[ChallTestSrv, Pebble], dict[str, str]] | None = None,
               validity_seconds: int | None = None) -> Iterator[AcmeStack]:
    """Start DNS, pebble (certificates valid ``validity_seconds``) and AutoStack; stop all."""
    dns = ChallTestSrv(tmp_path)
    dns.start()
    edge_port, https_port = free_port(), free_port()
    pebble = Pebble(tmp_path, http_port=edge_port, tls_port=https_port, dns=dns,
                    validity_seconds=validity_seconds)
    data_dir = tmp_path / "data"
    env = make_env(data_dir, database_url, queue_name("e2e", tmp_path))
    env.update(AUTOSTACK_EDGE_HTTPS_PORT=str(https_port), AUTOSTACK_DNS_RESOLVERS=dns.resolver,
               AUTOSTACK_ACME_CA=pebble.directory, AUTOSTACK_ACME_CA_ROOT=str(pebble.listener_ca))
    if extra_env is not None:
        env.update(extra_env(dns, pebble))
    server = Server(data_dir=data_dir, port=free_port(), edge_port=edge_port, env=env,
                    log_path=tmp_path / "server.log")
    try:
        pebble.start()
        subprocess.run([AUTOSTACK, "users", "create", "--email", EMAIL, "--password", PASSWORD,
                        "--data-dir", str(data_dir)], env=env, check=True, capture_output=True)
        server.start()
        response = httpx.post(f"{server.url}/api/v1/auth/login", json={
            "email": EMAIL, "password": PASSWORD, "token_name": "e2e"}, timeout=30)
        server.token = response.json()["token"]
        yield AcmeStack(server, dns, pebble, https_port)
    finally:
        server.stop()
        pebble.stop()
        dns.stop()
