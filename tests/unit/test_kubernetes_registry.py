"""The ``kubernetes`` runtime's registry fields: what a team may give, whose login is lent
where, and the image pull Secret (validated strictly with kubernetes-validate)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from autostack_core.config import Settings
from autostack_core.interfaces import PushTarget
from autostack_core.interfaces.runtime import ConfigError
from autostack_plugins.providers.kubernetes import fields, registry
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime

pytestmark = pytest.mark.dbless
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://k8s.example.com"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
"""
SERVER = {"kubeconfig": "/etc/autostack/kubeconfig", "registry": "registry.example.com/apps",
          "registry_username": "server", "registry_password": "server-secret"}


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"registry": "https://registry.example.com"}, "registry", "without a scheme"),
    ({"registry": "Registry.Example.com"}, "registry", "lower case"),
    ({"registry": "r.example.com", "registry_username": "u"}, "registry_password",
     "needs both"),
    ({"registry": "r.example.com", "registry_password": "p"}, "registry_username",
     "needs both"),
    ({"registry_username": "u", "registry_password": "p"}, "registry", "needs the registry"),
])
def test_a_bad_registry_value_is_refused_naming_the_field(
        values: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        registry.check(values)
    assert refused.value.field == field


def test_the_server_login_is_lent_to_its_own_cluster_only() -> None:
    on_server = fields.merge("kubernetes", SERVER, {})
    assert on_server["registry_password"] == "server-secret"
    own_cluster = fields.merge("kubernetes", SERVER, {"kubeconfig": KUBECONFIG})
    assert not set(own_cluster) & registry.REGISTRY_NAMES, "not into a team's cluster"
    own_registry = fields.merge("kubernetes", SERVER, {"registry": "team.example.com"})
    assert own_registry["registry"] == "team.example.com"
    assert "registry_password" not in own_registry, "not sent to the team's registry"
    assert fields.connection(on_server) == {"kubeconfig": "/etc/autostack/kubeconfig"}


async def test_push_target_is_the_registry_with_its_login(tmp_path: Path) -> None:
    runtime = KubernetesRuntime(Settings(data_dir=tmp_path), Clusters(), SERVER)
    assert await runtime.push_target({}, "Shop") == PushTarget(
        "registry.example.com/apps/shop", "server", "server-secret")
    assert await runtime.push_target({"kubeconfig": KUBECONFIG}, "Shop") is None, \
        "a team's own cluster without a registry: AUTOSTACK_REGISTRY, no login"
    with pytest.raises(ConfigError, match="registry_password"):
        await runtime.push_target({"registry": "team.example.com",
                                   "registry_username": "u"}, "Shop")


def test_the_pull_secret_is_a_valid_dockerconfigjson_secret() -> None:
    manifest = registry.pull_secret("autostack-acme", {
        "registry": "registry.example.com:5000/acme", "registry_username": "ci",
        "registry_password": "p@ss:word"})
    assert manifest["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(manifest["stringData"][".dockerconfigjson"])["auths"]
    assert list(auths) == ["registry.example.com:5000"]
    assert base64.b64decode(auths["registry.example.com:5000"]["auth"]) == b"ci:p@ss:word"
