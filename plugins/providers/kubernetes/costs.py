"""What a release on the ``kubernetes`` runtime costs: its pods' requests at Fargate's
prices (:mod:`.prices`), estimated ahead and measured while it runs (:mod:`.meter`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from autostack_core.config import Settings
from autostack_core.interfaces.cost import Cost, PriceTable, Usage
from autostack_core.interfaces.runtime import CostEstimate, Release
from autostack_core.interfaces.usage import ResourceUsage
from autostack_plugins.providers.kubernetes import meter, prices

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.clusters import Clusters, Placement


class ReleaseCosts:
    """The runtime's cost methods; :class:`.runtime.KubernetesRuntime` has the rest."""

    name: str
    settings: Settings
    clusters: Clusters

    if TYPE_CHECKING:
        async def _placement(self, release_id: str) -> Placement | None: ...

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """What the release's running pods request (:mod:`.meter`); None when none runs."""
        placement = await self._placement(release_id)
        if placement is None:
            return None
        cluster = self.clusters.cluster(placement.key)
        pods = await asyncio.to_thread(cluster.pods, placement.namespace, release_id)
        usage: ResourceUsage | None = meter.reading(pods)
        return usage

    def cost_estimate(self, release: Release) -> CostEstimate:
        """The release's resource requests at Fargate's prices (:mod:`.prices`), for its most
        replicas."""
        replicas = 0 if release.policy.scale_to_zero else max(release.policy.max_replicas, 1)
        hourly = replicas * prices.estimate(self.price_table(), self.settings,
                                            Usage(0.0, 0.0, hours=1.0)).total
        return CostEstimate.of_hourly(hourly)

    def price_table(self) -> PriceTable:
        table: PriceTable = prices.price_table(self.name)
        return table

    def estimate_cost(self, usage: Usage) -> Cost:
        """``usage``'s pod-hours at Fargate's prices for the pod's requests."""
        cost: Cost = prices.estimate(self.price_table(), self.settings, usage)
        return cost
