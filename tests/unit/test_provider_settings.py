"""A team's provider settings: the API, the team page, and what a release of its projects gets.

The runtimes are the real ``kubernetes`` and ``eks`` runtimes (their fields and their
checks of a team's values); nothing here reaches a cluster, except the one test that
deploys through the Kubernetes API stand-in.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
import yaml

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import (
    AuditEvent,
    Project,
    ProviderSettings,
    Role,
    User,
)
from autostack_core.interfaces.runtime import ConfigError
from autostack_core.services import releases
from tests.fixtures_auth import add_user, api, client_for, owner, personal_team, token_for
from tests.web_fixtures import signed_in

__all__ = ["api", "owner", "signed_in"]

pytest.importorskip("kubernetes")
TOKEN = "team-a-cluster-token-Zx81"


def team_kubeconfig(server: str = "https://127.0.0.1:6443", **user: object) -> str:
    """A kubeconfig as a team pastes it: inline credentials (the tests' outbound policy
    allows the loopback, where their stand-ins listen)."""
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": user or {"token": TOKEN}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }
    )


@pytest.fixture
async def url(owner: User) -> str:
    return f"/api/v1/teams/{(await personal_team(owner)).slug}/providers"


async def test_the_runtimes_fields_are_listed(api: httpx.AsyncClient, url: str) -> None:
    listed = (await api.get(url)).json()["providers"]
    by_name = {item["provider"]: item for item in listed}
    assert {"kubernetes", "eks"} <= set(by_name)
    kubeconfig = next(
        field for field in by_name["kubernetes"]["fields"] if field["name"] == "kubeconfig"
    )
    assert kubeconfig["secret"] and not kubeconfig["set"] and kubeconfig["value"] is None
    assert "local" not in by_name, "a runtime without fields has no settings"


@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        ({"kubeconfig": "/root/.kube/config"}, "kubeconfig", "not a path"),
        (
            {"kubeconfig": team_kubeconfig(exec={"command": "sh", "args": ["-c", "id"]})},
            "kubeconfig",
            "users[0].user.exec runs a command on the server",
        ),
        (
            {"kubeconfig": team_kubeconfig(tokenFile="/etc/autostack/key")},
            "kubeconfig",
            "users[0].user.tokenFile reads a file on the server",
        ),
        ({"in_cluster": "true"}, "in_cluster", "server's own settings"),
        ({"namespace": "another-team"}, "namespace", "only with your own cluster"),
        ({"colour": "blue"}, "colour", "not a field of the kubernetes runtime"),
    ],
)
async def test_refused_values_name_the_field_and_store_nothing(
    api: httpx.AsyncClient, url: str, config: dict[str, str], field: str, words: str
) -> None:
    refused = await api.put(f"{url}/kubernetes", json={"config": config})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    assert words in refused.json()["error"]["message"]
    assert not await ProviderSettings.exists()
    assert not await AuditEvent.filter(action__startswith="provider_settings").exists()


@pytest.mark.parametrize(
    ("provider", "config", "field"),
    [
        ("kubernetes", {"kubeconfig": team_kubeconfig("https://169.254.169.254")}, "kubeconfig"),
        ("kubernetes", {"kubeconfig": team_kubeconfig("https://127.0.0.1:6443")}, "kubeconfig"),
        ("eks", {"region": "us-east-1", "cluster": "c", "aws_access_key_id": "AKIA1",
                 "aws_secret_access_key": "s", "endpoint_url": "http://10.0.0.5:4566"},
         "endpoint_url"),
    ],
)
async def test_a_team_cannot_point_a_runtime_at_the_servers_network(
    autostack: AutoStack, api: httpx.AsyncClient, url: str, owner: User,
    provider: str, config: dict[str, str], field: str
) -> None:
    """A team's cluster or endpoint is a place the server connects to with the team's
    credentials: the cloud's metadata service, the server's own ports and its private
    network are refused as for any user-given URL, when saved and before each release."""
    autostack.settings = replace(autostack.settings, outbound_allow=())
    refused = await api.put(f"{url}/{provider}", json={"config": config})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    assert "AUTOSTACK_OUTBOUND_ALLOW" in refused.json()["error"]["message"]
    assert not await ProviderSettings.exists()

    autostack.settings = replace(autostack.settings, outbound_allow=("0.0.0.0/0",))
    assert (await api.put(f"{url}/{provider}", json={"config": config})).status_code == 200
    autostack.settings = replace(autostack.settings, outbound_allow=())
    project = await Project.create(
        name="shop", team=await personal_team(owner), user=owner, provider=provider
    )
    with pytest.raises(ConfigError, match=field):
        await releases.team_config(autostack, project)


async def test_saved_sealed_never_shown_audited_and_forgotten(
    autostack: AutoStack, api: httpx.AsyncClient, url: str, owner: User
) -> None:
    saved = await api.put(
        f"{url}/kubernetes",
        json={
            "config": {
                "kubeconfig": team_kubeconfig(),
                "namespace": "shop",
                "ingress_class": "nginx",
            }
        },
    )
    assert saved.status_code == 200, saved.text
    assert TOKEN not in saved.text
    fields = {
        field["name"]: field
        for item in saved.json()["providers"]
        if item["provider"] == "kubernetes"
        for field in item["fields"]
    }
    assert fields["kubeconfig"]["set"] and fields["kubeconfig"]["value"] is None
    assert fields["namespace"]["value"] == "shop"
    row = await ProviderSettings.get(provider="kubernetes")
    assert TOKEN not in row.config_sealed, "sealed at rest"
    assert TOKEN in json.loads(row.config_json or "{}")["kubeconfig"]
    [event] = await AuditEvent.filter(action="provider_settings.updated")
    assert TOKEN not in json.dumps([event.before, event.after, event.data])
    assert event.data["secrets_changed"] == ["kubeconfig"]

    again = await api.put(
        f"{url}/kubernetes", json={"config": {"kubeconfig": "", "namespace": "shop-2"}}
    )
    assert again.status_code == 200
    kept = json.loads((await ProviderSettings.get(provider="kubernetes")).config_json or "{}")
    assert kept["namespace"] == "shop-2" and TOKEN in kept["kubeconfig"], (
        "a blank secret keeps the stored one"
    )

    project = await Project.create(
        name="shop", team=await personal_team(owner), user=owner, provider="kubernetes"
    )
    config, team = await releases.team_config(autostack, project)
    assert config["namespace"] == "shop-2" and TOKEN in config["kubeconfig"]
    assert team == (await personal_team(owner)).slug

    assert (await api.delete(f"{url}/kubernetes")).status_code == 204
    assert not await ProviderSettings.exists()
    assert await AuditEvent.filter(action="provider_settings.deleted").count() == 1
    assert (await api.delete(f"{url}/kubernetes")).status_code == 404


async def test_members_read_and_admins_write(autostack: AutoStack, owner: User, url: str) -> None:
    member = await add_user(await personal_team(owner), "mia@example.com", Role.MEMBER)
    async with client_for(autostack, await token_for(member)) as http:
        assert (await http.get(url)).status_code == 200
        refused = await http.put(f"{url}/kubernetes", json={"config": {"ingress_class": "nginx"}})
        assert refused.status_code == 403
    assert not await ProviderSettings.exists()


async def test_a_project_chooses_its_runtime(api: httpx.AsyncClient) -> None:
    bad = await api.post("/api/v1/projects", json={"name": "site", "provider": "nomad"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "provider"
    assert not await Project.exists(name="site"), "nothing half-written"
    made = await api.post("/api/v1/projects", json={"name": "site", "provider": "eks"})
    assert made.status_code == 201 and made.json()["project"]["provider"] == "eks"
    moved = await api.patch("/api/v1/projects/site", json={"provider": "kubernetes"})
    assert moved.json()["project"]["provider"] == "kubernetes"
    assert (await api.patch("/api/v1/projects/site", json={"provider": "x"})).status_code == 422


async def test_the_project_settings_choose_the_runtime(
    signed_in: tuple[httpx.AsyncClient, str], owner: User
) -> None:
    http, token = signed_in
    await Project.create(name="shop", team=await personal_team(owner), user=owner)
    page = await http.get("/projects/shop/settings")
    assert '<option value="kubernetes">kubernetes (runs image)</option>' in page.text
    bad = await http.post(
        "/projects/shop/settings/runtime", data={"csrf_token": token, "provider": "nomad"}
    )
    assert bad.status_code == 422 and "no runtime called &#39;nomad&#39;" in bad.text
    saved = await http.post(
        "/projects/shop/settings/runtime", data={"csrf_token": token, "provider": "kubernetes"}
    )
    assert saved.status_code == 200 and "the next deployment runs on kubernetes" in saved.text
    assert (await Project.get(name="shop")).provider == "kubernetes"
    assert await AuditEvent.filter(action="project.updated").exists()
