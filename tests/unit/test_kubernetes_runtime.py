"""The ``kubernetes`` runtime and edge against the Kubernetes API stand-in.

**A stand-in, because no cluster runs here** (:mod:`tests.kube_standin`): a
stateful API server on the loopback that validates every object strictly and
plays the Deployment controller, driven by the tests through rollout states.
The runtime talks to it with the official ``kubernetes`` client. What these
tests check is what a user would see with ``kubectl get -o yaml``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces.cost import Usage
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_core.interfaces.runtime import (
    Endpoint,
    Release,
    ReleaseStatus,
    ScalePolicy,
)
from autostack_plugins.providers.kubernetes import manifests
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.ingress_edge import IngressEdge
from autostack_plugins.providers.kubernetes.manifests import NGINX
from autostack_plugins.providers.kubernetes.rollout import rollout
from autostack_plugins.providers.kubernetes.runtime import (
    KubernetesDeployError,
    KubernetesRuntime,
)
from tests.conformance.pair import artifact
from tests.kube_standin import KubeStandIn, kube_standin, standin_image

__all__ = ["kube_standin"]
pytestmark = pytest.mark.dbless
NS = "autostack"


@pytest.fixture
async def runtime(tmp_path: Path, kube_standin: KubeStandIn) -> AsyncIterator[KubernetesRuntime]:
    # The rollout wait's deadline: no test here waits it out, and a held rollout's test does
    # several round trips to the stand-in before finishing it (over 5 s at load 19: CI).
    settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=60,
                        runtime_memory_mb=256, runtime_cpus=0.5)
    runtime = KubernetesRuntime(settings, Clusters(),
                                {"kubeconfig": str(kube_standin.kubeconfig(tmp_path))})
    await runtime.start()
    yield runtime
    await runtime.stop()


async def deploy(runtime: KubernetesRuntime, release_id: str, *, env: dict[str, str] | None = None,
                 policy: ScalePolicy | None = None,
                 config: dict[str, str] | None = None, team: str = "") -> Endpoint:
    files = standin_image(release_id)
    reference = await runtime.publish(artifact(release_id, files, frozenset()))
    return await runtime.deploy(Release(id=release_id, project="shop", artifact=reference,
                                        env=env or {}, policy=policy or ScalePolicy(),
                                        config=config or {}, team=team))


async def test_a_release_is_a_deployment_a_service_and_a_secret(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    await deploy(runtime, "r1", env={"DATABASE_URL": "postgres://db/shop"})
    deployment = kube_standin.get("Deployment", NS, "r1")
    assert deployment is not None
    spec = deployment["spec"]
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    [container] = spec["template"]["spec"]["containers"]
    assert container["image"] == json.loads(standin_image("r1")["image.json"])["reference"]
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "256Mi"}
    assert container["envFrom"] == [{"secretRef": {"name": "r1-env"}}]
    secret = kube_standin.get("Secret", NS, "r1-env")
    assert secret is not None
    assert base64.b64decode(secret["data"]["DATABASE_URL"]) == b"postgres://db/shop"
    assert "DATABASE_URL" not in json.dumps(deployment), "the value lives in the Secret only"
    service = kube_standin.get("Service", NS, "r1")
    assert service is not None and service["spec"]["selector"] == {"autostack.dev/release": "r1"}
    assert await runtime.status("r1") == ReleaseStatus.READY


async def test_every_write_is_a_server_side_apply(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    await deploy(runtime, "r1", policy=ScalePolicy(1, 3))
    writes = [(path, kind) for method, path, kind in kube_standin.requests
              if method in ("PATCH", "PUT", "POST")]
    assert len(writes) == 5  # namespace, secret, deployment, HPA, service
    for path, content_type in writes:
        assert content_type == "application/apply-patch+yaml"
        query = parse_qs(urlsplit(path).query)
        assert query["fieldManager"] == ["autostack"] and query["force"] == ["true"]


async def test_deploy_waits_for_the_rollout(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    kube_standin.rollouts = "hold"
    deploying = asyncio.create_task(deploy(runtime, "r1"))

    async def held() -> None:
        while kube_standin.get("Deployment", NS, "r1") is None:
            if deploying.done():  # it failed before writing the Deployment: say why
                deploying.result()
            await asyncio.sleep(0.05)

    await asyncio.wait_for(held(), 30)
    await asyncio.sleep(0.5)
    assert not deploying.done(), "deploy returned before the rollout was available"
    assert await runtime.status("r1") == ReleaseStatus.STARTING
    kube_standin.finish(NS, "r1")
    endpoint = await asyncio.wait_for(deploying, 30)
    assert endpoint.release_id == "r1"
    assert await runtime.status("r1") == ReleaseStatus.READY


async def test_a_failed_rollout_fails_the_deploy_and_removes_the_release(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    kube_standin.rollouts = "fail"
    with pytest.raises(KubernetesDeployError, match="ProgressDeadlineExceeded") as failed:
        await deploy(runtime, "r1")
    assert "conformance server r1 started" in str(failed.value), "the pod's last lines"
    for kind, name in (("Deployment", "r1"), ("Service", "r1"), ("Secret", "r1-env")):
        assert kube_standin.get(kind, NS, name) is None, kind
    assert await runtime.status("r1") == ReleaseStatus.ABSENT


async def test_scale_policies_are_replicas_an_hpa_or_zero(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    await deploy(runtime, "r1", policy=ScalePolicy(2, 5))
    hpa = kube_standin.get("HorizontalPodAutoscaler", NS, "r1")
    assert hpa is not None
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert hpa["spec"]["scaleTargetRef"]["name"] == "r1"
    await runtime.scale("r1", ScalePolicy(3, 3))
    assert kube_standin.get("HorizontalPodAutoscaler", NS, "r1") is None
    assert kube_standin.get("Deployment", NS, "r1")["spec"]["replicas"] == 3  # type: ignore[index]
    await runtime.scale("r1", ScalePolicy(0, 2))
    assert kube_standin.get("Deployment", NS, "r1")["spec"]["replicas"] == 0  # type: ignore[index]
    assert kube_standin.of_kind("Pod", NS) == []
    assert await runtime.status("r1") == ReleaseStatus.ASLEEP
    await deploy(runtime, "r1", policy=ScalePolicy(0, 2))
    assert await runtime.status("r1") == ReleaseStatus.READY, "a deploy wakes it"
    assert len(kube_standin.of_kind("Pod", NS)) == 2


async def test_each_team_has_its_namespace(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    await deploy(runtime, "a1", team="team-a")
    await deploy(runtime, "b1", team="team-b")
    assert kube_standin.get("Deployment", "autostack-team-a", "a1") is not None
    assert kube_standin.get("Deployment", "autostack-team-b", "b1") is not None
    assert kube_standin.get("Namespace", "", "autostack-team-a") is not None
    await runtime.destroy("a1")
    assert kube_standin.get("Deployment", "autostack-team-a", "a1") is None
    assert kube_standin.get("Deployment", "autostack-team-b", "b1") is not None


async def test_a_team_with_its_own_kubeconfig_picks_its_namespace(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    own = kube_standin.kubeconfig(folder).read_text()  # its YAML, as a team pastes it
    await deploy(runtime, "c1", team="team-c", config={"kubeconfig": own, "namespace": "shop"})
    assert kube_standin.get("Deployment", "shop", "c1") is not None


def generations(standin: KubeStandIn) -> dict[str, int]:
    return {item["metadata"]["name"]: item["metadata"]["generation"]
            for item in standin.of_kind("Deployment", NS)}


async def test_promote_and_rollback_change_the_ingress_only(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    edge = IngressEdge(runtime.clusters)
    old, new = await deploy(runtime, "old"), await deploy(runtime, "new")
    await edge.bind("shop.example.com", [WeightedEndpoint(old)])
    before, writes = generations(kube_standin), len(kube_standin.requests)
    await edge.bind("shop.example.com", [WeightedEndpoint(old, 90), WeightedEndpoint(new, 10)])
    [primary, canary] = kube_standin.of_kind("Ingress", NS)
    assert sorted([primary["metadata"]["name"], canary["metadata"]["name"]])[1].endswith("canary")
    notes = next(i for i in (primary, canary) if i["metadata"]["name"].endswith("canary")) \
        ["metadata"]["annotations"]
    assert (notes[NGINX + "canary-weight"], notes[NGINX + "canary-weight-total"]) == ("10", "100")
    await edge.bind("shop.example.com", [WeightedEndpoint(new)])  # promote
    await edge.bind("shop.example.com", [WeightedEndpoint(old)])  # roll back
    [only] = kube_standin.of_kind("Ingress", NS)
    backend = only["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == "old"
    assert generations(kube_standin) == before, "no Deployment changed: no new rollout"
    touched = {path.split("?")[0].rsplit("/", 2)[-2]
               for method, path, _ in kube_standin.requests[writes:] if method != "GET"}
    assert touched == {"ingresses"}


async def test_a_refused_bind_changes_nothing(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    edge = IngressEdge(runtime.clusters)
    endpoints = [await deploy(runtime, f"r{index}") for index in range(3)]
    await edge.bind("shop.example.com", [WeightedEndpoint(endpoints[0])])
    before = kube_standin.of_kind("Ingress", NS)
    with pytest.raises(ValueError, match="two releases at most"):
        await edge.bind("shop.example.com", [WeightedEndpoint(e) for e in endpoints])
    with pytest.raises(ValueError, match="not a release on a Kubernetes runtime"):
        await edge.bind("shop.example.com", [WeightedEndpoint(Endpoint("x", "null:x"))])
    assert kube_standin.of_kind("Ingress", NS) == before


def test_a_manifest_off_the_schema_is_refused_naming_the_field() -> None:
    deployment = manifests.deployment("r1", NS, "img", ScalePolicy(), memory_mb=256, cpus=1)
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(manifests.ManifestError, match=r"containers\.0: .*readinesProbe"):
        manifests.validate(deployment)
    deployment = manifests.deployment("r1", NS, "img", ScalePolicy(), memory_mb=256, cpus=1)
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(manifests.ManifestError, match=r"Deployment r1: spec.replicas: 'two'"):
        manifests.validate(deployment)


def deployment_state(generation: int, observed: int, ready: int,
                     progressing: str = "NewReplicaSetAvailable",
                     replicas: int = 2) -> dict[str, object]:
    return {"metadata": {"generation": generation}, "spec": {"replicas": replicas},
            "status": {"observedGeneration": observed, "readyReplicas": ready,
                       "updatedReplicas": ready, "conditions": [
                           {"type": "Progressing", "reason": progressing,
                            "status": "False" if progressing == "ProgressDeadlineExceeded"
                            else "True", "message": "m"},
                           {"type": "Available", "status": "True" if ready else "False"}]}}


@pytest.mark.parametrize(("state", "expected"), [
    (None, ReleaseStatus.ABSENT),
    (deployment_state(2, 2, 2), ReleaseStatus.READY),
    (deployment_state(3, 2, 2), ReleaseStatus.STARTING),  # the controller is behind
    (deployment_state(2, 2, 1), ReleaseStatus.STARTING),
    (deployment_state(2, 2, 0, "ProgressDeadlineExceeded"), ReleaseStatus.UNHEALTHY),
    (deployment_state(2, 2, 0, replicas=0), ReleaseStatus.ASLEEP),
])
def test_status_is_read_from_the_rollout(state: dict[str, object] | None,
                                         expected: ReleaseStatus) -> None:
    assert rollout(state).status == expected


async def test_unbind_after_a_restart_finds_the_hostname_by_label(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    endpoint = await deploy(runtime, "r1", team="team-a")
    await IngressEdge(runtime.clusters).bind("shop.example.com", [WeightedEndpoint(endpoint)])
    await IngressEdge(runtime.clusters).bind("other.example.com", [WeightedEndpoint(endpoint)])
    restarted = IngressEdge(runtime.clusters)  # knows no hostname
    await restarted.unbind("shop.example.com")
    [left] = kube_standin.of_kind("Ingress", "autostack-team-a")
    assert left["spec"]["rules"][0]["host"] == "other.example.com"


async def test_the_meter_reads_the_running_pods_requests_over_time(
        runtime: KubernetesRuntime, kube_standin: KubeStandIn) -> None:
    """Fargate bills each running pod's requests per second; the metrics API is not read."""
    assert await runtime.measure("r1") is None  # not deployed
    await deploy(runtime, "r1", policy=ScalePolicy(3, 3))
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for (kind, _, _), found in kube_standin.objects.items():
        if kind == "Pod":
            found["status"]["startTime"] = hour_ago
    reading = await runtime.measure("r1")
    assert reading is not None and reading.memory_bytes == 3 * 256 * 1024 * 1024
    assert 3 * 0.5 * 3600 <= reading.cpu_seconds < 3 * 0.5 * 3660  # 3 pods x 0.5 vCPU x 1 h
    await runtime.scale("r1", ScalePolicy(0, 1))
    assert await runtime.measure("r1") is None  # no pod runs
    # The readings of those 3 pod-hours at Fargate's prices: 1.5 vCPU-hours, 0.75 GB-hours.
    cost = runtime.estimate_cost(Usage(cpu_seconds=5400, memory_gib_hours=0.75, hours=1))
    assert {line.item: line.quantity for line in cost.lines} == {"vcpu": 1.5, "memory": 0.75}
