"""One-click databases of a Kubernetes project: their images as StatefulSet, claim, Service
and Secret in the team's namespace, and the URL linked releases get.

**Against the Kubernetes API stand-in** (:mod:`tests.kube_standin`; no cluster can run
here): every object is validated strictly against Kubernetes 1.33's schemas, by the
runtime before it sends it and by the stand-in when it stores it. No pod runs: what is
checked is what ``kubectl get -o yaml`` would show and what a linked release's Secret
holds, not that PostgreSQL answers in a cluster (backups, made in a pod the stand-in
plays: tests/e2e/test_database_backups_kubernetes.py).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Database, Deployment, Environment, Project, User
from autostack_core.interfaces.runtime import Release, ScalePolicy
from autostack_core.services import releases
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime
from autostack_plugins.services import manager, postgres
from tests.conformance.pair import artifact
from tests.eventually import eventually
from tests.fixtures_auth import api, owner, personal_team
from tests.kube_standin import KubeStandIn, kube_standin, standin_image

__all__ = ["api", "kube_standin", "owner"]


@pytest.fixture
async def cluster(autostack: AutoStack, kube_standin: KubeStandIn,
                  tmp_path: Path) -> AsyncIterator[KubernetesRuntime]:
    """The ``kubernetes`` runtime on the stand-in, as the server's own cluster, and a
    database runner (no process is started: these databases run in the cluster)."""
    runtime = KubernetesRuntime(autostack.settings, Clusters(),
                                {"kubeconfig": str(kube_standin.kubeconfig(tmp_path))})
    await runtime.start()
    autostack.runtimes["kubernetes"] = runtime
    runner = manager.new_runner(autostack)
    try:
        yield runtime
    finally:
        manager.RUNNERS.pop(id(autostack), None)
        await runner.close()  # the local databases a test made (else they live on)
        await runtime.stop()


@pytest.fixture
async def shop(autostack: AutoStack, owner: User, cluster: KubernetesRuntime) -> Project:
    return await Project.create(name="shop", team=await personal_team(owner), user=owner,
                                provider="kubernetes")


async def started(name: str) -> Database:
    """The database ``name`` once the background start the API began has ended."""
    async def done() -> Database | None:
        database = await Database.get(name=name)
        return None if database.status == "starting" else database

    return await eventually(done, f"database {name} past starting")


def only(standin: KubeStandIn, kind: str) -> dict[str, Any]:
    [found] = standin.of_kind(kind, "*")
    return found


async def test_a_postgres_database_runs_from_its_image_and_linked_releases_get_its_url(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project,
        cluster: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    created = await api.post("/api/v1/projects/shop/databases",
                             json={"name": "shop-db", "type": "postgres"})
    assert created.status_code == 201, created.text
    assert created.json()["runtime"] == "kubernetes"
    database = await started("shop-db")
    assert (database.status, database.error) == ("running", None)

    name, namespace = f"db-{database.id}", "autostack-olivia"
    stateful = only(kube_standin, "StatefulSet")
    assert stateful["metadata"]["namespace"] == namespace
    assert stateful["spec"]["replicas"] == 1
    pod = stateful["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == postgres.default_image()  # pg_dump's major version
    assert f"port={database.port}" in container["args"]
    assert "listen_addresses=0.0.0.0" in container["args"]
    assert {item["name"] for item in container["env"]} >= {"POSTGRES_PASSWORD", "POSTGRES_DB"}
    assert all(item["valueFrom"]["secretKeyRef"]["name"] == name for item in container["env"])
    assert container["readinessProbe"]["tcpSocket"] == {"port": "db"}
    assert pod["volumes"] == [{"name": "data",
                               "persistentVolumeClaim": {"claimName": f"{name}-data"}}]
    assert container["volumeMounts"][0]["mountPath"] == "/var/lib/postgresql/data"
    claim = only(kube_standin, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    secret = kube_standin.get("Secret", namespace, name)
    assert secret is not None
    data = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert data["POSTGRES_PASSWORD"] == database.password
    assert data["POSTGRES_USER"] == "autostack" and data["POSTGRES_DB"] == "shop-db"
    service = kube_standin.get("Service", namespace, name)
    assert service is not None
    assert service["spec"]["ports"] == [{"name": "db", "port": database.port,
                                         "targetPort": "db"}]

    # Linked releases get the Service's name in DATABASE_URL, in their own Secret.
    url = f"postgresql://autostack:{database.password}@{name}.{namespace}.svc:" \
          f"{database.port}/shop-db"
    assert database.url == url
    deployment = await Deployment.create(project=shop, target=Environment.PRODUCTION)
    env = await releases.environment_of(shop, deployment)
    assert env["DATABASE_URL"] == url
    reference = await cluster.publish(artifact("r1", standin_image("r1"), frozenset()))
    await cluster.deploy(Release(id="r1", project="shop", artifact=reference, env=env,
                                 policy=ScalePolicy(), team="olivia"))
    release_secret = kube_standin.get("Secret", namespace, "r1-env")
    assert release_secret is not None
    assert base64.b64decode(release_secret["data"]["DATABASE_URL"]).decode() == url

    # Backups run in the pod (tests/e2e/test_database_backups_kubernetes.py); this
    # stand-in has no pod for it (no volume given): the backup fails, saying so.
    failed = await api.post("/api/v1/teams/olivia/databases/shop-db/backups")
    assert failed.status_code == 500
    assert f"exec in pod {namespace}/{name}-0" in failed.json()["error"]

    # Deleting the database deletes its objects, the claim (its data) too.
    assert (await api.delete("/api/v1/teams/olivia/databases/shop-db")).status_code == 204
    assert kube_standin.of_kind("StatefulSet", namespace) == []
    assert kube_standin.of_kind("PersistentVolumeClaim", namespace) == []
    assert kube_standin.get("Service", namespace, name) is None
    assert kube_standin.get("Secret", namespace, name) is None
    assert kube_standin.get("Service", namespace, "r1") is not None  # the app's stay


async def test_a_redis_database_gets_its_config_as_a_read_only_file(
        autostack: AutoStack, api: httpx.AsyncClient, shop: Project,
        kube_standin: KubeStandIn) -> None:
    assert (await api.post("/api/v1/projects/shop/databases",
                           json={"name": "cache", "type": "redis"})).status_code == 201
    database = await started("cache")
    [container] = only(kube_standin, "StatefulSet")["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "docker.io/library/redis:7"
    assert container["args"] == ["redis-server", "/etc/autostack/redis.conf"]
    assert container["env"] == [{"name": "REDISCLI_AUTH", "valueFrom": {
        "secretKeyRef": {"name": f"db-{database.id}", "key": "REDISCLI_AUTH"}}}], \
        "for redis-cli in the pod (backups) only, from the Secret"
    assert {"name": "config", "mountPath": "/etc/autostack", "readOnly": True} in \
        container["volumeMounts"]
    data = only(kube_standin, "Secret")["data"]
    config = base64.b64decode(data["redis.conf"]).decode()
    assert f'requirepass "{database.password}"' in config and "bind 0.0.0.0" in config
    assert 'rename-command CONFIG ""' in config
    assert database.url == (f"redis://:{database.password}@db-{database.id}."
                            f"autostack-olivia.svc:{database.port}/0")


async def test_a_team_database_and_a_local_project_still_run_locally(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User,
        cluster: KubernetesRuntime) -> None:
    await Project.create(name="site", team=await personal_team(owner), user=owner)
    assert (await api.post("/api/v1/projects/site/databases",
                           json={"name": "site-db", "type": "redis"})).json()["runtime"] == "local"
    assert (await api.post("/api/v1/teams/olivia/databases",
                           json={"name": "team-db", "type": "redis"})).json()["runtime"] == "local"
