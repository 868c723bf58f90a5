"""The conformance suite on the ``kubernetes`` runtime with the ``kubernetes`` (Ingress) edge.

**Against a stand-in, because no cluster runs here**: :mod:`tests.kube_standin`
is a stateful Kubernetes API on the loopback (server-side apply with strict
schema validation, the Deployment controller's rollout, pod logs) and an
ingress-nginx stand-in routing by the Ingress objects. The runtime speaks to it
with the official ``kubernetes`` client exactly as to a cluster. Its pods run
nothing: each answers as the suite's image app would (``server <marker>
<path>``, from the marker in the image's name), so ``runs_code`` is false.

Skipped, with the suite's reasons: static, server and functions outputs (the
runtime runs images only), scale to zero and wake (no idle detection: replicas
0 wakes on the next deploy, not on a request), protection, skew protection and
traffic counts (the Ingress edge refuses them).

**Against a real cluster** (never run here): set ``AUTOSTACK_TEST_KUBECONFIG``
(a kubeconfig; kind's or ``aws eks update-kubeconfig``'s),
``AUTOSTACK_TEST_KUBERNETES_INGRESS`` (where its ingress-nginx answers,
``http://127.0.0.1:8080``), ``AUTOSTACK_TEST_KUBERNETES_REGISTRY`` (a registry
this machine pushes to and the cluster pulls from) and optionally
``AUTOSTACK_TEST_KUBERNETES_BASE_IMAGE`` (a Python image there; else one made
from this host's files). The same cases then run on real pods, with
``runs_code``; ``docs/providers/kubernetes.md`` has the steps.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from autostack_core.config import Settings
from autostack_core.utils import free_port, random_id
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.ingress_edge import IngressEdge
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime
from tests.conformance import Answer, Pair, ProviderConformance
from tests.conformance.pair import Files, Request
from tests.containers_standin import base_image
from tests.kube_standin import KubeStandIn, kube_standin, standin_image

__all__ = ["base_image", "kube_standin"]
pytestmark = pytest.mark.dbless
REAL = {name: os.environ.get(f"AUTOSTACK_TEST_{name}", "") for name in
        ("KUBECONFIG", "KUBERNETES_INGRESS", "KUBERNETES_REGISTRY", "KUBERNETES_BASE_IMAGE")}


def ingress_request(base_url: str) -> tuple[httpx.AsyncClient, Request]:
    """A client to the ingress controller, and the pair's ``request`` through it."""
    http = httpx.AsyncClient(base_url=base_url, timeout=10,
                             limits=httpx.Limits(max_keepalive_connections=0))

    async def request(hostname: str, path: str) -> Answer:
        response = await http.get(path, headers={"Host": hostname})
        return Answer(response.status_code, response.headers, response.content)

    return http, request


class TestKubernetesPairOnTheStandIn(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path, kube_standin: KubeStandIn) -> AsyncIterator[Pair]:
        settings = Settings(data_dir=tmp_path / "data", port=free_port(),
                            health_timeout_seconds=10)
        clusters = Clusters()
        runtime = KubernetesRuntime(settings, clusters,
                                    {"kubeconfig": str(kube_standin.kubeconfig(tmp_path))})
        edge = IngressEdge(clusters)
        await edge.start()
        await runtime.start()
        http, request = ingress_request(f"http://127.0.0.1:{kube_standin.ingress_port}")

        async def image(marker: str) -> Files:
            return standin_image(marker)

        try:
            yield Pair(runtime, edge, request, runs_code=False, timeout=10,
                       image=image)
        finally:
            await runtime.stop()
            await edge.stop()
            await http.aclose()


@pytest.mark.e2e
@pytest.mark.skipif(not (REAL["KUBECONFIG"] and REAL["KUBERNETES_INGRESS"]
                         and REAL["KUBERNETES_REGISTRY"]),
                    reason="no real cluster: set AUTOSTACK_TEST_KUBECONFIG, AUTOSTACK_TEST_"
                           "KUBERNETES_INGRESS and AUTOSTACK_TEST_KUBERNETES_REGISTRY")
class TestKubernetesPairOnARealCluster(ProviderConformance):
    @pytest.fixture
    async def pair(self, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
        from tests.conformance.test_containers import build_image

        settings = Settings(data_dir=tmp_path / "data", port=free_port(),
                            health_timeout_seconds=300, registry=REAL["KUBERNETES_REGISTRY"])
        clusters = Clusters()
        namespace = f"autostack-conformance-{random_id(6).lower()}"
        runtime = KubernetesRuntime(settings, clusters, {"kubeconfig": REAL["KUBECONFIG"],
                                                         "namespace": namespace})
        edge = IngressEdge(clusters)
        await runtime.start()
        base = REAL["KUBERNETES_BASE_IMAGE"] or request.getfixturevalue("base_image")
        http, through_ingress = ingress_request(REAL["KUBERNETES_INGRESS"])

        async def image(marker: str) -> Files:
            return await build_image(settings, base, tmp_path / "builds", marker)

        try:
            yield Pair(runtime, edge, through_ingress, runs_code=True, timeout=120,
                       image=image)
        finally:
            placement = await runtime.place({})
            clusters.cluster(placement.key).delete("Namespace", None, namespace)
            await runtime.stop()
            await http.aclose()
