"""The team Usage page and the server admins' plans page, through the ASGI app."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from autostack_core.app import AutoStack
from autostack_core.config import Settings
from autostack_core.infrastructure.models import (
    Deployment,
    DeploymentState,
    Plan,
    Project,
    Role,
    Team,
    TrafficRollup,
    User,
)
from tests.fixtures_auth import add_user, client_for, owner, personal_team
from tests.web_fixtures import log_in

__all__ = ["owner"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admins=("owner@example.com",))


def row(page: str, label: str) -> str:
    match = re.search(rf"<tr[^>]*>\s*<th scope=\"row\">{label}</th>(.*?)</tr>", page, re.S)
    assert match, f"no row {label!r}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


async def test_members_see_usage_against_the_plan(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    team.plan = await Plan.get(slug="free")
    await team.save()
    project = await Project.create(name="site", team=team)
    now = datetime.now(UTC)
    deployment = await Deployment.create(project=project, state=DeploymentState.READY,
                                         building_at=now, build_time_seconds=150)
    await TrafficRollup.create(project=project, deployment=deployment, period="d",
                               bucket=now.replace(hour=0, minute=0, second=0, microsecond=0),
                               requests=12, function_invocations=5, bytes_sent=2_500_000)
    viewer = await add_user(team, "vic@example.com", Role.VIEWER)
    async with client_for(autostack) as http:
        await log_in(http, viewer.email)
        page = (await http.get(f"/teams/{team.slug}/usage")).text
    assert "is on the <strong>Free</strong> plan" in page
    assert row(page, "Projects").split()[:2] == ["1", "3"]
    assert "2.5 MB" in row(page, "Bytes of bandwidth a month")
    assert "100.0 GB" in row(page, "Bytes of bandwidth a month")
    assert row(page, "site").split()[:5] == ["2.5", "2.5", "MB", "12", "5"]
    assert "Change plan" not in page  # only server admins may change the plan
    async with client_for(autostack) as http:
        await log_in(http, viewer.email)
        assert (await http.get("/admin/plans")).status_code == 403


async def test_admins_edit_plans_and_move_teams(autostack: AutoStack, owner: User) -> None:
    team = await personal_team(owner)
    async with client_for(autostack) as http:
        token = await log_in(http)
        page = await http.get("/admin/plans")
        assert page.status_code == 200
        assert row(page.text, "Free<br><span class=\"muted mono\">free</span>").split()[:3] \
            == ["3", "1", "3"]
        created = await http.post("/admin/plans", data={
            "csrf_token": token, "slug": "school", "name": "School", "projects": "10",
            "bandwidth_bytes_per_month": "500GB", "over_bandwidth": "throttle"})
        assert created.status_code == 303, created.text
        school = await Plan.get(slug="school")
        assert (school.projects, school.bandwidth_bytes_per_month) == (10, 500 * 10**9)
        assert school.members is None and str(school.over_bandwidth) == "throttle"
        bad = await http.post("/admin/plans/school", data={
            "csrf_token": token, "name": "School", "members": "lots"})
        assert bad.status_code == 422
        assert "members: give a whole number, or leave it empty for unlimited" in bad.text
        assert (await Plan.get(slug="school")).projects == 10  # nothing changed
        edited = await http.post("/admin/plans/school", data={
            "csrf_token": token, "name": "Schools", "projects": "", "members": "30"})
        assert edited.status_code == 303
        school = await Plan.get(slug="school")
        assert (school.name, school.projects, school.members) == ("Schools", None, 30)
        moved = await http.post(f"/teams/{team.slug}/plan",
                                data={"csrf_token": token, "plan": "school"})
        assert moved.status_code == 303
        assert (await Team.get(id=team.id)).plan_id == school.id  # type: ignore[attr-defined]
        usage = (await http.get(f"/teams/{team.slug}/usage")).text
        assert "is on the <strong>Schools</strong> plan" in usage and "Change plan" in usage
