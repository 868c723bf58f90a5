"""Configured pipeline steps run by the real pipeline, and approvals before production.

Deployments go through the real pipeline (upload, detection, the sandboxed static
build, store) onto the null pair (plugins/providers/null/: the runtime and the edge in
memory), so what is promoted is what the null edge's production alias serves.
"""

from __future__ import annotations

from typing import Any

import httpx

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Deployment,
    DeploymentLog,
    Project,
    Role,
    User,
)
from autostack_core.services import deployments
from autostack_plugins.providers import null
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.null_pair import autostack, site
from tests.upload_deploy import deploy_files

__all__ = ["api", "autostack", "owner", "site"]

SITE = {"index.html": "<h1>v1</h1>"}


def statuses(deployment: Deployment) -> dict[str, str]:
    assert deployment.pipeline is not None
    return {step["id"]: step["status"] for step in deployment.pipeline["steps"]}


async def log_of(deployment: Deployment, step: str) -> list[str]:
    return [line.line for line in
            await DeploymentLog.filter(deployment_id=deployment.id, step=step).order_by("id")]


async def serving(app: AutoStack) -> str | None:
    current = await deployments.production_deployment(app, await Project.get(name="site"))
    return None if current is None else current.id


def pipeline(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": "install"}, {"kind": "build"}, *middle, {"kind": "deploy"}]


async def test_steps_run_in_the_sandbox_with_their_own_log_and_status(
    autostack: AutoStack, site: Project
) -> None:
    site.settings = {"pipeline": pipeline(
        {"id": "unit", "kind": "test", "command": "test -f index.html && echo tested in $PWD"},
        {"id": "prod-only", "kind": "check", "command": "exit 1", "when": "production"})}
    await site.save()
    deployment = await deploy_files(autostack, site, SITE, target="preview")
    assert deployment.state == "ready", deployment.error_message
    assert statuses(deployment) == {"install": "passed", "build": "passed", "unit": "passed",
                                    "prod-only": "skipped", "deploy": "passed"}
    assert deployment.pipeline is not None and deployment.pipeline["source"] == \
        "project settings"
    lines = await log_of(deployment, "unit")
    assert lines[0].startswith("$ test -f index.html")
    assert "tested in /workspace" in lines  # the sandbox's view, not the host's folder


async def test_a_failing_step_fails_the_deployment_and_nothing_is_promoted(
    autostack: AutoStack, site: Project
) -> None:
    site.settings = {"pipeline": pipeline(
        {"id": "lint", "kind": "lint", "command": "echo 'bad style' >&2; exit 3"},
        {"id": "after", "kind": "check", "command": "true"})}
    await site.save()
    deployment = await deploy_files(autostack, site, SITE)
    assert deployment.state == "error"
    assert "lint step `Lint` (`echo 'bad style' >&2; exit 3`) exited with code 3" in \
        (deployment.error_message or "")
    assert statuses(deployment) == {"install": "passed", "build": "passed", "lint": "failed",
                                    "after": "pending", "deploy": "pending"}
    assert "bad style" in await log_of(deployment, "lint")
    assert await serving(autostack) is None


async def test_the_repository_pipeline_wins_and_a_bad_one_fails_the_build(
    autostack: AutoStack, site: Project
) -> None:
    site.settings = {"pipeline": pipeline({"kind": "test", "command": "exit 1"})}
    await site.save()
    repository = '{"pipeline": [{"kind": "install"}, {"kind": "build"}, ' \
                 '{"kind": "test", "command": "true"}, {"kind": "deploy"}]}'
    deployment = await deploy_files(autostack, site, {**SITE, "autostack.json": repository})
    assert deployment.state == "ready", deployment.error_message
    assert deployment.pipeline is not None and deployment.pipeline["source"] == "autostack.json"
    bad = await deploy_files(autostack, site, {**SITE, "autostack.json": '{"pipeline": []}'})
    assert bad.state == "error"
    assert "autostack.json pipeline: must hold 1 to 20 steps" in (bad.error_message or "")


async def test_an_approval_holds_production_until_a_member_approves(
    autostack: AutoStack, site: Project, owner: User
) -> None:
    first = await deploy_files(autostack, site, SITE)
    assert await serving(autostack) == first.id
    site.settings = {"pipeline": pipeline({"kind": "approval"})}
    await site.save()
    held = await deploy_files(autostack, site, {"index.html": "<h1>v2</h1>"})
    assert held.state == "ready", held.error_message
    assert statuses(held)["approval"] == "waiting"
    assert await serving(autostack) == first.id  # still the first
    preview = await deploy_files(autostack, site, SITE, target="preview")
    assert statuses(preview)["approval"] == "skipped"

    viewer = await add_user(await personal_team(owner), "viewer@example.com", Role.VIEWER)
    async with client_for(autostack, await token_for(viewer)) as client:
        refused = await client.post(f"/api/v1/deployments/{held.id}/approve")
    assert refused.status_code == 403
    async with client_for(autostack, await token_for(owner)) as client:
        answer = await client.post(f"/api/v1/deployments/{held.id}/approve")
        assert answer.status_code == 200, answer.text
        assert await serving(autostack) == held.id
        again = await client.post(f"/api/v1/deployments/{held.id}/approve")
        assert again.status_code == 409
        not_waiting = await client.post(f"/api/v1/deployments/{preview.id}/approve")
        assert not_waiting.status_code == 409
    approved = await Deployment.get(id=held.id)
    assert statuses(approved)["approval"] == "approved"
    assert approved.pipeline is not None and approved.pipeline["approval"]["by"] == owner.email
    assert await AuditEvent.filter(action="deployment.approved", target_id=held.id).exists()
    edge = autostack.edge
    assert isinstance(edge, null.NullEdge)
    assert (await edge.fetch("site.localhost")).text == "<h1>v2</h1>"


async def test_the_api_shows_and_sets_the_pipeline(
    api: httpx.AsyncClient, site: Project
) -> None:
    shown = (await api.get("/api/v1/projects/site/pipeline")).json()
    assert shown["source"] == "defaults"
    assert [step["kind"] for step in shown["steps"]] == ["install", "build", "deploy"]
    assert "autostack.json" in shown["repository_wins"]
    steps = [{"kind": "install"}, {"kind": "build"},
             {"kind": "test", "name": "Unit", "command": "npm test"}, {"kind": "deploy"}]
    answer = await api.put("/api/v1/projects/site/pipeline", json={"steps": steps})
    assert answer.status_code == 200, answer.text
    assert answer.json()["source"] == "project settings"
    assert [step["id"] for step in answer.json()["steps"]] == \
        ["install", "build", "test-3", "deploy"]
    bad = await api.put("/api/v1/projects/site/pipeline", json={"steps": [
        {"kind": "install"}, {"kind": "build"}, {"kind": "test"}, {"kind": "deploy"}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "steps[2].command"
    stored = await Project.get(name="site")
    assert stored.settings["pipeline"][2]["command"] == "npm test"
    assert await AuditEvent.filter(action="project.pipeline_changed").count() == 1


async def test_promoting_a_waiting_deployment_by_hand_approves_it(
    autostack: AutoStack, site: Project, owner: User
) -> None:
    site.settings = {"pipeline": pipeline({"kind": "approval"})}
    await site.save()
    held = await deploy_files(autostack, site, SITE)
    assert await serving(autostack) is None
    async with client_for(autostack, await token_for(owner)) as client:
        shown = (await client.get(f"/api/v1/deployments/{held.id}")).json()
        assert [step["status"] for step in shown["pipeline"]["steps"]] == \
            ["passed", "passed", "waiting", "passed"]
        promoted = await client.post(f"/api/v1/deployments/{held.id}/promote")
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["pipeline"]["approval"]["by"] == owner.email
    assert await serving(autostack) == held.id
    assert await AuditEvent.filter(action="deployment.approved", target_id=held.id).exists()
