"""The ``kubernetes`` edge: hostnames routed to release Services by Ingress objects.

``bind`` writes the hostname's Ingress in the releases' namespace (server-side
apply): one target is one Ingress; two targets are a primary Ingress and a
canary one whose ingress-nginx annotations (``canary-weight`` of
``canary-weight-total``) take the second target's share. A promote or rollback
is a ``bind``: it changes these objects only, never a Deployment, so no
rollout starts. ``redirect`` is an Ingress with ingress-nginx's
``permanent-redirect`` (and ``-code``) annotations. Why Ingress and not Gateway
API's HTTPRoute: ``docs/providers/kubernetes.md``.

Not supported (each raises NotImplementedError, so the core never serves a
hostname less safely than asked): protection, skew protection, traffic counts;
more than two targets per hostname (one canary per host in ingress-nginx).
Certificates are the cluster's business (cert-manager): ``certificate`` says
``none``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import datetime

from autostack_core.interfaces.edge import (
    REDIRECT_STATUSES,
    Certificate,
    CertificateStatus,
    Protection,
    TrafficCount,
    WeightedEndpoint,
)
from autostack_plugins.providers.kubernetes import manifests
from autostack_plugins.providers.kubernetes.clusters import (
    CLUSTER_ATTRIBUTE,
    INGRESS_CLASS_ATTRIBUTE,
    NAMESPACE_ATTRIBUTE,
    SERVICE_ATTRIBUTE,
    Clusters,
    Placement,
)

HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
REDIRECT_SERVICE = "autostack-redirect"
"""The backend a redirect's Ingress names (the schema wants one; nginx answers first)."""


