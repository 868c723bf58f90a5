"""Databases of Cloud Run and ACI projects: refused, naming the field, nothing made.

Those runtimes run no databases (they are not ``ServiceHost``s) and their apps, in
Google's or Azure's network, cannot reach this server's loopback: a database made
here for them would be one they never reach. The runtimes are the real plugin
classes, unconfigured (nothing is sent to a cloud: creating and linking a database
never calls them).
"""

from __future__ import annotations

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Database, DatabaseLink, Project, User
from autostack_core.services import databases
from autostack_plugins.providers.aci.runtime import AciRuntime
from autostack_plugins.providers.cloudrun.runtime import CloudRunRuntime
from tests.fixtures_auth import api, owner, personal_team

__all__ = ["api", "owner"]


@pytest.fixture
async def cloud_projects(autostack: AutoStack, owner: User) -> list[Project]:
    autostack.runtimes["cloudrun"] = CloudRunRuntime(autostack.settings)
    autostack.runtimes["aci"] = AciRuntime(autostack.settings)
    team = await personal_team(owner)
    return [await Project.create(name=f"on-{provider}", team=team, user=owner,
                                 provider=provider) for provider in ("cloudrun", "aci")]


async def test_creating_one_for_a_cloud_run_or_aci_project_is_refused_naming_the_project(
        api: httpx.AsyncClient, cloud_projects: list[Project]) -> None:
    for project in cloud_projects:
        for answer in (
                await api.post(f"/api/v1/projects/{project.name}/databases",
                               json={"name": "db", "type": "redis"}),
                await api.post("/api/v1/teams/olivia/databases",
                               json={"name": "db", "type": "redis", "project": project.name})):
            assert answer.status_code == 422, answer.text
            assert (f"project: {project.name} runs on the {project.provider} runtime, "
                    "which runs no databases") in answer.text
    assert await Database.all().count() == 0


async def test_a_local_team_database_cannot_be_linked_to_them(
        autostack: AutoStack, api: httpx.AsyncClient, owner: User,
        cloud_projects: list[Project]) -> None:
    service = await databases.service_for(autostack, "redis")
    team = await personal_team(owner)
    await databases.create(team, "cache", service, None)
    await Project.create(name="site", team=team, user=owner)
    for project in cloud_projects:
        answer = await api.post("/api/v1/teams/olivia/databases/cache/links",
                                json={"project": project.name})
        assert answer.status_code == 422, answer.text
        assert f"project: {project.name} runs on" in answer.text
        assert "cannot reach cache (it runs on local)" in answer.text
    assert await DatabaseLink.all().count() == 0
    linked = await api.post("/api/v1/teams/olivia/databases/cache/links", json={"project": "site"})
    assert linked.status_code == 201, "a project on the local runtime still links"
