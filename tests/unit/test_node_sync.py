"""A node's edge kept equal to the shared database (``autostack_core.services.node_sync``),
on the fast tier's null pair standing in for the local plugin's Caddy: what a node that
built nothing serves after a sync. The real edges of several nodes are
tests/e2e/test_scale_out.py's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Project,
    User,
)
from autostack_core.infrastructure.models.domains import Domain
from autostack_core.services.node_sync import EdgeSync
from tests.fixtures_auth import owner, personal_team
from tests.null_edge import edge_of, null_runtime, stored_output

__all__ = ["owner"]


class NullNodeEdge:
    """What the null pair serves, as the local plugin reports its Caddy's state."""

    runtimes = ("local",)

    def __init__(self, app: AutoStack) -> None:
        self.runtime = null_runtime(app)
        self.edge = edge_of(app)

    def deployments(self) -> set[str]:
        return set(self.runtime.releases)

    def aliases(self) -> dict[str, str]:
        return {hostname: targets[0].endpoint.release_id
                for hostname, targets in self.edge.bindings.items() if len(targets) == 1}

    def splits(self) -> dict[str, dict[str, int]]:
        return {hostname: {target.endpoint.release_id: target.weight for target in targets}
                for hostname, targets in self.edge.bindings.items() if len(targets) > 1}

    def redirects(self) -> dict[str, tuple[str, int]]:
        return dict(self.edge.redirects)


async def ready(autostack: AutoStack, project: Project, html: str) -> Deployment:
    return await Deployment.create(project=project, state=DeploymentState.READY,
                                   target="production",
                                   output_manifest_hash=stored_output(autostack.settings, html))


async def test_a_node_serves_binds_splits_and_drops_what_the_database_says(
        autostack: AutoStack, owner: User) -> None:
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    first, second = await ready(autostack, project, "v1"), await ready(autostack, project, "v2")
    production = f"site.{autostack.settings.base_domain}"
    await Alias.create(hostname=production, project=project, deployment=first,
                       kind=AliasKind.PRODUCTION)
    node = NullNodeEdge(autostack)
    sync = EdgeSync(autostack, node)

    # Built elsewhere: both served here, production bound; a second look changes nothing.
    assert await sync.sync() == 3
    assert node.deployments() == {first.id, second.id}
    assert node.aliases()[production] == first.id
    assert await sync.sync() == 0

    # A split saved by another node's API.
    project.settings = {"split": {"control": first.id, "variants": [
        {"deployment": first.id, "weight": 70}, {"deployment": second.id, "weight": 30}]}}
    await project.save()
    assert await sync.sync() == 1
    assert node.splits()[production] == {first.id: 70, second.id: 30}
    assert await sync.sync() == 0

    # Another node deleted the second deployment (the split ended with it) and the alias.
    project.settings = {}
    await project.save()
    await Deployment.filter(id=second.id).update(deleted_at=datetime.now(UTC))
    assert await sync.sync() == 2
    assert node.deployments() == {first.id} and node.aliases()[production] == first.id
    await Alias.filter(hostname=production).delete()
    assert await sync.sync() == 1
    assert production not in node.aliases()


async def test_a_node_redirects_what_another_node_set(autostack: AutoStack, owner: User) -> None:
    """A custom domain's redirect saved through another node (the domains plugin's row, its
    ``extra_redirects``) is served here; a changed one follows, a removed one stops."""
    project = await Project.create(name="site", team=await personal_team(owner), user=owner)
    await ready(autostack, project, "v1")
    domain = await Domain.create(project=project, domain_name="www.site.test",
                                 redirect_to="site.test", verification_token="t",
                                 is_verified=True)
    node = NullNodeEdge(autostack)
    sync = EdgeSync(autostack, node)
    await sync.sync()
    assert node.redirects() == {"www.site.test": ("site.test", 308)}
    assert await sync.sync() == 0

    domain.redirect_status = 302
    await domain.save()
    assert await sync.sync() == 1
    assert node.redirects() == {"www.site.test": ("site.test", 302)}

    await domain.delete()
    assert await sync.sync() == 1
    assert node.redirects() == {}
