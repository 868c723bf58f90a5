"""One-click databases on the ``kubernetes`` runtime (the core's ``ServiceHost`` and
``ServiceBackupHost``): each database's objects (:mod:`.service_manifests`) in the
namespace its team's releases use, and its backups.

A backup is ``kubectl exec``'s way: the image's :attr:`ServiceImage.backup_script`
(``pg_dump -Fc``, ``redis-cli --rdb -``) runs in the database's own pod through the
``pods/exec`` websocket and its standard output is streamed into the backup file on
this server; a restore streams the file into :attr:`ServiceImage.restore_script`. So
the dump is made by the image's own tools (the server's version), nothing needs a way
from the cluster to this server, and no size limit applies but :data:`.cluster.EXEC_SECONDS`.
AutoStack's identity needs ``create`` on ``pods/exec`` in the namespace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from autostack_core.interfaces.services import ServiceImage
from autostack_plugins.providers.kubernetes import manifests, service_manifests
from autostack_plugins.providers.kubernetes.clusters import ClusterError
from autostack_plugins.providers.kubernetes.service_manifests import CONTAINER

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

    async def backup_service(self, service_id: str, image: ServiceImage, target: Path,
                             team: str, config: Mapping[str, str]) -> None:
        """Stream ``image.backup_script``'s output, run in the database's pod, into
        ``target``; RuntimeError naming the pod and the script's errors."""
        placement = await self.place(config, team)
        cluster = self.clusters.cluster(placement.key)

        def dump() -> None:
            with target.open("wb") as output:
                cluster.exec(placement.namespace, pod_of(service_id), CONTAINER,
                             ["sh", "-c", image.backup_script], output=output)

        try:
            await asyncio.to_thread(dump)
        except ClusterError as error:
            raise RuntimeError(str(error)) from error

    async def restore_service(self, service_id: str, image: ServiceImage, source: Path,
                              team: str, config: Mapping[str, str]) -> None:
        """Stream ``source`` into ``image.restore_script`` run in the database's pod (its
        size as ``$1``: the script reads exactly that much)."""
        placement = await self.place(config, team)
        cluster = self.clusters.cluster(placement.key)

        def load() -> None:
            with source.open("rb") as data:
                cluster.exec(placement.namespace, pod_of(service_id), CONTAINER,
                             ["sh", "-c", image.restore_script, "sh",
                              str(source.stat().st_size)], source=data)

        try:
            await asyncio.to_thread(load)
        except ClusterError as error:
            raise RuntimeError(str(error)) from error


def pod_of(service_id: str) -> str:
    """The database's pod: its StatefulSet's only one, ``<name>-0``."""
    return f"{service_id}-0"
