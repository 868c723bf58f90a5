"""The ``eks`` runtime's AWS side against moto's server on the loopback (nothing real is
reachable): cluster discovery, the ``aws eks get-token`` bearer token, ECR.

moto's EKS cluster has a made-up ``https://….eks.amazonaws.com`` endpoint and a
random CA, so the test that deploys through ``eks`` keeps moto's answer but sends
the Kubernetes requests to the API stand-in (:mod:`tests.kube_standin`), which
checks each bearer token. EKS's authenticator sends the presigned URL to STS;
moto's server cannot take it (it picks the service of a request from its
``Authorization`` header, which a presigned GET has not, and answers as S3), so
:func:`authenticates` checks what STS would: the SigV4 query signature,
recomputed with botocore from the key's secret, the ``x-k8s-aws-id`` header of
the cluster, and the 60 s window.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces.runtime import Release, ReleaseStatus
from autostack_plugins.providers.kubernetes.cluster import Cluster
from autostack_plugins.providers.kubernetes.clusters import ClusterError, Clusters
from autostack_plugins.providers.kubernetes.eks import (
    Eks,
    bearer_token,
    describe,
    ecr_push_credentials,
    ecr_repository,
)
from autostack_plugins.providers.kubernetes.runtime import KubernetesRuntime
from tests.conformance.pair import artifact
from tests.kube_standin import KubeStandIn, kube_standin, standin_image
from tests.moto_standin import REGION, MotoServer, moto, moto_server, needs_moto

__all__ = ["kube_standin", "moto", "moto_server"]
pytestmark = [pytest.mark.dbless, needs_moto]
CLUSTER = "shop-prod"


def eks_config(server: MotoServer) -> dict[str, str]:
    return {"region": REGION, "cluster": CLUSTER, "aws_access_key_id": server.key_id,
            "aws_secret_access_key": server.secret, "endpoint_url": server.url}


def create_cluster(server: MotoServer) -> dict[str, object]:
    eks = server.client("eks")
    eks.create_cluster(name=CLUSTER, roleArn="arn:aws:iam::123456789012:role/eks",
                       resourcesVpcConfig={"subnetIds": []})
    found: dict[str, object] = eks.describe_cluster(name=CLUSTER)["cluster"]
    return found


def presigned_url(token: str) -> str:
    assert token.startswith("k8s-aws-v1.") and not token.endswith("=")
    encoded = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def authenticates(token: str, server: MotoServer, cluster: str = CLUSTER) -> bool:
    """What STS checks of the token's presigned GetCallerIdentity request for EKS: the
    signature (the key's secret, the cluster's ``x-k8s-aws-id``) and its age."""
    try:
        url = urlsplit(presigned_url(token))
    except (AssertionError, ValueError):
        return False
    query = parse_qsl(url.query)
    signed = dict(query)
    request = AWSRequest("GET", f"{url.scheme}://{url.netloc}{url.path}?" + urlencode(
        [(name, value) for name, value in query if name != "X-Amz-Signature"]),
        headers={"x-k8s-aws-id": cluster})
    request.context["timestamp"] = signed["X-Amz-Date"]
    key_id = signed["X-Amz-Credential"].split("/")[0]
    if key_id != server.key_id or signed.get("Action") != "GetCallerIdentity":
        return False
    auth = SigV4QueryAuth(Credentials(key_id, server.secret), "sts", REGION, expires=60)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)),
                              request)
    made = datetime.strptime(signed["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    fresh = datetime.now(UTC) - made < timedelta(seconds=int(signed["X-Amz-Expires"]))
    return hmac.compare_digest(expected, signed["X-Amz-Signature"]) and fresh


def test_discovery_gives_the_endpoint_and_ca(moto: MotoServer) -> None:
    created = create_cluster(moto)
    found = describe(eks_config(moto))
    assert found.endpoint == created["endpoint"]
    assert found.certificate_authority.encode("utf-8", "replace")
    with pytest.raises(Exception, match="ResourceNotFound"):
        describe({**eks_config(moto), "cluster": "elsewhere"})


def test_the_token_is_a_presigned_get_caller_identity(moto: MotoServer) -> None:
    token = bearer_token(eks_config(moto))
    url = urlsplit(presigned_url(token))
    query = parse_qs(url.query)
    assert query["Action"] == ["GetCallerIdentity"]
    assert query["X-Amz-Expires"] == ["60"]
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"][0].split(";")
    assert query["X-Amz-Credential"][0].startswith(f"{moto.key_id}/")
    assert authenticates(token, moto), "the signature is the key's"
    assert not authenticates(token, moto, cluster="another-cluster")
    assert query["X-Amz-Credential"][0].split("/")[2:4] == [REGION, "sts"]


def test_ecr_repository_and_push_credentials(moto: MotoServer) -> None:
    config = eks_config(moto)
    uri = ecr_repository(config, "autostack/shop")
    assert uri.endswith(".amazonaws.com/autostack/shop")
    assert ecr_repository(config, "autostack/shop") == uri, "a second call finds it"
    [repository] = moto.client("ecr").describe_repositories()["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    credentials = ecr_push_credentials(config)
    assert credentials.username == "AWS" and credentials.password
    assert uri.startswith(credentials.registry)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="`cluster`"):
        Eks().connect(Settings(data_dir=tmp_path), {"region": REGION})


class StandInEks(Eks):
    """moto's cluster, with its API at the stand-in (moto's endpoint is a made-up name)."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def connect(self, settings: Settings, config: Mapping[str, str]) -> Cluster:
        found = replace(describe(config), endpoint=self.api_url)
        return Cluster(self.configuration(settings, config, found))


