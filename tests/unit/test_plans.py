"""Plans and quotas: admins define plans and assign them, each limit refuses at its action.

Everything through the API as a user would meet it: the 402 names the limit
and the plan, and nothing of the refused action is stored.
"""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Domain,
    Invitation,
    Plan,
    Project,
    Role,
    Team,
    TeamMember,
    User,
)
from autostack_core.services import plans, quotas
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.serving import serving

__all__ = ["api", "owner"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admins=("owner@example.com",))


async def put_on(api: httpx.AsyncClient, team: Team, plan: str | None) -> None:
    response = await api.put(f"/api/v1/teams/{team.slug}/plan", json={"plan": plan})
    assert response.status_code == 200, response.text


async def test_the_seed_tiers_are_there_and_teams_have_no_limits_until_assigned(
    api: httpx.AsyncClient, owner: User,
) -> None:
    listed = (await api.get("/api/v1/plans")).json()
    by_slug = {plan["slug"]: plan for plan in listed["plans"]}
    assert list(by_slug) == ["free", "pro", "enterprise"] and listed["server_admin"] is True
    assert by_slug["free"]["projects"] == 3
    assert by_slug["free"]["bandwidth_bytes_per_month"] == 100 * 10**9
    assert by_slug["pro"]["projects"] is None and by_slug["pro"]["members"] == 5
    assert by_slug["pro"]["bandwidth_bytes_per_month"] == 10**12
    assert by_slug["pro"]["custom_domains"] is None
    assert all(by_slug["enterprise"][limit] is None for limit in plans.LIMITS)
    team = await personal_team(owner)
    usage = (await api.get(f"/api/v1/teams/{team.slug}/usage")).json()
    assert usage["plan"] is None
    assert all(limit["allowed"] is None for limit in usage["limits"])