class IngressEdge:
    """Routes hostnames to releases on Kubernetes clusters with Ingress objects."""

    name = "kubernetes"

    def __init__(self, clusters: Clusters) -> None:
        self.clusters = clusters
        self.hosts: dict[str, Placement] = {}
        """Where each hostname's Ingress objects are (in memory; ``unbind`` finds the others
        by label)."""

    async def start(self) -> None:
        """Nothing to start: the cluster's ingress controller serves."""

    async def stop(self) -> None:
        """The Ingress objects stay: the cluster keeps serving."""

    async def bind(self, hostname: str, targets: Sequence[WeightedEndpoint]) -> None:
        """Raises ValueError (changing nothing) for no targets, more than two, a negative or
        all-zero weights, or endpoints of another runtime or of different namespaces."""
        hostname = _host(hostname)
        placement = _placement_of(targets)
        cluster = self.clusters.cluster(placement.key)
        services = [str(target.endpoint.attributes[SERVICE_ATTRIBUTE]) for target in targets]
        primary = manifests.ingress(hostname, placement.namespace, placement.ingress_class,
                                    services[0])
        canary = manifests.ingress(
            hostname, placement.namespace, placement.ingress_class, services[-1],
            canary_weight=(targets[-1].weight, sum(target.weight for target in targets))) \
            if len(targets) == 2 else None
        await asyncio.to_thread(cluster.apply, primary)
        if canary is not None:
            await asyncio.to_thread(cluster.apply, canary)
        else:
            await asyncio.to_thread(cluster.delete, "Ingress", placement.namespace,
                                    manifests.ingress_name(hostname, canary=True))
        await self._moved(hostname, placement)

    async def _moved(self, hostname: str, placement: Placement) -> None:
        """Record ``hostname`` at ``placement``, deleting its Ingresses where it was before."""
        before = self.hosts.get(hostname)
        self.hosts[hostname] = placement
        if before is not None and (before.key, before.namespace) != (placement.key,
                                                                      placement.namespace):
            await self._delete(hostname, before)

    async def _delete(self, hostname: str, placement: Placement) -> None:
        cluster = self.clusters.cluster(placement.key)
        for canary in (True, False):
            await asyncio.to_thread(cluster.delete, "Ingress", placement.namespace,
                                    manifests.ingress_name(hostname, canary=canary))

    async def unbind(self, hostname: str) -> None:
        """Delete the hostname's Ingress objects, where this edge bound them or, when it has
        not since it started, wherever a connected cluster has them (found by label)."""
        hostname = _host(hostname)
        placement = self.hosts.pop(hostname, None)
        places = [placement] if placement is not None else await self._found(hostname)
        for place in places:
            await self._delete(hostname, place)

    async def _found(self, hostname: str) -> list[Placement]:
        label = f"{manifests.HOST_LABEL}={manifests.ingress_name(hostname)}"
        places = set()
        for key, cluster in list(self.clusters.connected.items()):
            for item in await asyncio.to_thread(cluster.ingresses, label):
                places.add(Placement(key, item["metadata"]["namespace"]))
        return sorted(places, key=lambda place: (place.key, place.namespace))

    async def redirect(self, hostname: str, target: str, status: int) -> None:
        """Raises ValueError for a status that is no redirect, a target that is no hostname,
        or a hostname in no known cluster (neither bound there nor the server's own)."""
        if status not in REDIRECT_STATUSES:
            raise ValueError(f"{status} is not a redirect status")
        if not HOSTNAME.fullmatch(target.lower()):
            raise ValueError(f"redirect target {target!r} is not a hostname")
        hostname = _host(hostname)
        placement = self.hosts.get(hostname) or self.clusters.default
        if placement is None:
            raise ValueError(f"no cluster to redirect {hostname} on: configure the server's "
                             "own cluster (AUTOSTACK_KUBECONFIG) or bind it first")
        cluster = self.clusters.cluster(placement.key)
        await asyncio.to_thread(cluster.apply, manifests.namespace(placement.namespace))
        await asyncio.to_thread(cluster.apply, manifests.ingress(
            hostname, placement.namespace, placement.ingress_class, REDIRECT_SERVICE,
            redirect=(target.lower(), status)))
        await asyncio.to_thread(cluster.delete, "Ingress", placement.namespace,
                                manifests.ingress_name(hostname, canary=True))
        await self._moved(hostname, placement)

    async def protect(self, hostname: str, protection: Protection | None) -> None:
        if protection is not None:
            raise NotImplementedError("the kubernetes edge does not protect deployments yet: "
                                      "use the local edge for protected projects")

    async def certificate(self, hostname: str) -> Certificate:
        return Certificate(CertificateStatus.NONE)

    async def skew_protection(self, hostname: str, seconds: int) -> None:
        if seconds:
            raise NotImplementedError("the kubernetes edge has no skew protection")

    async def traffic(self, hostname: str, since: datetime) -> dict[str, TrafficCount]:
        raise NotImplementedError("the kubernetes edge does not count requests")

    def public_url(self, hostname: str) -> str:
        return f"http://{_host(hostname)}"


def _placement_of(targets: Sequence[WeightedEndpoint]) -> Placement:
    if not targets:
        raise ValueError("no targets to bind to")
    if len(targets) > 2:
        raise ValueError(f"{len(targets)} targets: an ingress-nginx hostname splits between "
                         "two releases at most")
    if any(target.weight < 0 for target in targets) or not any(t.weight for t in targets):
        raise ValueError("weights must be >= 0 and one of them > 0")
    places = set()
    for target in targets:
        attributes = target.endpoint.attributes
        if CLUSTER_ATTRIBUTE not in attributes:
            raise ValueError(f"{target.endpoint.url} is not a release on a Kubernetes runtime")
        places.add(Placement(str(attributes[CLUSTER_ATTRIBUTE]),
                             str(attributes[NAMESPACE_ATTRIBUTE]),
                             str(attributes[INGRESS_CLASS_ATTRIBUTE])))
    if len(places) > 1:
        raise ValueError("the targets are in different clusters or namespaces")
    return places.pop()


def _host(hostname: str) -> str:
    return hostname.lower().rstrip(".").split(":", 1)[0]
