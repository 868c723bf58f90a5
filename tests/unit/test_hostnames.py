"""Generated hostnames stay with their project: names that would collide are refused,
generated labels that would collide get a hash, and no alias moves to another project.

The provider is a recorder (:mod:`tests.webhook_payloads`); the real edge is in
``tests/e2e/test_hostnames.py``.
"""

from __future__ import annotations

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Project,
    User,
)
from autostack_core.security import accounts
from autostack_core.services import deployments, hostnames
from autostack_plugins.providers.null import NullEdge
from tests.fixtures_auth import PASSWORD, api, client_for, owner, personal_team, token_for
from tests.null_edge import bound, stored_output

__all__ = ["api", "owner"]

BASE = "localhost"


async def ready(project: Project, branch: str | None = None,
                settings: Settings | None = None) -> Deployment:
    """A ready deployment; with ``settings``, with a stored output the runtime can run."""
    output = None if settings is None else stored_output(settings)
    return await Deployment.create(project=project, state=DeploymentState.READY, branch=branch,
                                   output_manifest_hash=output)


@pytest.fixture
async def alpha(owner: User) -> Project:
    """Team A's project ``alpha``, with a ready preview of its branch ``feature``."""
    project = await Project.create(name="alpha", team=await personal_team(owner))
    await Alias.create(hostname="alpha-git-feature.localhost", project=project,
                       deployment=await ready(project, "feature"), kind=AliasKind.BRANCH,
                       branch="feature")
    await Alias.create(hostname="alpha-pr-7.localhost", project=project,
                       deployment=await ready(project, "feature"), kind=AliasKind.PULL_REQUEST)
    await Alias.create(hostname="alpha-k3j9x0q2ab.localhost", project=project,
                       deployment=await ready(project), kind=AliasKind.DEPLOYMENT)
    return project


@pytest.fixture
async def team_b(autostack: AutoStack) -> httpx.AsyncClient:
    other = await accounts.create_user("mallory@example.com", PASSWORD)
    return client_for(autostack, await token_for(other))


@pytest.mark.parametrize("name", ["alpha-git-feature", "alpha-pr-7", "alpha-k3j9x0q2ab"])
async def test_a_project_named_like_another_teams_preview_is_refused(
    alpha: Project, team_b: httpx.AsyncClient, name: str
) -> None:
    async with team_b:
        response = await team_b.post("/api/v1/projects", json={"name": name})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "name" and f"{name}.localhost" in error["message"]
    assert not await Project.exists(name=name)


async def test_a_name_free_of_every_alias_is_accepted(
    alpha: Project, team_b: httpx.AsyncClient
) -> None:
    async with team_b:
        response = await team_b.post("/api/v1/projects", json={"name": "alpha-git"})
    assert response.status_code == 201, response.text


async def test_a_branch_preview_does_not_take_an_existing_projects_name(
    autostack: AutoStack, owner: User, null_edge: NullEdge
) -> None:
    """``alpha-git-feature`` of team B existed first; alpha's branch ``feature`` gets a hash."""
    other = await accounts.create_user("bob@example.com", PASSWORD)
    squatter = await Project.create(name="alpha-git-feature", team=await personal_team(other))
    alpha = await Project.create(name="alpha", team=await personal_team(owner))

    hostname = await hostnames.branch_hostname(alpha, "feature", BASE)
    label = hostname.removesuffix(".localhost")
    assert label != squatter.name and label.startswith("alpha-git-feature-")
    assert len(label) <= 63
    preview = await ready(alpha, "feature", autostack.settings)
    await deployments.point_alias(autostack, alpha, preview, hostname, AliasKind.BRANCH,
                                  branch="feature")
    # Asked again (the next push), the branch keeps its hostname.
    assert await hostnames.branch_hostname(alpha, "feature", BASE) == hostname
    assert bound(null_edge) == [hostname]


async def test_an_alias_of_another_project_never_moves(
    autostack: AutoStack, alpha: Project, null_edge: NullEdge
) -> None:
    """A project that already has a colliding name (made before names were checked)."""
    other = await accounts.create_user("bob@example.com", PASSWORD)
    squatter = await Project.create(name="alpha-git-feature", team=await personal_team(other))
    before = await Alias.get(hostname="alpha-git-feature.localhost")

    with pytest.raises(ApiError) as refused:
        await deployments.promote(autostack, squatter, await ready(squatter))
    assert refused.value.status == 409 and refused.value.field == "hostname"
    after = await Alias.get(hostname="alpha-git-feature.localhost")
    assert after.project_id == alpha.id  # type: ignore[attr-defined]
    assert after.deployment_id == before.deployment_id  # type: ignore[attr-defined]
    assert bound(null_edge) == []


async def test_another_projects_pull_request_label_gets_a_hash(
    autostack: AutoStack, owner: User
) -> None:
    """Project ``alpha-git``'s PR 3 and project ``alpha``'s branch ``pr-3`` share a label."""
    alpha = await Project.create(name="alpha", team=await personal_team(owner))
    alpha_git = await Project.create(name="alpha-git", team=await personal_team(owner))
    await Alias.create(hostname="alpha-git-pr-3.localhost", project=alpha,
                       deployment=await ready(alpha, "pr-3"), kind=AliasKind.BRANCH,
                       branch="pr-3")
    hostname = await hostnames.pull_request_hostname(alpha_git, 3, BASE)
    assert hostname != "alpha-git-pr-3.localhost"
    assert hostname.startswith("alpha-git-pr-3-")


async def test_long_branches_sharing_63_characters_get_distinct_hostnames(
    autostack: AutoStack, owner: User, null_edge: NullEdge
) -> None:
    project = await Project.create(name="a" * 48, team=await personal_team(owner))
    first, second = "feature/" + "x" * 60 + "-one", "feature/" + "x" * 60 + "-two"
    one = await hostnames.branch_hostname(project, first, BASE)
    preview = await ready(project, first, autostack.settings)
    await deployments.point_alias(autostack, project, preview, one, AliasKind.BRANCH,
                                  branch=first)
    two = await hostnames.branch_hostname(project, second, BASE)
    assert one != two
    assert all(len(host.removesuffix(".localhost")) <= 63 for host in (one, two))


async def test_two_branches_with_one_slug_get_distinct_hostnames(
    autostack: AutoStack, owner: User, null_edge: NullEdge
) -> None:
    project = await Project.create(name="web", team=await personal_team(owner))
    plain = await hostnames.branch_hostname(project, "feature/x", BASE)
    assert plain == "web-git-feature-x.localhost"
    preview = await ready(project, "feature/x", autostack.settings)
    await deployments.point_alias(autostack, project, preview, plain, AliasKind.BRANCH,
                                  branch="feature/x")
    other = await hostnames.branch_hostname(project, "feature-x", BASE)
    assert other != plain and other.startswith("web-git-feature-x-")
