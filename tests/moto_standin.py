"""moto's server on the loopback: the stand-in for AWS Route53 (nothing real is reachable).

``moto`` answers any credentials and is reset before each test; ``strict_moto``
checks them against its IAM (``INITIAL_NO_AUTH_ACTION_COUNT``), with one user
whose key is :attr:`MotoServer.key_id` / :attr:`MotoServer.secret`. moto 5.2
miscomputes the signature of Route53 GET requests even for a right key, so
the strict server only serves tests of wrong credentials.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port

MOTO_SERVER = shutil.which("moto_server", path=str(Path(sys.executable).parent)) \
    or shutil.which("moto_server")
needs_moto = pytest.mark.skipif(MOTO_SERVER is None, reason="pip install -e '.[dev]' (moto)")
REGION = "us-east-1"


@dataclass
class MotoServer:
    folder: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    key_id: str = "AKIATESTING"
    secret: str = "testing-secret"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert MOTO_SERVER is not None
        log = self.folder / f"moto-{self.port}.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(self.port)],
                env={**os.environ, **self.env}, stdout=output, stderr=subprocess.STDOUT)
        # A TCP connect, not a request: the strict server counts requests before checking keys.
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not start:\n{log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)

    def client(self, service: str, key_id: str | None = None, secret: str | None = None) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=key_id or self.key_id,
                            aws_secret_access_key=secret or self.secret)

    def reset(self) -> None:
        httpx.post(f"{self.url}/moto-api/reset", timeout=5).raise_for_status()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The lenient server, emptied."""
    moto_server.reset()
    return moto_server


@pytest.fixture(scope="session")
def strict_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A server checking credentials: its first two calls (unchecked) make the IAM user."""
    server = MotoServer(tmp_path_factory.mktemp("moto-strict"),
                        env={"INITIAL_NO_AUTH_ACTION_COUNT": "2"})
    server.start()
    try:
        iam = server.client("iam", "AKIABOOTSTRAP", "bootstrap")
        iam.create_user(UserName="autostack-dns")
        key = iam.create_access_key(UserName="autostack-dns")["AccessKey"]
        server.key_id, server.secret = key["AccessKeyId"], key["SecretAccessKey"]
        yield server
    finally:
        server.stop()


def hosted_zone(server: MotoServer, name: str) -> str:
    """Create a public hosted zone; its id without the ``/hostedzone/`` prefix."""
    zone = server.client("route53").create_hosted_zone(Name=name, CallerReference=name)
    return str(zone["HostedZone"]["Id"]).removeprefix("/hostedzone/")


def record_sets(server: MotoServer, zone_id: str) -> dict[tuple[str, str], list[str]]:
    """Every record set but the zone's own NS and SOA: (name, type) -> values."""
    found = server.client("route53").list_resource_record_sets(HostedZoneId=zone_id)
    return {(item["Name"].rstrip("."), item["Type"]):
            sorted(value["Value"] for value in item.get("ResourceRecords", []))
            for item in found["ResourceRecordSets"] if item["Type"] not in ("NS", "SOA")}
