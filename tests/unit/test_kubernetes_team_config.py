"""A team's values for the kubernetes and eks runtimes never reach the server's files,
commands or identity; each refusal names the field (``kubernetes/team_config.py``).

The kubeconfigs here are refused before any client reads them; the one accepted is
then used by the real ``kubernetes`` client against the Kubernetes API stand-in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import ConfigError
from autostack_plugins.providers.kubernetes.clusters import Clusters
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime
from autostack_plugins.providers.kubernetes.team_config import check
from tests.kube_standin import KubeStandIn, kube_standin

__all__ = ["kube_standin"]
pytestmark = pytest.mark.dbless


def kubeconfig(
    user: dict[str, object] | None = None, cluster: dict[str, object] | None = None
) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "c",
            "clusters": [
                {"name": "c", "cluster": cluster or {"server": "https://k8s.example.com"}}
            ],
            "users": [{"name": "u", "user": user or {"token": "t0ken"}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }
    )


def refused(config: dict[str, str], runtime: str = "kubernetes") -> ConfigError:
    with pytest.raises(ConfigError) as error:
        check(runtime, config)
    return error.value


def test_a_path_on_the_server_is_refused() -> None:
    error = refused({"kubeconfig": "/root/.kube/config"})
    assert error.field == "kubeconfig"
    assert "not a path" in str(error)


def test_in_cluster_is_refused() -> None:
    error = refused({"in_cluster": "true"})
    assert error.field == "in_cluster"
    assert "server's own settings" in str(error)


@pytest.mark.parametrize(
    ("user", "key"),
    [
        (
            {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "sh",
                    "args": ["-c", "cat /etc/shadow"],
                }
            },
            "exec",
        ),
        ({"auth-provider": {"name": "gcp", "config": {"cmd-path": "/bin/sh"}}}, "auth-provider"),
        (
            {"client-certificate": "/var/lib/autostack/keys/server.crt", "client-key-data": "a2V5"},
            "client-certificate",
        ),
        (
            {"client-certificate-data": "Y2VydA==", "client-key": "/etc/ssl/private/key.pem"},
            "client-key",
        ),
        ({"tokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"}, "tokenFile"),
        ({"token": "t", "exec-provider": "sh"}, "exec-provider"),
    ],
)
def test_a_user_that_runs_or_reads_on_the_server_is_refused(
    user: dict[str, object], key: str
) -> None:
    error = refused({"kubeconfig": kubeconfig(user=user)})
    assert error.field == "kubeconfig"
    assert f"users[0].user.{key}" in str(error)


def test_a_certificate_authority_file_is_refused() -> None:
    error = refused(
        {
            "kubeconfig": kubeconfig(
                cluster={
                    "server": "https://k8s.example.com",
                    "certificate-authority": "/etc/kubernetes/ca.crt",
                }
            )
        }
    )
    assert error.field == "kubeconfig"
    assert "clusters[0].cluster.certificate-authority reads a file on the server" in str(error)


def test_yaml_that_is_no_kubeconfig_is_refused() -> None:
    assert refused({"kubeconfig": "apiVersion: v1\n- a list"}).field == "kubeconfig"
    assert "names no cluster" in str(refused({"kubeconfig": "apiVersion: v1\nkind: Config\n"}))


def test_inline_credentials_are_accepted() -> None:
    check(
        "kubernetes",
        {
            "kubeconfig": kubeconfig(
                user={"client-certificate-data": "Y2VydA==", "client-key-data": "a2V5"},
                cluster={"server": "https://k8s.example.com", "certificate-authority-data": "Y2E="},
            ),
            "context": "c",
            "namespace": "shop",
        },
    )


def test_context_and_namespace_need_the_teams_own_cluster() -> None:
    assert refused({"namespace": "another-team"}).field == "namespace"
    assert refused({"context": "server-admin"}).field == "context"
    assert (
        refused(
            {
                "region": "us-east-1",
                "cluster": "c",
                "aws_access_key_id": "AKIA",
                "aws_secret_access_key": "s",
                "namespace": "x",
            },
            "kubernetes",
        ).field
        == "namespace"
    ), "EKS fields are no kubeconfig of its own"


def test_an_eks_cluster_needs_the_teams_own_key() -> None:
    error = refused({"region": "us-east-1", "cluster": "prod"}, "eks")
    assert error.field == "aws_access_key_id"
    assert "server's AWS credentials are not lent" in str(error)
    assert (
        refused(
            {"region": "us-east-1", "cluster": "prod", "aws_access_key_id": "AKIA"}, "eks"
        ).field
        == "aws_secret_access_key"
    )


async def test_a_deploy_with_a_teams_path_is_refused_before_connecting(
    tmp_path: Path, kube_standin: KubeStandIn
) -> None:
    server_path = str(kube_standin.kubeconfig(tmp_path))
    runtime = KubernetesRuntime(
        Settings(data_dir=tmp_path / "data"), Clusters(), {"kubeconfig": server_path}
    )
    with pytest.raises(ConfigError, match="kubeconfig"):
        await runtime.place({"kubeconfig": server_path}, "team-a")
    assert runtime.clusters.connected == {}
    placed = await runtime.place({}, "team-a")  # the server's own path is its to use
    assert placed.namespace == "autostack-team-a"
    assert await runtime.check({}) is not None
    await runtime.stop()
