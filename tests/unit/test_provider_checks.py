"""``autostack doctor`` reaches each configured runtime provider; ``autostack plugins`` lists the
runtimes; ``autostack projects add/set --provider`` chooses one.

The cluster is the Kubernetes API stand-in on the loopback (no cluster runs here), reached
by the real ``kubernetes`` client; the CLI runs against the app served by uvicorn.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from autostack_core.app import AutoStack
from autostack_core.cli import main
from autostack_core.config import Settings
from autostack_core.infrastructure import db
from autostack_core.infrastructure.models import Project, ProviderSettings, Team, User
from autostack_core.interfaces.checks import Check
from autostack_core.services.provider_checks import provider_checks
from tests.conftest import fast_plugins
from tests.fixtures_auth import owner, personal_team, token_for
from tests.kube_standin import KubeStandIn, kube_standin
from tests.serving import serving

__all__ = ["kube_standin", "owner"]

pytest.importorskip("kubernetes")


async def store(team: Team, server: str, token: str) -> None:
    row = ProviderSettings(team=team, provider="kubernetes")
    row.config_json = json.dumps(
        {
            "kubeconfig": yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "c",
                    "clusters": [{"name": "c", "cluster": {"server": server}}],
                    "users": [{"name": "u", "user": {"token": token}}],
                    "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                }
            )
        }
    )
    await row.save()


async def checks_of(settings: Settings) -> dict[str, Check]:
    """The provider checks, as ``autostack doctor`` runs them (they connect to the database
    and disconnect: the test's app gets its connection back)."""
    try:
        return {check.name: check for check in await provider_checks(settings, fast_plugins())}
    finally:
        await db.connect(settings)


async def test_doctor_checks_the_servers_and_each_teams_cluster(
    autostack: AutoStack,
    settings: Settings,
    owner: User,
    kube_standin: KubeStandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTOSTACK_KUBECONFIG", str(kube_standin.kubeconfig(tmp_path)))
    await store(await personal_team(owner), kube_standin.url, kube_standin.token)
    other = await Team.create(name="Wrong token", slug="wrong", owner=owner)
    await store(other, kube_standin.url, "not-the-token")
    checks = await checks_of(settings)
    server = checks["kubernetes"]
    assert server.ok and kube_standin.url in server.detail
    assert "namespace autostack not created yet" in server.detail
    team = checks[f"kubernetes ({(await personal_team(owner)).slug})"]
    assert team.ok and kube_standin.url in team.detail
    wrong = checks["kubernetes (wrong)"]
    assert not wrong.ok and "401" in wrong.detail and "team page" in wrong.remedy
    assert "eks" not in checks, "a runtime nothing configures is not checked"


async def test_doctor_refuses_a_stored_value_a_team_may_not_give(
    autostack: AutoStack, settings: Settings, owner: User
) -> None:
    row = ProviderSettings(team=await personal_team(owner), provider="kubernetes")
    row.config_json = json.dumps({"kubeconfig": "/etc/kubernetes/admin.conf"})
    await row.save()
    checks = await checks_of(settings)
    [refused] = [check for name, check in checks.items() if name.startswith("kubernetes (")]
    assert not refused.ok and "not a path" in refused.detail


def test_plugins_lists_the_runtimes_and_their_fields() -> None:
    shown = CliRunner().invoke(main, ["plugins", "--json"])
    assert shown.exit_code == 0, shown.output
    runtimes = {runtime["name"]: runtime for runtime in json.loads(shown.output)["runtimes"]}
    assert runtimes["kubernetes"]["accepts"] == ["image"]
    assert {"name": "kubeconfig", "secret": True}.items() <= {
        key: value
        for field in runtimes["kubernetes"]["fields"]
        if field["name"] == "kubeconfig"
        for key, value in field.items()
    }.items()
    text = CliRunner().invoke(main, ["plugins"]).output
    assert "    eks: runs image; fields: region, cluster" in text


@pytest.fixture
async def server(autostack: AutoStack) -> AsyncIterator[str]:
    async with serving(autostack.asgi()) as url:
        yield url


async def run(server: str, token: str, *args: str) -> Result:
    env = {"AUTOSTACK_SERVER": server, "AUTOSTACK_TOKEN": token, "XDG_CONFIG_HOME": "/nonexistent"}
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)


async def test_projects_add_and_set_choose_the_runtime(server: str, owner: User) -> None:
    token = await token_for(owner)
    added = await run(server, token, "projects", "add", "shop", "--provider", "eks")
    assert added.exit_code == 0, added.output
    assert "Created shop (runtime eks)" in added.output
    assert (await Project.get(name="shop")).provider == "eks"
    changed = await run(server, token, "projects", "set", "shop", "--provider", "kubernetes")
    assert changed.exit_code == 0 and "provider kubernetes" in changed.output
    refused = await run(server, token, "projects", "add", "cart", "--provider", "nomad")
    assert refused.exit_code == 1 and "no runtime called 'nomad'" in refused.output
    assert not await Project.exists(name="cart")
    nothing = await run(server, token, "projects", "set", "shop")
    assert nothing.exit_code == 2 and "--provider" in nothing.output