async def test_deploying_through_eks_authenticates_with_tokens(
        tmp_path: Path, moto: MotoServer, kube_standin: KubeStandIn) -> None:
    create_cluster(moto)
    kube_standin.verify = lambda token: authenticates(token, moto)
    settings = Settings(data_dir=tmp_path / "data", health_timeout_seconds=5)
    runtime = KubernetesRuntime(settings, Clusters(), provider=StandInEks(kube_standin.url))
    assert runtime.name == "eks"
    reference = await runtime.publish(artifact("r1", standin_image("r1"), frozenset()))
    await runtime.deploy(Release(id="r1", project="shop", artifact=reference, env={},
                                 config=eks_config(moto)))
    assert await runtime.status("r1") == ReleaseStatus.READY
    assert kube_standin.get("Deployment", "autostack", "r1") is not None
    await runtime.stop()
    kube_standin.verify = lambda token: False
    refused = KubernetesRuntime(settings, Clusters(), provider=StandInEks(kube_standin.url))
    with pytest.raises(ClusterError, match="401"):
        await refused.deploy(Release(id="r2", project="shop", artifact=reference, env={},
                                     config=eks_config(moto)))


def test_the_token_is_made_again_before_it_expires(
        tmp_path: Path, moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from autostack_plugins.providers.kubernetes import eks

    create_cluster(moto)
    config = eks_config(moto)
    conf = Eks().configuration(Settings(data_dir=tmp_path), config, describe(config))
    first = conf.get_api_key_with_prefix("BearerToken", alias="authorization")
    assert first.startswith("Bearer k8s-aws-v1.")
    assert conf.get_api_key_with_prefix("BearerToken", alias="authorization") == first
    made: list[str] = []
    monkeypatch.setattr(eks, "TOKEN_SECONDS", -1)
    monkeypatch.setattr(eks, "bearer_token", lambda config: made.append("token") or "new")
    assert conf.get_api_key_with_prefix("BearerToken", alias="authorization") == "Bearer new"
    assert made == ["token"]


async def test_an_eks_project_pushes_to_its_ecr_repository_with_the_login(
        moto: MotoServer, tmp_path: Path) -> None:
    """What a build of an ``eks`` project asks for: the team's values over the server's."""
    runtime = KubernetesRuntime(Settings(data_dir=tmp_path), Clusters(),
                                {"region": REGION, "cluster": CLUSTER}, provider=Eks())
    config = {key: value for key, value in eks_config(moto).items()
              if key not in ("region", "cluster")}
    target = await runtime.push_target(config, "Shop")
    assert target is not None
    [repository] = moto.client("ecr").describe_repositories()["repositories"]
    assert repository["repositoryName"] == "autostack/shop"
    assert target.repository == repository["repositoryUri"]
    token = moto.client("ecr").get_authorization_token()["authorizationData"][0]
    assert base64.b64decode(token["authorizationToken"]).decode() == \
        f"{target.username}:{target.password}"
    assert await runtime.push_target(config, "Shop") == target, "found the second time"
    plain = KubernetesRuntime(Settings(data_dir=tmp_path), Clusters())
    assert await plain.push_target({}, "shop") is None, "kubernetes: AUTOSTACK_REGISTRY"
    wrong = {**config, "aws_secret_access_key": "wrong", "endpoint_url": "http://127.0.0.1:9"}
    with pytest.raises(BuildError, match="the eks runtime cannot take the image: ECR in"):
        await runtime.push_target(wrong, "Shop")
