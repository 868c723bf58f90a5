"""The ``kubernetes`` runtime: image releases as Deployments on any cluster.

A Dockerfile app's build pushes its image to the server's registry and records
it in ``image.json`` (``plugins/builders/image_build.py``); this runtime runs
that image by digest. Per release it applies, with server-side apply, the
objects :mod:`manifests` describes (a namespace per team, the environment as a
Secret, a Deployment, a Service, an HPA when the policy gives a range) and
waits for the rollout (:mod:`rollout`). Hostnames are the ``kubernetes``
edge's: a promote or rollback changes an Ingress, never a Deployment.
With a registry login (:mod:`.registry`) the builds push with it and the pods
pull through an image pull Secret. One-click databases of its projects run in
the same namespace from their images (:mod:`.database_host`); what releases
cost is :mod:`.costs`.

The cluster is named by the team's runtime settings (:data:`.fields.CONFIG_FIELDS`,
sealed at rest; inline credentials only, :mod:`.team_config`), else by the
server's environment (``AUTOSTACK_KUBECONFIG``, ``AUTOSTACK_KUBERNETES_NAMESPACE``,
...; see ``docs/providers/kubernetes.md``), where each team gets a namespace
of its own.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces import PushTarget
from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
    ConfigField,
    Endpoint,
    LogLine,
    OutputKind,
    Release,
    ReleaseStatus,
    ScalePolicy,
    pushed_image,
)
from autostack_plugins.providers.kubernetes import (
    fields,
    manifests,
    pod_logs,
    registry,
    team_config,
)
from autostack_plugins.providers.kubernetes.clusters import (
    CLUSTER_ATTRIBUTE,
    DEFAULT_INGRESS_CLASS,
    DEFAULT_NAMESPACE,
    INGRESS_CLASS_ATTRIBUTE,
    NAMESPACE_ATTRIBUTE,
    SERVICE_ATTRIBUTE,
    ClusterError,
    Clusters,
    Placement,
    cluster_key,
)
from autostack_plugins.providers.kubernetes.fields import CONFIG_FIELDS, PLACEMENT_FIELDS
from autostack_plugins.providers.kubernetes.rollout import rollout

from .costs import ReleaseCosts  # relative: mypy sees the classes, not Any
from .database_host import DatabaseHost

if TYPE_CHECKING:
    from autostack_plugins.providers.kubernetes.cluster import Cluster

LOG = logging.getLogger(__name__)
POLL_SECONDS = 0.2
__all__ = ["CONFIG_FIELDS", "PLACEMENT_FIELDS", "KubernetesRuntime"]


class Provider(Protocol):
    """A cloud's way to a cluster (EKS): the runtime's name, its fields, a connection."""

    name: str
    config_fields: tuple[ConfigField, ...]

    def connect(self, settings: Settings, config: Mapping[str, str]) -> Cluster: ...


class KubernetesDeployError(Exception):
    """A release's rollout failed or did not finish; the message is for users."""


