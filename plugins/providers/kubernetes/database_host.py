"""One-click databases on the ``kubernetes`` runtime (the core's ``ServiceHost``): each
database's objects (:mod:`.service_manifests`) in the namespace its team's releases use."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from autostack_core.interfaces.services import ServiceImage
from autostack_plugins.providers.kubernetes import manifests, service_manifests

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.cluster import Cluster
    from autostack_plugins.providers.kubernetes.clusters import Clusters, Placement


class DatabaseHost:
    """The runtime's database methods; :class:`.runtime.KubernetesRuntime` has the rest."""

    service_listen = "0.0.0.0"
    """Databases listen on their pod's address, behind their Service."""
    clusters: Clusters

    if TYPE_CHECKING:
        def merged(self, config: Mapping[str, str]) -> dict[str, str]: ...
        async def place(self, config: Mapping[str, str], team: str = "") -> Placement: ...
        async def pull_secret(self, cluster: Cluster, namespace: str,
                              values: Mapping[str, str]) -> str | None: ...

    async def run_service(self, service_id: str, image: ServiceImage, data_dir: Path,
                          team: str, config: Mapping[str, str]) -> str:
        """Apply the database's Secret, claim, StatefulSet and Service in the team's
        namespace (its data on the claim, not in ``data_dir``); the Service's host name.
        With a registry login the pod pulls through it (:mod:`.registry`)."""
        placement = await self.place(config, team)
        cluster = self.clusters.cluster(placement.key)
        await asyncio.to_thread(cluster.apply, manifests.namespace(placement.namespace))
        pull = await self.pull_secret(cluster, placement.namespace, self.merged(config))
        for manifest in service_manifests.objects(service_id, placement.namespace, image,
                                                  pull_secret=pull):
            await asyncio.to_thread(cluster.apply, manifest)
        self.clusters.services[service_id] = placement
        return f"{service_id}.{placement.namespace}.svc"

    async def service_running(self, service_id: str) -> bool:
        """Whether its StatefulSet has a ready pod (as far as this process applied it)."""
        placement = self.clusters.services.get(service_id)
        if placement is None:
            return False
        found = await asyncio.to_thread(self.clusters.cluster(placement.key).read,
                                        "StatefulSet", placement.namespace, service_id)
        return bool(found and (found.get("status") or {}).get("readyReplicas"))

    async def remove_service(self, service_id: str, team: str,
                             config: Mapping[str, str]) -> None:
        """Delete the database's objects, its claim (and so its data) last."""
        placement = await self.place(config, team)
        cluster = self.clusters.cluster(placement.key)
        for kind, name in service_manifests.kinds_and_names(service_id):
            await asyncio.to_thread(cluster.delete, kind, placement.namespace, name)
        self.clusters.services.pop(service_id, None)

