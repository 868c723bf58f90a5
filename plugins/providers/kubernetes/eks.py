"""The ``eks`` runtime: the ``kubernetes`` runtime on an AWS EKS cluster, found and
authenticated with boto3.

* Discovery: ``eks:DescribeCluster`` gives the API server's endpoint and CA
  (written to a private file under the data directory for the client).
* Authentication as ``aws eks get-token`` does it: a presigned STS
  ``GetCallerIdentity`` URL (60 s, the ``x-k8s-aws-id: <cluster>`` header
  signed), base64url without padding, prefixed ``k8s-aws-v1.``; EKS's
  authenticator calls that URL to learn who is asking. A token lasts 15
  minutes: the client's configuration makes a new one after :data:`TOKEN_SECONDS`.
* ECR: every image a build of an ``eks`` project makes (a Dockerfile's, or a
  packaged static site or server app) is pushed to the project's ECR repository
  (:meth:`Eks.push_target`): :func:`ecr_repository` creates it if it is
  missing, :func:`ecr_push_credentials` gives the registry login
  (``GetAuthorizationToken``, valid 12 hours) the push uses.

The team's fields: region, cluster, access key (sealed), and an AWS
endpoint URL (optional: VPC endpoints, or moto's server in tests).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autostack_core.config import Settings
from autostack_core.interfaces import PushTarget
from autostack_core.interfaces.runtime import ConfigField, url_value
from autostack_core.utils import write_private
from autostack_plugins.providers.kubernetes.clusters import ClusterError
from autostack_plugins.providers.kubernetes.fields import PLACEMENT_FIELDS

if TYPE_CHECKING:  # boto3 and the client load when a cluster is first connected (1 s)
    import boto3
    from kubernetes import client

    from autostack_plugins.providers.kubernetes.cluster import Cluster

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_HEADER = "x-k8s-aws-id"
PRESIGN_SECONDS = 60
TOKEN_SECONDS = 600
"""A token is made again after this long (EKS accepts one for 15 minutes)."""
REPOSITORY_PREFIX = "autostack/"
"""ECR repositories of projects are ``autostack/<project>``."""

EKS_FIELDS = (
    ConfigField("region", "AWS region of the cluster (us-east-1)"),
    ConfigField("cluster", "EKS cluster name"),
    ConfigField("aws_access_key_id", "AWS access key id", required=False),
    ConfigField("aws_secret_access_key", "AWS secret access key", secret=True, required=False),
    ConfigField("endpoint_url", "AWS endpoint URL (default: AWS's own)", required=False,
                urls=url_value),
)


def session(config: Mapping[str, str]) -> boto3.Session:
    """A boto3 session with the team's key, else the server's AWS credentials chain."""
    import boto3

    return boto3.Session(aws_access_key_id=config.get("aws_access_key_id") or None,
                         aws_secret_access_key=config.get("aws_secret_access_key") or None,
                         region_name=config["region"])


def aws_client(config: Mapping[str, str], service: str) -> Any:
    return session(config).client(service, endpoint_url=config.get("endpoint_url") or None)


@dataclass(frozen=True)
class EksCluster:
    name: str
    endpoint: str
    certificate_authority: str
    """The CA's PEM."""


def describe(config: Mapping[str, str]) -> EksCluster:
    """The cluster's API endpoint and CA; raises ClusterError when it is not ACTIVE."""
    found = aws_client(config, "eks").describe_cluster(name=config["cluster"])["cluster"]
    if found.get("status") != "ACTIVE" or not found.get("endpoint"):
        raise ClusterError(f"EKS cluster {config['cluster']} in {config['region']} is "
                           f"{found.get('status', 'not ready')}: wait until it is ACTIVE")
    return EksCluster(name=found["name"], endpoint=found["endpoint"],
                      certificate_authority=base64.b64decode(
                          found.get("certificateAuthority", {}).get("data", ""))
                      .decode("utf-8", errors="replace"))