class KubernetesRuntime(DatabaseHost, ReleaseCosts):
    """Runs image releases as Deployments behind Services on a Kubernetes cluster."""

    name = "kubernetes"
    accepts = frozenset({OutputKind.IMAGE})
    config_fields: tuple[ConfigField, ...] = CONFIG_FIELDS

    def __init__(self, settings: Settings, clusters: Clusters,
                 defaults: Mapping[str, str] | None = None,
                 provider: Provider | None = None) -> None:
        if provider is not None:
            self.name, self.config_fields = provider.name, provider.config_fields
        self.provider = provider
        self.settings = settings
        self.clusters = clusters
        self.defaults = dict(defaults or {})
        """The server's own settings for the fields, under a team's own."""
        self._locks: dict[str, asyncio.Lock] = {}

    # -- connections -------------------------------------------------------------

    def connect(self, config: Mapping[str, str]) -> Cluster:
        """A client for the cluster ``config`` names (the provider's, when it has one)."""
        if self.provider is not None:
            return self.provider.connect(self.settings, config)
        from autostack_plugins.providers.kubernetes.cluster import Cluster, configuration

        return Cluster(configuration(dict(config)))

    def merged(self, config: Mapping[str, str]) -> dict[str, str]:
        """The team's values (checked) over the server's, as :func:`.fields.merge` lends
        them."""
        values = {key: value for key, value in config.items() if value}
        self.check_config(values)
        merged: dict[str, str] = fields.merge(self.name, self.defaults, values)
        return merged

    async def push_target(self, config: Mapping[str, str], project: str) -> PushTarget | None:
        """Where a build pushes the project's images: the provider's own registry and login
        (EKS: the project's ECR repository), else the ``registry`` field's with its login
        (:mod:`.registry`); None (``AUTOSTACK_REGISTRY``) without either. ``config`` is the
        team's values, over the server's as :meth:`merged` lends them."""
        merged = self.merged(config)
        ask = getattr(self.provider, "push_target", None)
        if ask is None:
            own: PushTarget | None = registry.push_target(merged, project)
            return own
        try:
            found: PushTarget = await asyncio.to_thread(ask, merged, project)
        except ClusterError as error:
            raise BuildError(f"the {self.name} runtime cannot take the image: {error}") from error
        return found

    async def pull_secret(self, cluster: Cluster, namespace: str,
                          values: Mapping[str, str]) -> str | None:
        """Apply the namespace's image pull Secret when ``values`` hold a registry login;
        its name, for the pods' ``imagePullSecrets``."""
        if not registry.has_login(values):
            return None
        await asyncio.to_thread(cluster.apply, registry.pull_secret(namespace, values))
        name: str = registry.PULL_SECRET
        return name

    def check_config(self, config: Mapping[str, str]) -> None:
        """Refuse a team's values that would use the server's files, commands or identity
        (:mod:`.team_config`); the server's own settings are not checked."""
        values = {key: value for key, value in config.items() if value}
        team_config.check(self.name, values)
        registry.check(values)

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Connect as a deploy would and read the namespace: the cluster answers and
        takes the credentials. None when neither ``config`` nor the server names a cluster."""
        if not config and not self._server_configured():
            return None
        placement = await self.place(config, "doctor" if config else "")
        cluster = self.clusters.cluster(placement.key)
        found = await asyncio.to_thread(cluster.read, "Namespace", None, placement.namespace)
        return f"{cluster.host}: namespace {placement.namespace} " + \
            ("exists" if found else "not created yet (the first deploy creates it)")

    def _server_configured(self) -> bool:
        return any(fields.connection(self.defaults).values())

    async def place(self, config: Mapping[str, str], team: str = "") -> Placement:
        """Connect (once per configuration) and say where its releases go.

        ``config`` is the team's own values (checked: :mod:`.team_config`). With a
        cluster of its own they alone connect; without, the server's settings do and
        the team's namespace is ``<server namespace>-<team>``.
        """
        merged = self.merged(config)
        if team_config.own_cluster(self.name, config):
            namespace = merged.get("namespace") or DEFAULT_NAMESPACE
        else:
            base = self.defaults.get("namespace") or DEFAULT_NAMESPACE
            namespace = fields.team_namespace(base, team) if team else base
        key = cluster_key(self.name, fields.connection(merged))
        if key not in self.clusters.connected:
            self.clusters.connected[key] = await asyncio.to_thread(self.connect, merged)
        return Placement(key, namespace, merged.get("ingress_class") or DEFAULT_INGRESS_CLASS)

    async def start(self) -> None:
        """Connect to the server's own cluster when its environment names one; a cluster
        that cannot be reached is logged, and the server starts without it."""
        if self._server_configured():
            try:
                self.clusters.default = await self.place({})
            except Exception as failed:
                LOG.warning("the %s runtime cannot reach its cluster: %s", self.name, failed)

    async def stop(self) -> None:
        """The releases keep running in the cluster; close the connections."""
        self.clusters.close()

    async def _placement(self, release_id: str) -> Placement | None:
        return self.clusters.releases.get(release_id) or self.clusters.default

    # -- releases ----------------------------------------------------------------

    def folder(self, release_id: str) -> Path:
        return self.settings.path("deployments", release_id)

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """The image the build pushed (``image.json``'s ``reference``, by digest)."""
        reference = await pushed_image(artifact, self.folder(artifact.release_id))
        if reference is None:
            where = "the runtime's `registry` field (team settings) or " \
                if self.provider is None else ""
            raise BuildError(f"the {self.name} runtime runs images from a registry, and this "
                             f"build pushed none: set {where}AUTOSTACK_REGISTRY to a registry "
                             "the cluster pulls from, then redeploy")
        return ArtifactReference(runtime=self.name, location=reference)

    async def deploy(self, release: Release) -> Endpoint:
        """Apply the release's objects and return once its rollout is complete."""
        async with self._locks.setdefault(release.id, asyncio.Lock()):
            placement = await self.place(release.config, release.team)
            self.clusters.releases[release.id] = placement
            cluster = self.clusters.cluster(placement.key)
            awake = release.policy if not release.policy.scale_to_zero else \
                ScalePolicy(max(release.policy.max_replicas, 1), release.policy.max_replicas)
            await asyncio.to_thread(cluster.apply, manifests.namespace(placement.namespace))
            pull = await self.pull_secret(cluster, placement.namespace,
                                          self.merged(release.config))
            await asyncio.to_thread(cluster.apply, manifests.env_secret(
                release.id, placement.namespace, dict(release.env)))
            await self._apply_scaled(cluster, placement, release.id,
                                     release.artifact.location, awake, pull)
            await asyncio.to_thread(cluster.apply,
                                    manifests.service(release.id, placement.namespace))
            try:
                await self._wait_for_rollout(cluster, placement, release.id)
            except KubernetesDeployError:
                await self._remove(cluster, placement, release.id)
                raise
        return self.endpoint(release.id, placement)

    def endpoint(self, release_id: str, placement: Placement) -> Endpoint:
        return Endpoint(
            release_id=release_id,
            url=f"http://{release_id}.{placement.namespace}.svc:{manifests.SERVICE_PORT}",
            attributes={CLUSTER_ATTRIBUTE: placement.key,
                        NAMESPACE_ATTRIBUTE: placement.namespace,
                        SERVICE_ATTRIBUTE: release_id,
                        INGRESS_CLASS_ATTRIBUTE: placement.ingress_class})

    async def _apply_scaled(self, cluster: Cluster, placement: Placement, release_id: str,
                            image: str, policy: ScalePolicy, pull_secret: str | None) -> None:
        """The Deployment at ``policy``'s replicas, or under its HPA."""
        await asyncio.to_thread(cluster.apply, manifests.deployment(
            release_id, placement.namespace, image, policy, pull_secret=pull_secret,
            memory_mb=self.settings.runtime_memory_mb, cpus=self.settings.runtime_cpus))
        if manifests.autoscaled(policy):
            await asyncio.to_thread(cluster.apply, manifests.autoscaler(
                release_id, placement.namespace, policy))
        else:
            await asyncio.to_thread(cluster.delete, "HorizontalPodAutoscaler",
                                    placement.namespace, release_id)

    async def _wait_for_rollout(self, cluster: Cluster, placement: Placement,
                                release_id: str) -> None:
        deadline = time.monotonic() + self.settings.health_timeout_seconds
        while True:
            found = await asyncio.to_thread(cluster.read, "Deployment", placement.namespace,
                                            release_id)
            state = rollout(found)
            if state.status == ReleaseStatus.READY:
                return
            if state.status == ReleaseStatus.UNHEALTHY or time.monotonic() > deadline:
                what = "failed" if state.status == ReleaseStatus.UNHEALTHY else \
                    f"did not finish within {self.settings.health_timeout_seconds:g} s"
                lines = await self._last_lines(cluster, placement, release_id)
                raise KubernetesDeployError(
                    f"the rollout of Deployment {placement.namespace}/{release_id} {what}: "
                    f"{state.reason}" + ("; last log lines:\n" + "\n".join(lines)
                                         if lines else ""))
            await asyncio.sleep(POLL_SECONDS)

    async def _last_lines(self, cluster: Cluster, placement: Placement,
                          release_id: str) -> list[str]:
        pods = await asyncio.to_thread(cluster.pods, placement.namespace, release_id)
        try:
            found = await pod_logs.read(cluster, placement.namespace,
                                        [pod["metadata"]["name"] for pod in pods], None)
        except Exception:  # a pod that never started has no log: the conditions say why
            return []
        return [f"{line.source}: {line.text}" for line in found[-15:]]

    async def status(self, release_id: str) -> ReleaseStatus:
        placement = await self._placement(release_id)
        if placement is None:
            return ReleaseStatus.ABSENT
        cluster = self.clusters.cluster(placement.key)
        found = await asyncio.to_thread(cluster.read, "Deployment", placement.namespace,
                                        release_id)
        state: ReleaseStatus = rollout(found).status
        return state

    async def destroy(self, release_id: str) -> None:
        """Delete the release's HPA, Service, Deployment (its pods) and Secret."""
        async with self._locks.setdefault(release_id, asyncio.Lock()):
            placement = await self._placement(release_id)
            if placement is not None:
                await self._remove(self.clusters.cluster(placement.key), placement, release_id)
            self.clusters.releases.pop(release_id, None)
            await asyncio.to_thread(shutil.rmtree, self.folder(release_id), True)
        self._locks.pop(release_id, None)

    async def _remove(self, cluster: Cluster, placement: Placement, release_id: str) -> None:
        for kind, name in (("HorizontalPodAutoscaler", release_id), ("Service", release_id),
                           ("Deployment", release_id), ("Secret", f"{release_id}-env")):
            await asyncio.to_thread(cluster.delete, kind, placement.namespace, name)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Replicas (0 for scale to zero) or an HPA's range; the image stays, so no new
        rollout starts unless the replica count itself changes."""
        async with self._locks.setdefault(release_id, asyncio.Lock()):
            placement = await self._placement(release_id)
            if placement is None:
                return
            cluster = self.clusters.cluster(placement.key)
            found = await asyncio.to_thread(cluster.read, "Deployment", placement.namespace,
                                            release_id)
            if found is None:
                return
            pod = found["spec"]["template"]["spec"]
            pull = next((entry["name"] for entry in pod.get("imagePullSecrets") or []), None)
            await self._apply_scaled(cluster, placement, release_id,
                                     pod["containers"][0]["image"], policy, pull)

    async def logs(self, release_id: str, since: datetime | None = None,
                   follow: bool = False) -> AsyncIterator[LogLine]:
        """Every pod's lines, oldest first; then, with ``follow``, new ones as they come."""
        placement = await self._placement(release_id)
        if placement is None:
            return
        cluster = self.clusters.cluster(placement.key)
        pods = [pod["metadata"]["name"] for pod in
                await asyncio.to_thread(cluster.pods, placement.namespace, release_id)]
        earlier = await pod_logs.read(cluster, placement.namespace, pods, since)
        for line in earlier:
            yield line
        if follow:
            newest = max((line.timestamp for line in earlier), default=since)
            async for line in pod_logs.follow(cluster, placement.namespace, pods, newest):
                yield line
