"""One-click Redis and PostgreSQL databases from images on podman, used by linked apps.

Real podman: the database runs from a Redis image with the official image's interface
(``redis-server <config>``, data in ``/data``), built here from Debian's ``redis-server``
and its libraries (no public registry is reachable); the app is an image built by
buildah and pushed to Debian's docker-registry (:mod:`tests.containers_standin`), run
as a replica behind the local edge's Caddy. The app gets ``REDIS_URL`` and the port in
``AUTOSTACK_SERVICE_PORTS`` as a linked deployment does, speaks RESP to the database
from inside its own network namespace, and reaches no other port of the host.
PostgreSQL likewise, from an image built from Debian's server binaries
(:mod:`tests.postgres_image`): the same app (:mod:`tests.database_app`) speaks
PostgreSQL's protocol with SCRAM to ``DATABASE_URL`` through the edge; through the
API a container uses it with the ``DATABASE_URL`` a linked deployment gets, and it is
backed up and restored.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pytest
import redis

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Database, Project, User
from autostack_core.interfaces.runtime import Environment, Release, ScalePolicy
from autostack_core.interfaces.services import ServiceInstance
from autostack_core.services import databases
from autostack_core.utils import free_port, random_id
from autostack_plugins.providers.local.containers import ContainerRuntime
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from autostack_plugins.services import manager, postgres
from autostack_plugins.services.redis import IMAGE_VARIABLE, Redis
from tests.conformance.pair import artifact
from tests.conformance.test_containers import build_image
from tests.containers_standin import (
    CONTAINERS_ENV,
    _libraries,
    base_image,
    image_registry,
    need_tools,
    podman,
)
from tests.e2e.test_containers_runtime import stack
from tests.fixtures_auth import api, owner, personal_team
from tests.postgres_image import postgres_image

__all__ = ["api", "base_image", "image_registry", "owner", "postgres_image", "stack"]
pytestmark = pytest.mark.e2e

APP = (Path(__file__).parent.parent / "database_app.py").read_bytes()


def redis_rootfs() -> bytes:
    """A tar of a root file system holding only Debian's redis-server and its libraries."""
    binary = Path(shutil.which("redis-server") or "/usr/bin/redis-server").resolve()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in ("usr/bin", "usr/lib", "usr/lib64", "tmp", "data", "etc/autostack"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
        for link, target in (("bin", "usr/bin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        tar.add(str(binary), arcname="usr/bin/redis-server", recursive=False)
        for library in _libraries(binary):
            name = str(library).lstrip("/")
            tar.add(str(library.resolve()), arcname=name if name.startswith("usr/")
                    else f"usr/{name}", recursive=False)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def redis_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``localhost/autostack-test-redis:<id>``: what the official image runs, from host files."""
    need_tools()
    name = f"localhost/autostack-test-redis:{random_id(8).lower()}"
    tar = tmp_path_factory.mktemp("redis") / "rootfs.tar"
    tar.write_bytes(redis_rootfs())
    podman("import", "--change", "WORKDIR=/data", "--change", "CMD=redis-server",
           str(tar), name)
    try:
        yield name
    finally:
        subprocess.run(["podman", "rmi", "-f", name], env=CONTAINERS_ENV, capture_output=True)


@dataclass(frozen=True)
class Kind:
    """What the runtime-level test does with one database type."""

    service: Redis | postgres.Postgres
    image_variable: str
    image_fixture: str
    hits: list[str]  # what the app answers to two /hit
    backup_starts: bytes
    kept: str  # a file of the data folder that stays after the container is removed


KINDS = {"redis": Kind(Redis(), IMAGE_VARIABLE, "redis_image", [":1", ":2"], b"REDIS",
                      "dump.rdb"),
         "postgres": Kind(postgres.Postgres(), postgres.IMAGE_VARIABLE, "postgres_image",
                          ["1", "2"], b"PGDMP", "pgdata/PG_VERSION")}


@pytest.mark.dbless
@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_database_image_serves_a_linked_app_container_and_nothing_else(
        stack: tuple[ContainerRuntime, LocalEdge], base_image: str, kind: str,
        request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime, _edge = stack
    case = KINDS[kind]
    service = case.service
    monkeypatch.setenv(case.image_variable, request.getfixturevalue(case.image_fixture))
    instance = ServiceInstance(name="cache", port=free_port(), password=random_id(24),
                               data_dir=tmp_path / "services" / "1" / "data")
    instance.data_dir.mkdir(parents=True, mode=0o700)
    service_id = f"db-{random_id(6).lower()}"
    host = await runtime.run_service(service_id, service.image(instance, runtime.service_listen),
                                     instance.data_dir, "", {})
    try:
        assert host == "127.0.0.1"
        deadline = time.monotonic() + 60
        while not await service.ready(instance):
            assert time.monotonic() < deadline, podman("logs", runtime.podman.service_name(
                service_id))
            await asyncio.sleep(0.1)
        assert await runtime.service_running(service_id)

        files = await build_image(runtime.settings, base_image, tmp_path / "builds",
                                  random_id(), app=APP)
        release_id = f"c{random_id(9)}"
        reference = await runtime.publish(artifact(release_id, files, runtime.accepts))
        release = Release(id=release_id, project="shop", artifact=reference,
                          env={service.env_key: service.url(instance, host),
                               "AUTOSTACK_SERVICE_PORTS": str(instance.port)},
                          policy=ScalePolicy(), hostnames=(f"{release_id}.localhost",))
        await runtime.deploy(release)
        edge_url = f"http://127.0.0.1:{runtime.settings.edge_port}"
        async with httpx.AsyncClient(timeout=10, headers={"Host": release.hostnames[0]}) as http:
            assert [(await http.get(f"{edge_url}/hit")).text for _ in range(2)] == case.hits
            # Only the linked port: not the edge, not the database's port of another app.
            for port in (runtime.settings.edge_port, runtime.settings.port):
                assert (await http.get(f"{edge_url}/probe/{port}")).text == "closed"
            assert (await http.get(f"{edge_url}/probe/{instance.port}")).text == "open"

        # A backup (BGSAVE in the container, or pg_dump over the loopback) holds the hits.
        target = tmp_path / "backup"
        await service.backup(instance, target)
        assert target.read_bytes().startswith(case.backup_starts)
        if kind == "redis":
            client = redis.Redis(port=instance.port, password=instance.password)
            assert client.get("hits") == b"2"
            client.close()

        await runtime.destroy(release.id)
        assert runtime._bridges == {}, "the app's way to the database closed with it"
    finally:
        await runtime.remove_service(service_id, "", {})
    assert await runtime.podman.service_state(service_id) is None
    assert (instance.data_dir / case.kept).exists(), "the data stays for the caller"


async def started(name: str) -> Database:
    """The database ``name``, running, once the start the API began in the background ended."""
    database = await Database.get(name=name)
    deadline = time.monotonic() + 60
    while database.status == "starting":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
        await database.refresh_from_db()
    assert (database.status, database.error) == ("running", None)
    return database


@pytest.fixture
async def containers_project(autostack: AutoStack, owner: User) -> AsyncIterator[Project]:
    """A project on the ``containers`` runtime and a database runner in the app (the test
    app runs no consumer); no edge is needed to run databases."""
    runtime = ContainerRuntime(autostack.settings, cast(Edge, None))
    autostack.runtimes["containers"] = runtime
    manager.new_runner(autostack)
    try:
        yield await Project.create(name="shop", team=await personal_team(owner), user=owner,
                                   provider="containers")
    finally:
        manager.RUNNERS.pop(id(autostack), None)
        for service_id in {c.rsplit("-", 2)[-2] + "-" + c.rsplit("-", 1)[-1]
                           for c in podman("ps", "-a", "--format", "{{.Names}}").split()
                           if c.startswith(runtime.podman.service_name("db-"))}:
            await runtime.remove_service(service_id, "", {})


async def test_a_containers_project_gets_a_database_from_its_image_backed_up_and_restored(
        autostack: AutoStack, api: httpx.AsyncClient, containers_project: Project,
        redis_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMAGE_VARIABLE, redis_image)
    created = await api.post("/api/v1/projects/shop/databases",
                             json={"name": "cache", "type": "redis"})
    assert created.status_code == 201 and created.json()["runtime"] == "containers"
    database = await started("cache")
    assert database.url == f"redis://:{database.password}@127.0.0.1:{database.port}/0"
    client = redis.Redis.from_url(database.url)
    client.set("plan", "before")
    base = "/api/v1/teams/olivia/databases/cache"
    backup = await api.post(f"{base}/backups")
    assert backup.status_code == 201 and backup.json()["status"] == "done", backup.text
    client.set("plan", "after")
    restored = await api.post(f"{base}/backups/{backup.json()['id']}/restore")
    assert restored.status_code == 200, restored.text
    client = redis.Redis.from_url(database.url)
    assert client.get("plan") == b"before", "restored: the container was started again"
    client.close()
    listed = (await api.get(base)).json()
    assert listed["status"] == "running" and listed["size_bytes"] > 0

    assert (await api.delete(base)).status_code == 204
    assert await ContainerRuntime(autostack.settings, cast(Edge, None)).podman.service_state(
        f"db-{database.id}") is None
    assert not autostack.settings.path("services", str(database.id)).exists()


async def test_a_containers_project_gets_postgres_from_its_image_used_by_a_linked_container(
        autostack: AutoStack, api: httpx.AsyncClient, containers_project: Project,
        postgres_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL from an image with the official one's interface (``POSTGRES_*``, SCRAM,
    ``PGDATA`` below the volume), built from Debian's server binaries: created through the
    API, used with the ``DATABASE_URL`` a linked deployment gets by a container (psql),
    backed up with ``pg_dump`` and restored."""
    import asyncpg

    monkeypatch.setenv(postgres.IMAGE_VARIABLE, postgres_image)
    created = await api.post("/api/v1/projects/shop/databases",
                             json={"name": "shop-db", "type": "postgres"})
    assert created.status_code == 201 and created.json()["runtime"] == "containers"
    database = await started("shop-db")
    linked = await databases.linked_environment(containers_project, Environment.PRODUCTION)
    assert linked["DATABASE_URL"] == database.url
    assert linked["DATABASE_URL"].startswith("postgresql://autostack:")
    assert f"@127.0.0.1:{database.port}/shop-db" in linked["DATABASE_URL"]
    answer = podman("run", "--rm", "--runtime", "runc", "--network", "host",
                    "--security-opt", "no-new-privileges", "--entrypoint", "/bin/sh",
                    "--env", f"DATABASE_URL={linked['DATABASE_URL']}", postgres_image, "-c",
                    'psql "$DATABASE_URL" -qAt -c "CREATE TABLE plans (name text)" '
                    '-c "INSERT INTO plans VALUES (\'before\')" -c "SELECT name FROM plans"')
    assert answer.split() == ["before"]
    wrong = database.url.replace(database.password or "", "wrong", 1)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong, timeout=10)

    base = "/api/v1/teams/olivia/databases/shop-db"
    backup = await api.post(f"{base}/backups")
    assert backup.status_code == 201 and backup.json()["status"] == "done", backup.text
    connection = await asyncpg.connect(database.url, timeout=10)
    await connection.execute("UPDATE plans SET name = 'after'")
    await connection.close()
    restored = await api.post(f"{base}/backups/{backup.json()['id']}/restore")
    assert restored.status_code == 200, restored.text
    connection = await asyncpg.connect(database.url, timeout=10)
    assert await connection.fetchval("SELECT name FROM plans") == "before"
    await connection.close()
    listed = (await api.get(base)).json()
    assert listed["status"] == "running" and listed["size_bytes"] > 0

    assert (await api.delete(base)).status_code == 204
    assert await ContainerRuntime(autostack.settings, cast(Edge, None)).podman.service_state(
        f"db-{database.id}") is None
    assert not autostack.settings.path("services", str(database.id)).exists()
