"""End-to-end fixtures: a real ``autostack up`` (API, queue consumer, Caddy edge) per test.

The server runs as a subprocess on free loopback ports with its own data
directory; the client side is the real ``autostack`` command line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from autostack_core.utils import random_id
from tests.conftest import LOOPBACK, REDIS_URL, free_port
from tests.git_commands import git as git  # the e2e tests import it from here

AUTOSTACK = str(Path(sys.executable).parent / "autostack")


@dataclass
class Server:
    data_dir: Path
    port: int
    edge_port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    token: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    autostack: str = AUTOSTACK  # the command line (another installation's, in package tests)

    @property
    def url(self) -> str:
        """The server's public URL, as its start banner gives it and a user opens it."""
        return f"http://localhost:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.autostack, "up", "--port", str(self.port), "--edge-port", str(self.edge_port),
                 "--data-dir", str(self.data_dir)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"autostack up exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"autostack up did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGINT) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def cli(self, *args: str, check: bool = True, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "AUTOSTACK_SERVER": self.url, "AUTOSTACK_TOKEN": self.token}
        result = subprocess.run([self.autostack, *args], env=env, cwd=cwd, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"autostack {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}\n"
                                 f"server log:\n{self.log_path.read_text()[-3000:]}")
        return result

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {self.token}"})

    def edge_get(self, hostname: str, path: str = "/") -> httpx.Response:
        """GET through the real edge with the deployment's hostname (loopback only)."""
        return httpx.get(f"http://127.0.0.1:{self.edge_port}{path}",
                         headers={"Host": hostname}, timeout=10)


def queue_name(kind: str, tmp_path: Path) -> str:
    """A Redis queue name no earlier run used: the Redis server outlives test runs, and
    what a server keeps under its queue name (rate-limit buckets) lasts up to a day."""
    return f"{kind}-{tmp_path.name}-{random_id(6)}"


def make_env(data_dir: Path, database_url: str | None, queue_name: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AUTOSTACK_")}
    env.update({
        "AUTOSTACK_DATA_DIR": str(data_dir),
        "AUTOSTACK_ALLOW_LOCAL_GIT": "1",
        "AUTOSTACK_OUTBOUND_ALLOW": ",".join(LOOPBACK),
        "AUTOSTACK_RETENTION_KEEP": "1",
        "AUTOSTACK_GC_GRACE_SECONDS": "0",
        # No Chromium per deployment in every e2e test; test_screenshots.py turns it on.
        "AUTOSTACK_SCREENSHOTS": "0",
        "AUTOSTACK_EDGE_HTTPS_PORT": str(free_port()),
        "XDG_CONFIG_HOME": str(data_dir.parent / "config"),
    })
    if database_url:
        env["AUTOSTACK_DATABASE_URL"] = database_url
    if REDIS_URL:
        env["AUTOSTACK_REDIS_URL"] = REDIS_URL
        env["AUTOSTACK_QUEUE_NAME"] = queue_name
    return env


@contextmanager
def signed_in_server(tmp_path: Path, database_url: str | None,
                     **settings: str) -> Iterator[Server]:
    """A running AutoStack with one signed-in user (token in ``server.token``), stopped after.

    ``settings`` are extra ``AUTOSTACK_*`` variables of the server's environment.
    """
    data_dir = tmp_path / "data"
    env = make_env(data_dir, database_url, queue_name("e2e", tmp_path))
    env.update(settings)
    instance = Server(data_dir=data_dir, port=free_port(), edge_port=free_port(), env=env,
                      log_path=tmp_path / "server.log")
    subprocess.run([AUTOSTACK, "users", "create", "--email", "dev@example.com", "--password",
                    "correct horse battery", "--data-dir", str(data_dir)],
                   env=env, check=True, capture_output=True)
    instance.start()
    try:
        response = httpx.post(f"{instance.url}/api/v1/auth/login", json={
            "email": "dev@example.com", "password": "correct horse battery",
            "token_name": "e2e"}, timeout=30)
        assert response.status_code == 200, response.text
        instance.token = response.json()["token"]
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[Server]:
    """A running AutoStack with one signed-in user (token in ``server.token``)."""
    with signed_in_server(tmp_path, database_url) as instance:
        yield instance


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A plain static site: 20 files, one index.html naming its version."""
    root = tmp_path / "site"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>Site</title><h1>version 1</h1>\n")
    for number in range(19):
        (root / "assets" / f"file-{number}.txt").write_text(f"asset {number}\n" * 50)
    return root
