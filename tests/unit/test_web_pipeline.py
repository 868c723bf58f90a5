"""The pipeline on the dashboard: the diagram and its editor on the project page (plain
forms), and a deployment's steps with their statuses and the approval button.

The same service as the API (tests/unit/test_pipeline_steps.py, where steps really run
and an approval promotes); here what an admin submits and everyone sees.
"""

from __future__ import annotations

import re

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Deployment, Project, Role, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import log_in, signed_in

__all__ = ["owner", "signed_in"]

Client = tuple[httpx.AsyncClient, str]


def steps_on(page: str) -> list[str]:
    return re.findall(r'class="pipeline-step[^"]*" data-step="([^"]+)"', page)


async def stored(name: str = "app") -> list[str]:
    return [step["id"] for step in (await Project.get(name=name)).settings["pipeline"]]


async def test_admins_edit_the_pipeline_on_the_project_page(
    autostack: AutoStack, owner: User, signed_in: Client
) -> None:
    http, token = signed_in
    await Project.create(name="app", team=await personal_team(owner), user=owner)
    page = (await http.get("/projects/app")).text
    assert steps_on(page) == ["install", "build", "deploy"]
    assert "From defaults" in page and "the repository wins" in page

    async def post(action: str, **data: str) -> httpx.Response:
        return await http.post(f"/projects/app/pipeline/{action}",
                               data={"csrf_token": token, **data})

    added = await post("add", kind="test", name="Unit tests", command="npm test")
    assert added.status_code == 303 and added.headers["location"] == "/projects/app#pipeline"
    assert await post("approval", required="on") is not None
    assert await stored() == ["install", "build", "test-1", "approval", "deploy"]
    page = (await http.get("/projects/app")).text
    assert steps_on(page) == ["install", "build", "test-1", "approval", "deploy"]
    assert "<code>npm test</code>" in page and "Stop requiring approval" in page

    moved = await http.post("/projects/app/pipeline/move?step=test-1&by=1",
                            data={"csrf_token": token})
    assert moved.status_code == 303
    assert await stored() == ["install", "build", "approval", "test-1", "deploy"]
    # Install and build move together, and never apart.
    await http.post("/projects/app/pipeline/move?step=build&by=-1", data={"csrf_token": token})
    assert await stored() == ["install", "build", "approval", "test-1", "deploy"]

    refused = await http.post("/projects/app/pipeline/move?step=test-1&by=1",
                              data={"csrf_token": token})
    assert refused.status_code == 422
    assert "must end with the `deploy` step" in refused.text
    empty = await post("add", kind="lint", name="", command="")
    assert empty.status_code == 422
    assert "pipeline[2].command: must be a non-empty string" in empty.text
    assert await stored() == ["install", "build", "approval", "test-1", "deploy"]

    await http.post("/projects/app/pipeline/remove?step=test-1", data={"csrf_token": token})
    await post("approval", required="off")
    assert await stored() == ["install", "build", "deploy"]


async def test_members_cannot_edit_the_pipeline(autostack: AutoStack, owner: User) -> None:
    await Project.create(name="app", team=await personal_team(owner), user=owner)
    await add_user(await personal_team(owner), "member@example.com", Role.MEMBER)
    async with client_for(autostack) as http:
        token = await log_in(http, "member@example.com")
        page = (await http.get("/projects/app")).text
        assert steps_on(page) == ["install", "build", "deploy"]
        assert "Add step" not in page
        answer = await http.post("/projects/app/pipeline/add", data={
            "csrf_token": token, "kind": "test", "command": "true"})
    assert answer.status_code == 403
    assert "pipeline" not in (await Project.get(name="app")).settings


async def test_a_deployment_shows_its_steps_and_the_approval_button(
    autostack: AutoStack, owner: User, signed_in: Client
) -> None:
    http, _ = signed_in
    project = await Project.create(name="app", team=await personal_team(owner), user=owner)
    steps = [{"id": "install", "kind": "install", "name": "Install", "status": "passed"},
             {"id": "build", "kind": "build", "name": "Build", "status": "passed"},
             {"id": "unit", "kind": "test", "name": "Unit", "command": "npm test",
              "status": "passed"},
             {"id": "approval", "kind": "approval", "name": "Approval", "status": "waiting"},
             {"id": "deploy", "kind": "deploy", "name": "Deploy", "status": "passed"}]
    deployment = await Deployment.create(project=project, state="ready", target="production",
                                         pipeline={"source": "autostack.json", "steps": steps})
    page = (await http.get(f"/deployments/{deployment.id}")).text
    assert re.findall(r'data-step="([^"]+)" data-status="([^"]+)"', page) == \
        [(step["id"], step["status"]) for step in steps]
    assert f'action="/deployments/{deployment.id}/approve"' in page
    assert "From autostack.json." in page
