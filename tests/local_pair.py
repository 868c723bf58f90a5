"""The local runtime and edge driven directly, the way the core drives them.

For end-to-end tests and benchmarks of the local machinery without a server:
both come from the local plugin's ``register_runtimes`` and ``register_edges``
(so they share one Caddy), a build output folder is the artifact, and an alias
move is ``runtime.deploy`` then ``edge.bind``, as in
:func:`autostack_core.services.releases.bind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from autostack_core.config import Settings
from autostack_core.interfaces.edge import WeightedEndpoint
from autostack_core.interfaces.runtime import ArtifactReference, Endpoint, Release, ScalePolicy
from autostack_plugins.providers.local import plugin
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_runtime import LocalRuntime


def release(release_id: str, output: Path, *hostnames: str, project: str = "site",
            env: Mapping[str, str] | None = None,
            policy: ScalePolicy | None = None) -> Release:
    """A release of the build output in ``output``, served on its own ``hostnames``."""
    return Release(id=release_id, project=project,
                   artifact=ArtifactReference("local", str(output)), env=dict(env or {}),
                   policy=policy or ScalePolicy(), hostnames=hostnames)


class LocalPair:
    """The ``local`` runtime and edge of one data folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        runtime, _containers = plugin.register_runtimes(settings=settings)
        [self.edge] = plugin.register_edges(settings=settings)
        assert isinstance(runtime, LocalRuntime)
        self.runtime = runtime

    @property
    def caddy(self) -> Edge:
        """The Caddy both share (its state, adoption, hostnames)."""
        return self.runtime.edge

    async def start(self) -> None:
        await self.edge.start()
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.stop()
        await self.edge.stop()

    async def deploy(self, target: Release) -> Endpoint:
        return await self.runtime.deploy(target)

    async def route(self, hostname: str, target: Release) -> None:
        """Point ``hostname`` at ``target`` (deployed, or woken, first)."""
        endpoint = await self.runtime.deploy(target)
        await self.edge.bind(hostname, [WeightedEndpoint(endpoint)])

    async def unroute(self, hostname: str) -> None:
        await self.edge.unbind(hostname)