async def test_a_fourth_project_on_free_is_refused_naming_the_limit_and_the_plan(
    api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await put_on(api, team, "free")
    for name in ("one", "two", "three"):
        assert (await api.post("/api/v1/projects", json={"name": name})).status_code == 201
    refused = await api.post("/api/v1/projects", json={"name": "four"})
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert error["field"] == "projects" and error["code"] == "quota_exceeded"
    assert error["message"].startswith("projects: the Free plan allows 3 projects; "
                                       "this team has 3.")
    assert not await Project.exists(name="four")
    usage = (await api.get(f"/api/v1/teams/{team.slug}/usage")).json()
    assert usage["plan"]["slug"] == "free"
    projects = next(limit for limit in usage["limits"] if limit["limit"] == "projects")
    assert (projects["allowed"], projects["used"], projects["reached"]) == (3, 3, True)
    await put_on(api, team, "pro")
    assert (await api.post("/api/v1/projects", json={"name": "four"})).status_code == 201


async def test_a_sixth_member_on_pro_is_refused_and_invitations_count(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await put_on(api, team, "pro")
    for n in range(3):
        await add_user(team, f"member{n}@example.com", Role.MEMBER)
    invited = await api.post(f"/api/v1/teams/{team.slug}/invitations",
                             json={"email": "fifth@example.com", "role": "member"})
    assert invited.status_code == 201, invited.text  # owner + 3 members + 1 invitation = 5
    sixth = await add_user(await Team.create(name="Other", slug="other", owner=owner),
                           "sixth@example.com", Role.MEMBER)
    refused = await api.post(f"/api/v1/teams/{team.slug}/members",
                             json={"email": sixth.email, "role": "member"})
    assert refused.status_code == 402
    assert refused.json()["error"]["message"].startswith(
        "members: the Pro plan allows 5 team members (invitations included); this team has 5.")
    assert not await TeamMember.exists(team=team, user=sixth)
    again = await api.post(f"/api/v1/teams/{team.slug}/invitations",
                           json={"email": "seventh@example.com", "role": "member"})
    assert again.status_code == 402
    assert not await Invitation.exists(team=team, email="seventh@example.com")


async def test_a_build_past_the_months_minutes_is_refused(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await Plan.create(slug="tiny", name="Tiny", build_minutes_per_month=10)
    await put_on(api, team, "tiny")
    project = await Project.create(name="site", team=team)
    now = datetime.now(UTC)
    await Deployment.create(project=project, state=DeploymentState.READY, building_at=now,
                            build_time_seconds=9 * 60)
    first = await api.post("/api/v1/projects/site/deployments", json={"files": []})
    assert first.status_code != 402, first.text  # 9 of 10 minutes used: it may build
    await Deployment.filter(project=project).exclude(build_time_seconds=None) \
        .update(build_time_seconds=10 * 60)
    before = await Deployment.filter(project=project).count()
    refused = await api.post("/api/v1/projects/site/deployments", json={"files": []})
    assert refused.status_code == 402
    assert refused.json()["error"]["message"].startswith(
        "build_minutes_per_month: the Tiny plan allows 10 build minutes a month; "
        "this team has 10.")
    assert await Deployment.filter(project=project).count() == before


async def test_deployments_a_day_and_custom_domains(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    await Plan.create(slug="small", name="Small", deployments_per_day=1, custom_domains=1)
    await put_on(api, team, "small")
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    assert (await api.post("/api/v1/projects/site/deployments",
                           json={"files": []})).status_code != 402
    refused = await api.post("/api/v1/projects/site/deployments", json={"files": []})
    assert refused.status_code == 402 and refused.json()["error"]["field"] == \
        "deployments_per_day"
    added = await api.post("/api/v1/projects/site/domains", json={"name": "a.example.com"})
    assert added.status_code == 201, added.text
    second = await api.post("/api/v1/projects/site/domains", json={"name": "b.example.com"})
    assert second.status_code == 402 and "Small plan allows 1 custom domains" in second.text
    pair = await api.post("/api/v1/projects/site/domains",
                          json={"name": "c.example.com", "redirect_counterpart": True})
    assert pair.status_code == 402
    assert await Domain.filter(project__team=team).count() == 1


async def test_concurrent_builds_wait_in_the_queue(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    plan = await Plan.create(slug="one", name="One", concurrent_builds=1)
    team.plan = plan
    await team.save()
    project = await Project.create(name="site", team=team)
    assert await quotas.build_slot_free(team.id)
    running = await Deployment.create(project=project, state=DeploymentState.BUILDING)
    assert not await quotas.build_slot_free(team.id)
    running.state = DeploymentState.READY
    await running.save()
    assert await quotas.build_slot_free(team.id)


async def test_only_server_admins_change_plans(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    member = await add_user(team, "team-owner@example.com", Role.OWNER)
    async with client_for(autostack, await token_for(member)) as other:
        assert (await other.get("/api/v1/plans")).json()["server_admin"] is False
        for method, path, body in (
            ("POST", "/api/v1/plans", {"slug": "x", "name": "X"}),
            ("PATCH", "/api/v1/plans/free", {"projects": 100}),
            ("DELETE", "/api/v1/plans/free", None),
            ("PUT", f"/api/v1/teams/{team.slug}/plan", {"plan": "enterprise"}),
            ("POST", "/api/v1/billing/run", None),
        ):
            response = await other.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            assert "AUTOSTACK_ADMINS" in response.json()["error"]["message"]
        assert (await other.get(f"/api/v1/teams/{team.slug}/usage")).status_code == 200
    async with client_for(autostack) as anonymous:
        assert (await anonymous.post("/api/v1/plans", json={})).status_code == 401
    assert (await Plan.get(slug="free")).projects == 3 and not await Plan.exists(slug="x")
    assert (await Team.get(id=team.id)).plan_id is None  # type: ignore[attr-defined]


async def test_admins_create_edit_default_and_delete_plans(
    api: httpx.AsyncClient, owner: User,
) -> None:
    created = await api.post("/api/v1/plans", json={
        "slug": "school", "name": "School", "projects": 10, "members": 40,
        "over_bandwidth": "throttle", "is_default": True})
    assert created.status_code == 201, created.text
    assert created.json()["plan"]["over_bandwidth"] == "throttle"
    assert (await api.post("/api/v1/plans", json={"slug": "school", "name": "Again"})
            ).status_code == 409
    bad = await api.post("/api/v1/plans", json={"slug": "Bad Slug", "name": "B"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "slug"
    negative = await api.post("/api/v1/plans", json={"slug": "neg", "name": "N", "projects": -1})
    assert negative.status_code == 422 and negative.json()["error"]["field"] == "projects"
    team = await personal_team(owner)
    usage = (await api.get(f"/api/v1/teams/{team.slug}/usage")).json()
    assert usage["plan"]["slug"] == "school"  # the default plan applies to unassigned teams
    edited = await api.patch("/api/v1/plans/school", json={"projects": None, "name": "Schools"})
    assert edited.json()["plan"]["projects"] is None
    assert edited.json()["plan"]["members"] == 40 and edited.json()["plan"]["name"] == "Schools"
    await api.patch("/api/v1/plans/pro", json={"is_default": True})
    assert [plan.slug for plan in await Plan.filter(is_default=True)] == ["pro"]
    await put_on(api, team, "school")
    in_use = await api.delete("/api/v1/plans/school")
    assert in_use.status_code == 409 and "1 team(s)" in in_use.text
    await put_on(api, team, None)
    assert (await api.delete("/api/v1/plans/school")).status_code == 204
    assert (await api.put(f"/api/v1/teams/{team.slug}/plan", json={"plan": "nope"})
            ).status_code == 404


async def test_a_teams_own_plan_applies_before_the_default(
    api: httpx.AsyncClient, owner: User,
) -> None:
    team = await personal_team(owner)
    assert await plans.plan_of(team) is None  # no plan of its own, no default
    await Plan.create(slug="school", name="School", is_default=True)
    assert (await plans.plan_of(team.id)).slug == "school"  # type: ignore[union-attr]
    await put_on(api, team, "pro")
    assert (await plans.plan_of(team)).slug == "pro"  # type: ignore[union-attr]
    await put_on(api, team, "school")
    assert (await plans.plan_of(team)).slug == "school"  # type: ignore[union-attr]


async def test_a_git_push_past_the_quota_is_refused_before_any_branch_moves(
    autostack: AutoStack, api: httpx.AsyncClient, owner: User, tmp_path: Path,
) -> None:
    """A real ``git push`` to the built-in remote, served by uvicorn."""
    team = await personal_team(owner)
    await Plan.create(slug="none-today", name="Paused", deployments_per_day=0)
    await put_on(api, team, "none-today")
    assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    work = tmp_path / "work"
    work.mkdir()
    (work / "index.html").write_text("<h1>hi</h1>")
    token = api.headers["Authorization"]
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com",
           "-c", f"http.extraHeader=Authorization: {token}"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "first"]):
        subprocess.run([*git, *args], cwd=work, check=True)
    async with serving(autostack.asgi()) as url:
        pushed = await asyncio.to_thread(
            subprocess.run, [*git, "push", f"{url}/git/site.git", "main"], cwd=work,
            capture_output=True, text=True, timeout=60)
    assert pushed.returncode != 0
    assert "deployments_per_day: the Paused plan allows 0 deployments a day" in pushed.stderr
    repo = autostack.settings.data_dir / "git" / "site.git"
    heads = subprocess.run(["git", "for-each-ref", "refs/heads"], cwd=repo,
                           capture_output=True, text=True)
    assert heads.stdout == ""
    assert not await Deployment.exists(project__name="site")
