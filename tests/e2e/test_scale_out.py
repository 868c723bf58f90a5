"""The control plane scaled out: two API processes and two workers, four data dirs, one
PostgreSQL, one Redis and one S3 bucket (moto's server on the loopback stands in for S3:
nothing real is reachable here).

Runs only when ``AUTOSTACK_TEST_DATABASE_URL`` and ``AUTOSTACK_TEST_REDIS_URL`` are set
(CI's second pass): SQLite and Huey's SQLite queue are one machine's. Every ``autostack
up`` also consumes the queue, so a build lands on any of the four processes; the test
kills whichever one builds, by the pid the deployment records, and sees a surviving
process build it again. Every node's edge serves what any node built.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import httpx
import pytest

from autostack_core.infrastructure.s3_store import S3Objects, manifest_key
from autostack_core.security.crypto import generate_key
from tests.conftest import PG_ADMIN_URL, REDIS_URL, free_port
from tests.e2e.conftest import AUTOSTACK, Server, make_env, queue_name
from tests.e2e.test_deploy import hostname_of, slow_site
from tests.moto_standin import MotoServer, moto, moto_server, needs_moto

__all__ = ["moto", "moto_server"]

pytestmark = [
    pytest.mark.e2e, needs_moto,
    pytest.mark.skipif(not (PG_ADMIN_URL and REDIS_URL),
                       reason="needs AUTOSTACK_TEST_DATABASE_URL and AUTOSTACK_TEST_REDIS_URL"),
]
BUCKET = "autostack-cluster"
SLEEP = 21  # the slow build's sleep, unique among the e2e tests (pgrep finds it)


class Worker(Server):
    """``autostack worker`` on its own data dir (and its own edge port)."""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.autostack, "worker", "--data-dir", str(self.data_dir)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while "worker consuming" not in self.log_path.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)


def node_env(tmp_path: Path, name: str, database_url: str, shared: dict[str, str],
             edge_port: int) -> dict[str, str]:
    env = make_env(tmp_path / name / "data", database_url, shared["AUTOSTACK_QUEUE_NAME"])
    env.update(shared, AUTOSTACK_EDGE_PORT=str(edge_port),
               XDG_CONFIG_HOME=str(tmp_path / name / "config"))
    return env


@pytest.fixture
def cluster(tmp_path: Path, database_url: str, moto: MotoServer) -> Iterator[list[Server]]:
    """api-1, api-2 (``autostack up``), worker-1, worker-2, signed in on api-1."""
    moto.client("s3").create_bucket(Bucket=BUCKET)
    shared = {"AUTOSTACK_SECRET_KEY": generate_key(), "AUTOSTACK_STORE": "s3",
              "AUTOSTACK_S3_BUCKET": BUCKET, "AUTOSTACK_S3_ENDPOINT": moto.url,
              "AWS_ACCESS_KEY_ID": moto.key_id, "AWS_SECRET_ACCESS_KEY": moto.secret,
              "AUTOSTACK_QUEUE_NAME": queue_name("scale", tmp_path)}
    nodes: list[Server] = []
    for name, kind in (("api-1", Server), ("api-2", Server), ("worker-1", Worker),
                       ("worker-2", Worker)):
        edge_port = free_port()
        env = node_env(tmp_path, name, database_url, shared, edge_port)
        nodes.append(kind(data_dir=tmp_path / name / "data", port=free_port(),
                          edge_port=edge_port, env=env, log_path=tmp_path / f"{name}.log"))
    subprocess.run([AUTOSTACK, "users", "create", "--email", "dev@example.com", "--password",
                    "correct horse battery", "--data-dir", str(nodes[0].data_dir)],
                   env=nodes[0].env, check=True, capture_output=True)
    try:
        with ThreadPoolExecutor(len(nodes)) as starting:  # four starts at once: half the wait
            list(starting.map(lambda node: node.start(), nodes))
        token = httpx.post(f"{nodes[0].url}/api/v1/auth/login", json={
            "email": "dev@example.com", "password": "correct horse battery",
            "token_name": "e2e"}, timeout=30).json()["token"]
        for node in nodes:
            node.token = token
        yield nodes
    finally:
        for node in nodes:
            node.stop()  # a clean stop stops the node's Caddy too
            if node.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGKILL)  # what a killed node left
            # Caddy runs in a session of its own: the killed node's outlives it.
            edge = subprocess.run(["pgrep", "-f", f"{node.data_dir}/edge/bootstrap.json"],
                                  capture_output=True, text=True).stdout.split()
            for pid in edge:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)


def row(database_url: str, deployment_id: str) -> dict[str, str | None]:
    async def fetch() -> dict[str, str | None]:
        connection = await asyncpg.connect(database_url)
        try:
            found = await connection.fetchrow(
                "SELECT worker_id, output_manifest_hash FROM deployments WHERE id = $1",
                deployment_id)
        finally:
            await connection.close()
        return dict(found)

    return asyncio.run(fetch())


def verify_domain(database_url: str, name: str) -> None:
    """What a passing ownership check records (DNS is not reachable here): the domain's row
    marked verified, as another node's recheck would leave it, no edge told."""
    async def update() -> None:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(
                "UPDATE domains SET is_verified = TRUE WHERE domain_name = $1", name)
        finally:
            await connection.close()

    asyncio.run(update())


def redirected_everywhere(nodes: list[Server], hostname: str, location: str) -> None:
    """Every node's edge redirects ``hostname`` (308) to ``location``, polled with a deadline
    (the edge sync's poll is 30 s)."""
    for node in nodes:
        deadline = time.monotonic() + 60
        while True:
            answer = node.edge_get(hostname, "/page?x=1")
            if answer.status_code == 308 and answer.headers.get("location") == location:
                break
            assert time.monotonic() < deadline, \
                f"{node.log_path.stem}'s edge answered {hostname} with {answer.status_code}"
            time.sleep(0.2)


