"""``autostack audit`` against a running server: the team's changes as lines or JSON, filtered.

The app runs under uvicorn on the test's event loop and the real command line runs in a
thread against it, with the owner's API token in the environment.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.infrastructure.models import Role, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team, token_for
from tests.serving import serving

__all__ = ["owner"]


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, ["audit", *args], env=env)


async def test_audit_lists_filters_and_prints_json(autostack: AutoStack, owner: User,
                                                   server: str) -> None:
    token = await token_for(owner)
    async with client_for(autostack, token) as api:
        assert (await api.post("/api/v1/projects", json={"name": "site"})).status_code == 201
        await api.post("/api/v1/projects/site/env", json={"key": "K", "value": "shh-secret"})
        await api.patch("/api/v1/projects/site", json={"build_command": "make"})
    shown = await run(server, token)
    assert shown.exit_code == 0, shown.output
    assert "project.updated" in shown.output and "env.created" in shown.output
    assert "build_command: None -> make" in shown.output and "(token tests)" in shown.output
    assert "shh-secret" not in shown.output
    filtered = await run(server, token, "--action", "env", "--json")
    assert filtered.exit_code == 0, filtered.output
    events = json.loads(filtered.output)["events"]
    assert [event["action"] for event in events] == ["env.created"]
    assert events[0]["after"]["value"] == "[redacted]"
    bad = await run(server, token, "--since", "someday")
    assert bad.exit_code == 1 and "since: use a date or time" in bad.output


async def test_members_are_told_why_not(autostack: AutoStack, owner: User, server: str) -> None:
    member = await add_user(await personal_team(owner), "mia@example.com", Role.MEMBER)
    refused = await run(server, await token_for(member), "--team", "olivia")
    assert refused.exit_code == 1
    assert "the audit log is for the team's owners and admins; you are member" in refused.output
