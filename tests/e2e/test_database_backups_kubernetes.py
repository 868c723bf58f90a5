"""Backups and restores of a Kubernetes project's databases, made inside the database's pod.

The runtime does what ``kubectl exec db-<id>-0 -- sh -c '<script>'`` does: the
official client opens the ``pods/exec`` websocket and streams the script's
output into the backup file (a restore streams the file in). Real parts: the
client and its websocket, the scripts (``pg_dump -Fc`` / ``pg_restore``,
``redis-cli --rdb -`` / ``SHUTDOWN NOSAVE``) run by ``sh`` with Debian's
PostgreSQL 15 and Redis 7 tools, against real servers, the backups stored,
kept and restored through the API.

**Stand-ins** (no cluster can run here): the API server is :mod:`tests.kube_standin`;
the database's pod is a real server started by the local database runner
(:class:`ServiceRunner`) on the port the image would use, with its data folder
registered as the claim's volume; the exec runs the script on this host in
bubblewrap with the container's variables and that volume
(:mod:`tests.kube_standin_exec`), not in the ``postgres``/``redis`` image. The
kubelet restarting Redis' container after ``SHUTDOWN NOSAVE`` is played by the
runner restarting the crashed server. Never tried: a real API server's exec, the
official images' tools, a real container restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Database, DatabaseBackup, Project
from autostack_core.interfaces.services import Service
from autostack_core.services import databases
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime
from autostack_plugins.services.postgres import Postgres
from autostack_plugins.services.redis import Redis
from autostack_plugins.services.runner import ServiceRunner
from tests.fixtures_auth import api, owner
from tests.kube_standin import KubeStandIn, kube_standin
from tests.unit.test_database_images_kubernetes import cluster, shop, started

__all__ = ["api", "cluster", "kube_standin", "owner", "shop"]
pytestmark = pytest.mark.e2e
NS = "autostack-olivia"
ONE = "/api/v1/teams/olivia/databases"


@pytest.fixture
async def pods(tmp_path: Path) -> AsyncIterator[ServiceRunner]:
    """Runs the servers that play the databases' pods."""
    async def status(database_id: int, state: str, why: str | None) -> None:
        pass

    runner = ServiceRunner(tmp_path / "pods", status)
    yield runner
    await runner.close()


async def in_cluster(api: httpx.AsyncClient, kube_standin: KubeStandIn, pods: ServiceRunner,
                     name: str, kind: str, service: Service) -> tuple[Database, Path]:
    """A database of the Kubernetes project, and its pod played by a real server."""
    created = await api.post("/api/v1/projects/shop/databases", json={"name": name,
                                                                     "type": kind})
    assert created.status_code == 201, created.text
    database = await started(name)
    assert database.status == "running" and database.runtime == "kubernetes"
    data = pods.data_dir(database.id)
    instance = databases.instance_of(database, data)
    await pods.initialize(database.id, service, instance)
    await pods.start(database.id, service, instance)
    kube_standin.volumes[(NS, f"db-{database.id}-data")] = data
    return database, data


async def test_postgres_backup_retention_and_restore_run_in_the_pod(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project,
        cluster: KubernetesRuntime, kube_standin: KubeStandIn, pods: ServiceRunner) -> None:
    database, data = await in_cluster(api, kube_standin, pods, "shop-db", "postgres",
                                      Postgres())
    url = Postgres().url(databases.instance_of(database, data))
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE orders (item text)")
        await connection.execute("INSERT INTO orders VALUES ('before')")
        made = await api.post(f"{ONE}/shop-db/backups")
        assert made.status_code == 201, made.text
        await connection.execute("INSERT INTO orders VALUES ('after')")
    finally:
        await connection.close()
    [record] = await DatabaseBackup.filter(database=database)
    backup = autostack.settings.path("services", str(database.id), "backups", record.file)
    assert backup.read_bytes()[:5] == b"PGDMP", "pg_dump's custom format, streamed back"
    assert record.size_bytes == backup.stat().st_size
    execs = [path for method, path, _ in kube_standin.requests if "/exec?" in path]
    assert execs and f"/pods/db-{database.id}-0/exec?" in execs[0]
    assert database.password not in execs[0], "the password stays in the pod's variables"

    restored = await api.post(f"{ONE}/shop-db/backups/{record.id}/restore")
    assert restored.status_code == 200, restored.text
    connection = await asyncpg.connect(url)
    try:
        assert [row["item"] for row in await connection.fetch("SELECT item FROM orders")] \
            == ["before"]
    finally:
        await connection.close()

    await Database.filter(id=database.id).update(backup_keep=1)
    assert (await api.post(f"{ONE}/shop-db/backups")).status_code == 201
    [kept] = await DatabaseBackup.filter(database=database)
    assert kept.id != record.id and not backup.exists(), "the older backup is deleted"


async def test_redis_backup_and_offline_restore_run_in_the_pod(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project,
        cluster: KubernetesRuntime, kube_standin: KubeStandIn, pods: ServiceRunner) -> None:
    database, _ = await in_cluster(api, kube_standin, pods, "cache", "redis", Redis())
    client = aioredis.Redis(host="127.0.0.1", port=database.port, password=database.password)
    try:
        await client.set("visits", "1")
        made = await api.post(f"{ONE}/cache/backups")
        assert made.status_code == 201, made.text
        await client.set("visits", "2")
        [record] = await DatabaseBackup.filter(database=database)
        backup = autostack.settings.path("services", str(database.id), "backups", record.file)
        assert backup.read_bytes()[:5] == b"REDIS", "an RDB file, from redis-cli --rdb -"

        restored = await api.post(f"{ONE}/cache/backups/{record.id}/restore")
        assert restored.status_code == 200, restored.text
        assert restored.json()["status"] == "running"
        deadline = time.monotonic() + 30  # the server restarts (the runner waits 1 s)
        while True:
            try:
                if await client.get("visits") == b"1":
                    break
            except (OSError, aioredis.ConnectionError):
                pass
            assert time.monotonic() < deadline, "Redis did not come back with the backup"
            await asyncio.sleep(0.2)
    finally:
        await client.aclose()