def bearer_token(config: Mapping[str, str]) -> str:
    """A token for the cluster's API, as ``aws eks get-token --cluster-name`` prints it."""
    from botocore.signers import RequestSigner

    aws = session(config)
    credentials = aws.get_credentials()
    if credentials is None:
        raise ClusterError("no AWS credentials for the eks runtime: set its access key fields "
                           "or the server's AWS credentials")
    sts = aws.client("sts", endpoint_url=config.get("endpoint_url") or None)
    signer = RequestSigner(sts.meta.service_model.service_id, config["region"], "sts", "v4",
                           credentials, sts.meta.events)
    url = signer.generate_presigned_url(
        {"method": "GET", "url": f"{sts.meta.endpoint_url}/?Action=GetCallerIdentity"
                                 "&Version=2011-06-15",
         "body": {}, "headers": {CLUSTER_HEADER: config["cluster"]}, "context": {}},
        region_name=config["region"], expires_in=PRESIGN_SECONDS, operation_name="")
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def ecr_repository(config: Mapping[str, str], name: str) -> str:
    """The URI of ECR repository ``name``, created (scan on push) when missing."""
    ecr = aws_client(config, "ecr")
    try:
        found = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except ecr.exceptions.RepositoryNotFoundException:
        found = ecr.create_repository(
            repositoryName=name, imageScanningConfiguration={"scanOnPush": True},
            imageTagMutability="IMMUTABLE")["repository"]
    return str(found["repositoryUri"])


@dataclass(frozen=True)
class PushCredentials:
    registry: str
    username: str
    password: str
    expires_at: float


def ecr_push_credentials(config: Mapping[str, str]) -> PushCredentials:
    """The registry login for ``buildah push --creds`` / ``skopeo --dest-creds``."""
    data = aws_client(config, "ecr").get_authorization_token()["authorizationData"][0]
    username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    return PushCredentials(registry=data["proxyEndpoint"].removeprefix("https://"),
                           username=username, password=password,
                           expires_at=data["expiresAt"].timestamp())


class Eks:
    """The ``eks`` provider of the ``kubernetes`` runtime: the cluster its AWS fields name."""

    name = "eks"
    config_fields: tuple[ConfigField, ...] = (*EKS_FIELDS, *PLACEMENT_FIELDS)

    def push_target(self, config: Mapping[str, str], project: str) -> PushTarget:
        """The project's ECR repository (created when missing) and a login to push to it."""
        from botocore.exceptions import BotoCoreError, ClientError

        self.check_fields(config)
        name = f"{REPOSITORY_PREFIX}{project}".lower()
        try:
            uri = ecr_repository(config, name)
            login = ecr_push_credentials(config)
        except (BotoCoreError, ClientError) as error:
            raise ClusterError(f"ECR in {config['region']} refused the repository {name} or "
                               f"its login: {error}") from error
        return PushTarget(repository=uri, username=login.username, password=login.password)

    @staticmethod
    def check_fields(config: Mapping[str, str]) -> None:
        for field in EKS_FIELDS:
            if field.required and not config.get(field.name):
                raise ClusterError(f"the eks runtime needs `{field.name}` ({field.label})")

    def connect(self, settings: Settings, config: Mapping[str, str]) -> Cluster:
        self.check_fields(config)
        from autostack_plugins.providers.kubernetes.cluster import Cluster

        return Cluster(self.configuration(settings, config, describe(config)))

    def configuration(self, settings: Settings, config: Mapping[str, str],
                      found: EksCluster) -> client.Configuration:
        """The client's configuration: the endpoint, its CA, a token renewed in time."""
        from kubernetes import client

        conf = client.Configuration(host=found.endpoint)
        ca = settings.path("kubernetes", "eks-" + hashlib.sha256(
            found.endpoint.encode()).hexdigest()[:16] + ".pem")
        write_private(ca, found.certificate_authority)
        conf.ssl_ca_cert = str(ca)
        conf.api_key_prefix = {"authorization": "Bearer"}
        conf.api_key = {"authorization": bearer_token(config)}
        made = [time.monotonic()]

        def renew(current: client.Configuration) -> None:
            if time.monotonic() - made[0] > TOKEN_SECONDS:
                current.api_key = {"authorization": bearer_token(config)}
                made[0] = time.monotonic()

        conf.refresh_api_key_hook = renew  # type: ignore[assignment]
        return conf
