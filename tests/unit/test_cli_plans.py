"""``autostack plans``, ``teams set-plan``, ``usage`` and ``billing run`` against a running server.

The app runs under uvicorn on the test's event loop; the real command line runs in a
thread against it with an API token in the environment.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.infrastructure.models import Plan, Project, Role, Team, TrafficRollup, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team, token_for
from tests.serving import serving

__all__ = ["owner"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, admins=("owner@example.com",))


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_admins_manage_plans_from_the_command_line(autostack: AutoStack, owner: User,
                                                         server: str) -> None:
    token = await token_for(owner)
    listed = await run(server, token, "plans", "ls")
    assert listed.exit_code == 0, listed.output
    assert "free         Free: projects 3, members 1" in listed.output
    assert "bandwidth bytes per month 100 GB" in listed.output
    created = await run(server, token, "plans", "create", "school", "--name", "School",
                        "--projects", "20", "--bandwidth-bytes-per-month", "500GB",
                        "--over-bandwidth", "throttle", "--json")
    assert created.exit_code == 0, created.output
    plan = json.loads(created.output)
    assert (plan["projects"], plan["bandwidth_bytes_per_month"]) == (20, 500 * 10**9)
    assert plan["over_bandwidth"] == "throttle" and plan["members"] is None
    edited = await run(server, token, "plans", "edit", "school", "--projects", "unlimited",
                       "--members", "30", "--default")
    assert edited.exit_code == 0, edited.output
    school = await Plan.get(slug="school")
    assert (school.projects, school.members, school.is_default) == (None, 30, True)
    bad = await run(server, token, "plans", "edit", "school", "--storage-bytes", "lots")
    assert bad.exit_code == 2 and "give a size such as 100GB" in bad.output
    team = await personal_team(owner)
    moved = await run(server, token, "teams", "set-plan", team.slug, "free")
    assert moved.exit_code == 0 and f"{team.slug} is on Free" in moved.output
    assert (await Team.get(id=team.id)).plan_id == (await Plan.get(slug="free")).id  # type: ignore[attr-defined]
    async with client_for(autostack, token) as api:
        assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    await TrafficRollup.create(project=await Project.get(name="site"), period="d", bucket=today,
                               requests=4, function_invocations=3)
    shown = await run(server, token, "usage")
    assert shown.exit_code == 0, shown.output
    assert "4 requests         3 function invocations" in shown.output
    assert f"{team.slug}: Free" in shown.output
    assert "projects" in shown.output and "1 of 3" in shown.output
    refused = await run(server, token, "plans", "rm", "free")
    assert refused.exit_code == 1 and "team(s) are on the Free plan" in refused.output
    billed = await run(server, token, "billing", "run")
    assert billed.exit_code == 0, billed.output
    assert f"{team.slug}: billed" in billed.output


async def test_others_are_told_only_admins_may(autostack: AutoStack, owner: User,
                                               server: str) -> None:
    member = await add_user(await personal_team(owner), "mia@example.com", Role.ADMIN)
    token = await token_for(member)
    assert (await run(server, token, "plans", "ls")).exit_code == 0
    for args in (("plans", "create", "x", "--name", "X"), ("plans", "edit", "free",
                                                           "--projects", "9"),
                 ("teams", "set-plan", "olivia", "pro"), ("billing", "run")):
        refused = await run(server, token, *args)
        assert refused.exit_code == 1 and "AUTOSTACK_ADMINS" in refused.output, args
    assert (await Plan.get(slug="free")).projects == 3
