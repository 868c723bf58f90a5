"""An alias of an ACI project, bound by the core, lands on the local edge as a remote release.

The path ``autostack up`` takes (``releases.bind``: publish the stored output, deploy it
on the project's runtime, bind the hostname on the server's edge) with the real ``aci``
runtime against :mod:`tests.aci_standin` (**a mock of Azure, allowed because none is
reachable**) and the real local edge, whose Caddy is not started here (a binding
changes files only; ``tests/e2e/test_remote_edge.py`` serves through a real Caddy).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, DeploymentState, Project, User
from autostack_core.infrastructure.store import Store
from autostack_core.services import releases
from autostack_plugins.providers.local.edge import Edge
from autostack_plugins.providers.local.local_edge import LocalEdge
from tests.aci_standin import AciStandIn, FakeToken, aci_standin, team
from tests.fixtures_auth import owner, personal_team
from tests.kube_standin import standin_image

pytest.importorskip("azure.mgmt.containerinstance")
from autostack_plugins.providers.aci.runtime import AciRuntime

__all__ = ["aci_standin", "owner"]


def image_output(autostack: AutoStack) -> str:
    """An image build output (``image.json``) in the server's store; its manifest hash."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in standin_image("v1").items():
            Path(folder, name).write_bytes(data)
        manifest_hash, _ = Store(autostack.settings.path("store")).put_tree(Path(folder))
    return manifest_hash


async def test_an_aci_projects_alias_is_proxied_by_the_local_edge(
    autostack: AutoStack, owner: User, aci_standin: AciStandIn
) -> None:
    def credential(values: Mapping[str, str]) -> Any:
        return FakeToken()

    autostack.runtimes["aci"] = AciRuntime(autostack.settings, team(aci_standin),
                                           credential=credential)
    edge = Edge(autostack.settings)

    async def no_caddy() -> None:
        return None

    edge._apply_profiles = no_caddy  # type: ignore[method-assign]
    edge.hosts_dir.mkdir(parents=True, exist_ok=True)
    autostack.edge = LocalEdge(edge)
    project = await Project.create(name="shop", team=await personal_team(owner), user=owner,
                                   provider="aci")
    deployment = await Deployment.create(project=project, state=DeploymentState.READY,
                                         output_manifest_hash=image_output(autostack))

    await releases.bind(autostack, project, deployment, "shop.localhost")

    assert len(aci_standin.groups) == 1  # the runtime made the container group
    folder = edge.deployments_dir / deployment.id
    linked = (edge.hosts_dir / "shop.localhost").resolve()  # its folder (``s``: skew window)
    assert folder.resolve() in (linked, *linked.parents)
    (upstream,) = [path.name for path in folder.glob("remote@*")]
    group = f"autostack-shop-{deployment.id.lower()}.eastus.azurecontainer.io"
    assert upstream == f"remote@{group}@{group}@8080"
