"""``autostack pipelines`` against a running server: show, add, move, approval, set, remove.

The app runs under uvicorn on the test's event loop and the real command line runs in a
thread against it, with an API token in the environment; what the commands change is
what the project page's diagram and the API show.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.infrastructure.models import Project, Role, User
from tests.fixtures_auth import add_user, client_for, owner, personal_team, token_for
from tests.serving import serving

__all__ = ["owner"]


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str, stdin: str | None = None) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, ["pipelines", *args], env=env,
                                   input=stdin)


async def kinds(name: str) -> list[str]:
    project = await Project.get(name=name)
    return [step["kind"] for step in project.settings["pipeline"]]


async def test_a_pipeline_is_edited_from_the_command_line(
        autostack: AutoStack, owner: User, server: str, tmp_path: Path) -> None:
    token = await token_for(owner)
    async with client_for(autostack, token) as api:
        assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    shown = await run(server, token, "show", "shop")
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[:3] == ["1. install    Install", "2. build      Build",
                                             "3. deploy     Deploy"]
    assert "from: defaults" in shown.output

    added = await run(server, token, "add", "shop", "--kind", "test", "--command", "npm test",
                      "--name", "Unit tests")
    assert added.exit_code == 0, added.output
    assert "3. test       test-1  Unit tests  $ npm test" in added.output
    lint = await run(server, token, "add", "shop", "--kind", "lint", "--command", "npm run lint")
    assert lint.exit_code == 0, lint.output
    assert (await run(server, token, "move", "shop", "lint-1", "--up")).exit_code == 0
    approval = await run(server, token, "approval", "shop", "--required")
    assert approval.exit_code == 0, approval.output
    assert await kinds("shop") == ["install", "build", "lint", "test", "approval", "deploy"]
    # The install/build pair moves as one, never split.
    assert (await run(server, token, "move", "shop", "build", "--down")).exit_code == 0
    assert await kinds("shop") == ["lint", "install", "build", "test", "approval", "deploy"]

    as_json = await run(server, token, "show", "shop", "--json")
    assert json.loads(as_json.output)["source"] == "project settings"
    removed = await run(server, token, "remove", "shop", "lint-1")
    assert removed.exit_code == 0 and "lint-1" not in removed.output
    assert (await run(server, token, "approval", "shop", "--not-required")).exit_code == 0
    assert await kinds("shop") == ["install", "build", "test", "deploy"]

    # `set` takes an autostack.json as is (its `pipeline`), or standard input.
    config = tmp_path / "autostack.json"
    config.write_text(json.dumps({"framework": "vite", "pipeline": [
        {"kind": "install"}, {"kind": "build"},
        {"kind": "check", "id": "smoke", "command": "test -f dist/index.html",
         "when": "production"}, {"kind": "deploy"}]}))
    replaced = await run(server, token, "set", "shop", str(config))
    assert replaced.exit_code == 0, replaced.output
    assert "smoke  Check  $ test -f dist/index.html  (production only)" in replaced.output
    piped = await run(server, token, "set", "shop", "-",
                      stdin='[{"kind": "install"}, {"kind": "build"}, {"kind": "deploy"}]')
    assert piped.exit_code == 0, piped.output
    assert await kinds("shop") == ["install", "build", "deploy"]


async def test_bad_input_is_refused_naming_the_field(
        autostack: AutoStack, owner: User, server: str, tmp_path: Path) -> None:
    token = await token_for(owner)
    async with client_for(autostack, token) as api:
        assert (await api.post("/api/v1/projects", json={"name": "shop"})).status_code == 201
    bad = tmp_path / "steps.json"
    bad.write_text('[{"kind": "install"}, {"kind": "build"}, {"kind": "test"}, '
                   '{"kind": "deploy"}]')
    refused = await run(server, token, "set", "shop", str(bad))
    assert refused.exit_code == 1
    assert "steps[2].command: must be a non-empty string" in refused.output
    bad.write_text('[{"kind": "deploy"}, {"kind": "install"}, {"kind": "build"}]')
    assert "steps: must end with the `deploy` step" in \
        (await run(server, token, "set", "shop", str(bad))).output
    bad.write_text("{not json")
    assert "not valid JSON" in (await run(server, token, "set", "shop", str(bad))).output
    unknown = await run(server, token, "add", "shop", "--kind", "deploy", "--command", "x")
    assert unknown.exit_code == 2 and "--kind" in unknown.output
    missing = await run(server, token, "remove", "shop", "nope")
    assert missing.exit_code == 1 and "no step `nope` in the pipeline" in missing.output
    kept = await run(server, token, "remove", "shop", "install")
    assert kept.exit_code == 1 and "steps: must hold the `install` step" in kept.output
    assert "pipeline" not in (await Project.get(name="shop")).settings

    # Members see the pipeline but only admins change it, as on the dashboard.
    member = await add_user(await personal_team(owner), "mia@example.com", Role.MEMBER)
    member_token = await token_for(member)
    assert (await run(server, member_token, "show", "shop")).exit_code == 0
    denied = await run(server, member_token, "approval", "shop", "--required")
    assert denied.exit_code == 1 and "HTTP 403" in denied.output