def builder(nodes: list[Server], database_url: str, deployment_id: str) -> Server:
    """The node whose process the deployment records as its builder."""
    worker_id = row(database_url, deployment_id)["worker_id"] or ""
    pid = int(worker_id.rpartition(":")[2])
    return next(node for node in nodes if node.process and node.process.pid == pid)


def building(api: Server, folder: Path, project: str) -> str:
    """Start a deploy through ``api``; the deployment's id once a worker builds it."""
    client = subprocess.Popen(
        [AUTOSTACK, "deploy", str(folder), "--project", project, "--json"],
        env={**api.env, "AUTOSTACK_SERVER": api.url, "AUTOSTACK_TOKEN": api.token},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with api.api() as http:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                rows = http.get(f"/api/v1/projects/{project}/deployments").json().get(
                    "deployments", [])
                if rows and rows[0]["state"] == "building":
                    return str(rows[0]["id"])
                time.sleep(0.2)
    finally:
        client.kill()
        client.wait()
    raise AssertionError("the deployment never started building")


def sleeping_builds() -> list[str]:
    found = subprocess.run(["pgrep", "-f", f"^sleep {SLEEP}$"], capture_output=True, text=True)
    return found.stdout.split()


def served_everywhere(nodes: list[Server], hostname: str, *texts: str) -> None:
    """``hostname`` answers each of ``texts`` (several: a split) through every node's edge
    (each learns of it from the database and pulls its files from the bucket), polled with
    a deadline."""
    for node in nodes:
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while seen != set(texts):
            answer = node.edge_get(hostname)  # no cookie: a split picks a bucket at random
            seen |= {text for text in texts if text in answer.text}
            assert time.monotonic() < deadline, \
                f"{node.log_path.stem}'s edge answered {hostname} with {sorted(seen)} only"
            time.sleep(0.1)


def deploy_site(api: Server, tmp_path: Path, text: str, *flags: str) -> dict[str, str]:
    site = tmp_path / text.replace(" ", "-")
    site.mkdir()
    (site / "index.html").write_text(f"<h1>{text}</h1>")
    deployed: dict[str, str] = json.loads(api.cli("deploy", str(site), *flags, "--project",
                                                  "scaled", "--json").stdout)
    assert deployed["state"] == "ready"
    return deployed


def test_a_cluster_deploys_serves_and_survives_a_worker_killed_mid_build(
        cluster: list[Server], database_url: str, moto: MotoServer, tmp_path: Path) -> None:
    api_1, api_2 = cluster[0], cluster[1]
    # Production through one API, a preview through the other, production split between
    # them through the second: whichever nodes built them, every edge must serve all three.
    production = deploy_site(api_1, tmp_path, "cluster v1", "--prod")
    preview = deploy_site(api_2, tmp_path, "cluster v2")
    with api_2.api() as http:
        split = http.put("/api/v1/projects/scaled/split", json={"variants": [
            {"deployment": production["id"], "weight": 50},
            {"deployment": preview["id"], "weight": 50}]})
        assert split.status_code == 200, split.text

    lost_id = building(api_1, slow_site(tmp_path, SLEEP), "scaled")
    victim = builder(cluster, database_url, lost_id)
    assert victim.process is not None
    os.kill(victim.process.pid, signal.SIGKILL)  # the worker alone: its build is left behind
    victim.process.wait(10)
    survivors = [node for node in cluster if node is not victim]
    watcher = next(node for node in (api_2, api_1) if node in survivors)

    # The periodic sweep of a surviving consumer (every minute) queues it again once, and
    # another process builds it: nothing stays building, the log says what happened.
    with watcher.api() as http:
        deadline = time.monotonic() + 180
        while (lost := http.get(f"/api/v1/deployments/{lost_id}").json())["state"] \
                in ("queued", "building", "deploying"):
            assert time.monotonic() < deadline, "the lost build stayed " + lost["state"]
            time.sleep(1)
        log = http.get(f"/api/v1/deployments/{lost_id}/logs").text
    assert lost["state"] == "ready", lost
    assert "worker lost: the process building this deployment stopped" in log
    assert "queued again for another worker" in log
    assert builder(survivors, database_url, lost_id) in survivors
    assert sleeping_builds() == []  # the killed build's sleep too

    # Every surviving node's edge serves every deployment, whichever node built it, and
    # production split between two of them.
    served_everywhere(survivors, hostname_of(production["url"]), "cluster v1")
    served_everywhere(survivors, hostname_of(preview["url"]), "cluster v2")
    served_everywhere(survivors, hostname_of(lost["url"]), "slow")
    served_everywhere(survivors, "scaled.localhost", "cluster v1", "cluster v2")

    # Their output is in the bucket, where the other nodes took it from.
    s3 = S3Objects(BUCKET, client=moto.client("s3"))
    for deployment_id in (production["id"], preview["id"], lost_id):
        output = row(database_url, deployment_id)["output_manifest_hash"] or ""
        assert s3.exists(manifest_key(output))

    # A custom domain's redirect set through one API, verified elsewhere: every node's edge
    # redirects it (the edge sync asks the domains plugin's extra_redirects).
    # Through a surviving API: the killed builder may have been api-2's embedded worker.
    watcher.cli("domains", "add", "scaled.test", "--project", "scaled")
    watcher.cli("domains", "add", "www.scaled.test", "--redirect-to", "scaled.test",
                "--project", "scaled")
    verify_domain(database_url, "www.scaled.test")
    redirected_everywhere(survivors, "www.scaled.test", "http://scaled.test/page?x=1")
