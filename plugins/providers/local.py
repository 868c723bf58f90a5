"""The local provider: deployments served by the embedded Caddy edge on this machine.

Static output (``static/`` plus ``config.json`` routes) is served by Caddy
itself through :class:`autostack_core.edge.Edge`. Server apps and functions
(a ``server`` entry, ``functions/``) will run as sandboxed processes behind
``reverse_proxy``; :meth:`LocalProvider.deploy` refuses them until then.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from autostack_core import hookimpl
from autostack_core.config import Settings
from autostack_core.edge import Edge, EdgeDeployment, EdgeError
from autostack_core.interfaces import DeploymentSpec


def read_output_config(output_dir: Path) -> dict[str, Any]:
    """The Build Output ``config.json`` of ``output_dir`` (``{}`` when absent)."""
    path = output_dir / "config.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise EdgeError(f"{path} is not a JSON object")
    return data


def edge_deployment(spec: DeploymentSpec) -> EdgeDeployment:
    """What the edge needs to serve ``spec``'s static output."""
    static = spec.output_dir / "static"
    if not static.is_dir():
        raise EdgeError(f"build output has no static/ folder: {spec.output_dir}")
    return EdgeDeployment(
        id=spec.id,
        root=str(static),
        hostnames=list(spec.hostnames),
        config=read_output_config(spec.output_dir),
        has_404_page=(static / "404.html").is_file(),
    )


class LocalProvider:
    """Runs deployments on this machine (the default provider, ``local``)."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.edge = Edge(settings)

    async def start(self) -> None:
        """Start or re-adopt the edge and serve what the saved state says."""
        await self.edge.start()

    async def stop(self) -> None:
        """Stop the Caddy this provider started (an adopted one keeps serving)."""
        await self.edge.stop()

    async def deploy(self, spec: DeploymentSpec) -> None:
        """Serve ``spec.output_dir`` on ``spec.hostnames``."""
        if any((spec.output_dir / "functions").glob("*.func")) or spec.config.get("server"):
            raise EdgeError("server apps and functions are not supported by the local "
                            "provider yet; only static output can be deployed")
        await self.edge.deploy(edge_deployment(spec))

    async def route(self, hostname: str, spec: DeploymentSpec) -> None:
        """Point ``hostname`` at ``spec``'s deployment, deploying it first if the edge lost it."""
        if spec.id not in self.edge.state.deployments:
            await self.deploy(spec)
        await self.edge.alias(hostname, spec.id)

    async def unroute(self, hostname: str) -> None:
        await self.edge.unalias(hostname)

    async def destroy(self, deployment_id: str) -> None:
        await self.edge.remove(deployment_id)

    async def scale(self, deployment_id: str, replicas: int) -> None:
        """Record ``replicas``; a static deployment is served by the edge whatever the count."""
        await self.edge.set_replicas(deployment_id, replicas)

    async def status(self, deployment_id: str) -> str:
        """``ready`` while the edge serves the deployment, else ``absent``."""
        return "ready" if deployment_id in self.edge.state.deployments else "absent"

    async def logs(self, deployment_id: str) -> AsyncIterator[str]:
        """Runtime logs: a static deployment has none (access logs feed analytics)."""
        lines: list[str] = []
        for line in lines:
            yield line

    def cost_estimate(self, spec: DeploymentSpec) -> dict[str, Any]:
        """Running on your own machine costs nothing extra."""
        return {"currency": "USD", "monthly": 0.0, "hourly": 0.0}


@hookimpl
def register_providers(settings: Settings) -> list[LocalProvider]:
    return [LocalProvider(settings)]


@hookimpl
async def startup(app: Any) -> None:
    provider = app.providers.get("local")
    if isinstance(provider, LocalProvider):
        await provider.start()


@hookimpl
async def shutdown(app: Any) -> None:
    provider = app.providers.get("local")
    if isinstance(provider, LocalProvider):
        await provider.stop()
