"""The ``cloudrun`` runtime: image releases as Cloud Run revisions, with ``google-cloud-run``.

A project is one Cloud Run service (``autostack-<project>``), a release one
revision of it (``<service>-<release id>``, immutable), deployed by
``services.patch`` (``services.create`` the first time) with the revision's
template: the image by digest, port 8080, the environment, CPU and memory
limits, and the scale policy as the revision's instance range (0 = Cloud Run's
own scale to zero, woken by the next request). Every revision keeps a traffic
tag ``r-<release id>`` with 0 %, so it answers on its own URL
(``https://r-<id>---<service>-<hash>.a.run.app``), which is its endpoint; the
service's percents move only by :meth:`CloudRunRuntime.split` (promote,
rollback and splits as a traffic change, no new revision).

Credentials: a team gives its project, region and a service account's JSON
key (sealed at rest); without a key a team's values are refused
(``check_config``: the server's Application Default Credentials are not lent),
and the server's own settings (``AUTOSTACK_CLOUDRUN_*``) may use them.
Logs are Cloud Logging's, which this client does not read: ``logs`` yields nothing.
Where each release is (its service and the settings) is kept in its state folder
(:mod:`autostack_plugins.providers.placements`): a restarted server reads its
status and meters it without deploying it again.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces.cost import Cost, PriceTable, Usage
from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
    ConfigError,
    ConfigField,
    CostEstimate,
    Endpoint,
    LogLine,
    OutputKind,
    Release,
    ReleaseStatus,
    ScalePolicy,
    pushed_image,
)
from autostack_core.interfaces.usage import ResourceUsage
from autostack_core.utils import lazy_module
from autostack_plugins.providers.cloudrun import meter, prices
from autostack_plugins.providers.placements import Placements

if TYPE_CHECKING:
    from autostack_plugins.providers.cloudrun import client as cloudrun_client
else:  # google-cloud-run loads at the first call: 0.5 s and 60 MiB of every server's start
    cloudrun_client = lazy_module("autostack_plugins.providers.cloudrun.client")

SERVICE_ATTRIBUTE = "cloudrun_service"
REVISION_ATTRIBUTE = "cloudrun_revision"
PORT = 8080
POLL_SECONDS = 0.2
CONFIG_FIELDS = (
    ConfigField("project", "Google Cloud project id"),
    ConfigField("region", "Cloud Run region (us-central1)"),
    ConfigField("service_account_key", "Service account JSON key (roles/run.admin)", secret=True),
    ConfigField(
        "api_endpoint", "Cloud Run API endpoint (default run.googleapis.com)", required=False,
        urls=lambda value: [value if "://" in value else f"https://{value}"],
    ),
)


class CloudRunDeployError(Exception):
    """A revision did not become ready; the message is for users."""


def service_id(project: str) -> str:
    """The project's Cloud Run service: ``autostack-<project>``, a valid service id."""
    slug = re.sub(r"[^a-z0-9-]+", "-", project.lower()).strip("-")
    return f"autostack-{slug}"[:49].rstrip("-")


def revision_id(service: str, release_id: str) -> str:
    return f"{service}-{release_id.lower()}"[:63].rstrip("-")


def tag(release_id: str) -> str:
    return f"r-{release_id.lower()}"


class CloudRunRuntime:
    """Runs image releases as revisions of one Cloud Run service per project."""

    name = "cloudrun"
    accepts = frozenset({OutputKind.IMAGE})
    config_fields: tuple[ConfigField, ...] = CONFIG_FIELDS

    def __init__(self, settings: Settings, defaults: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.defaults = dict(defaults or {})
        self.placements = Placements(settings, self.name)
        """release id -> (the settings it was deployed with, its service's full name), kept in
        the release's state folder so status and the meter survive a restart."""
        self._locks: dict[str, asyncio.Lock] = {}

    def check_config(self, config: Mapping[str, str]) -> None:
        """A team's values need the team's own key, an inline JSON service account key."""
        values = {key: value for key, value in config.items() if value}
        if not values:
            return
        key = values.get("service_account_key", "")
        if not key:
            raise ConfigError(
                "service_account_key",
                "service_account_key: a team's Cloud Run "
                "settings need the team's own service account key (the server's "
                "credentials are not lent)",
            )
        try:
            info = json.loads(key)
        except ValueError:
            raise ConfigError(
                "service_account_key", "service_account_key: paste the key's JSON (not a path)"
            ) from None
        if (
            not isinstance(info, dict)
            or info.get("type") != "service_account"
            or not info.get("private_key")
            or not info.get("client_email")
        ):
            raise ConfigError(
                "service_account_key",
                "service_account_key: not a service "
                "account key (type service_account, private_key, client_email)",
            )
        for name in ("project", "region"):
            if not values.get(name):
                raise ConfigError(name, f"{name}: required with the team's own key")

    def settings_for(self, config: Mapping[str, str]) -> dict[str, str]:
        """The team's values when it gave a key, else the server's own."""
        values = {key: value for key, value in config.items() if value}
        self.check_config(values)
        return values or dict(self.defaults)

    async def check(self, config: Mapping[str, str]) -> str | None:
        """List the project's services in the region: the key and project work."""
        if not config and not self.defaults:
            return None
        values = self.settings_for(config)
        found = await asyncio.to_thread(cloudrun_client.list_services, values)
        return f"project {values.get('project')} in {values.get('region')}: {len(found)} services"

    async def start(self) -> None:
        """Nothing to connect: every call makes its client from the release's settings."""

    async def stop(self) -> None:
        """Revisions keep running in Cloud Run."""

    def folder(self, release_id: str) -> Path:
        return self.settings.path("deployments", release_id)

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """The image the build pushed (``image.json``'s ``reference``, by digest)."""
        reference = await pushed_image(artifact, self.folder(artifact.release_id))
        if reference is None:
            raise BuildError(
                "the cloudrun runtime runs images from a registry, and this build "
                "pushed none: set AUTOSTACK_REGISTRY to a registry Cloud Run pulls "
                "from (Artifact Registry), then redeploy"
            )
        return ArtifactReference(runtime=self.name, location=reference)

    async def deploy(self, release: Release) -> Endpoint:
        """Make the release's revision (tagged, 0 % unless it is the service's first) and
        return once it is ready."""
        values = self.settings_for(release.config)
        service = (
            f"projects/{values['project']}/locations/{values['region']}/services/"
            f"{service_id(release.project)}"
        )
        async with self._locks.setdefault(service, asyncio.Lock()):
            self.placements[release.id] = (values, service)
            await asyncio.to_thread(
                cloudrun_client.deploy_revision,
                values,
                service,
                self.template(service, release),
                tag(release.id),
            )
            revision = await self._wait_ready(values, service, release.id)
        return await asyncio.to_thread(self.endpoint, values, service, release.id, revision)

    def template(self, service: str, release: Release) -> dict[str, Any]:
        """The revision template: image, port, environment, limits, instance range."""
        return {
            "revision": revision_id(service.rsplit("/", 1)[-1], release.id),
            "containers": [
                {
                    "image": release.artifact.location,
                    "ports": [{"container_port": PORT}],
                    "env": [
                        {"name": key, "value": value} for key, value in sorted(release.env.items())
                    ],
                    "resources": {
                        "limits": {
                            "cpu": f"{max(self.settings.runtime_cpus, 0.08):g}",
                            "memory": f"{max(self.settings.runtime_memory_mb, 128)}Mi",
                        }
                    },
                }
            ],
            "scaling": {
                "min_instance_count": release.policy.min_replicas,
                "max_instance_count": max(release.policy.max_replicas, 1),
            },
        }

    async def _wait_ready(
        self, values: dict[str, str], service: str, release_id: str
    ) -> dict[str, Any]:
        name = f"{service}/revisions/{revision_id(service.rsplit('/', 1)[-1], release_id)}"
        deadline = time.monotonic() + self.settings.health_timeout_seconds
        while True:
            revision = await asyncio.to_thread(cloudrun_client.get_revision, values, name)
            state = cloudrun_client.revision_status(revision)
            if state == ReleaseStatus.READY:
                return revision or {}
            if state == ReleaseStatus.UNHEALTHY or time.monotonic() > deadline:
                reason = cloudrun_client.condition_message(revision) or "not ready in time"
                await self._remove(release_id)
                raise CloudRunDeployError(f"revision {name.rsplit('/', 1)[-1]} failed: {reason}")
            await asyncio.sleep(POLL_SECONDS)

    def endpoint(
        self, values: dict[str, str], service: str, release_id: str, revision: dict[str, Any]
    ) -> Endpoint:
        found = cloudrun_client.get_service(values, service) or {}
        url = next(
            (
                status["uri"]
                for status in found.get("traffic_statuses", [])
                if status.get("tag") == tag(release_id)
            ),
            found.get("uri", ""),
        )
        return Endpoint(
            release_id=release_id,
            url=url,
            attributes={SERVICE_ATTRIBUTE: service, REVISION_ATTRIBUTE: revision.get("name", "")},
        )

    async def status(self, release_id: str) -> ReleaseStatus:
        placed = self.placements.get(release_id)
        if placed is None:
            return ReleaseStatus.ABSENT
        values, service = placed
        name = f"{service}/revisions/{revision_id(service.rsplit('/', 1)[-1], release_id)}"
        revision = await asyncio.to_thread(cloudrun_client.get_revision, values, name)
        state: ReleaseStatus = cloudrun_client.revision_status(revision)
        return state

    async def split(self, weights: Mapping[str, int]) -> dict[str, int]:
        """Send the service's traffic to these releases (all of one project) by weight, as
        percents adding up to 100; every revision keeps its tag. Returns the percents."""
        placed = [self.placements.get(release_id) for release_id in weights]
        if (
            not weights
            or any(item is None for item in placed)
            or len({item[1] for item in placed if item}) != 1
        ):
            raise ValueError("a split needs deployed releases of one project")
        values, service = placed[0]
        percents = to_percents(weights)
        revisions = {
            revision_id(service.rsplit("/", 1)[-1], release_id): percent
            for release_id, percent in percents.items()
        }
        async with self._locks.setdefault(service, asyncio.Lock()):
            await asyncio.to_thread(cloudrun_client.set_traffic, values, service, revisions)
        return percents

    async def destroy(self, release_id: str) -> None:
        """Route the revision's traffic and tag away, then delete it (the service with its
        last revision); absent is fine. A revision that takes traffic is refused by Cloud
        Run: destroy it after moving its hostnames."""
        placed = self.placements.get(release_id)
        if placed is not None:
            async with self._locks.setdefault(placed[1], asyncio.Lock()):
                await self._remove(release_id)
        self.placements.pop(release_id)

    async def _remove(self, release_id: str) -> None:
        placed = self.placements.get(release_id)
        if placed is None:
            return
        values, service = placed
        await asyncio.to_thread(
            cloudrun_client.remove_revision,
            values,
            service,
            revision_id(service.rsplit("/", 1)[-1], release_id),
        )

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """A ready revision's billed allotment, at most (:mod:`.meter`); None otherwise."""
        placed = self.placements.get(release_id)
        if placed is None:
            return None
        values, service = placed
        name = f"{service}/revisions/{revision_id(service.rsplit('/', 1)[-1], release_id)}"
        revision = await asyncio.to_thread(cloudrun_client.get_revision, values, name)
        if revision is None or cloudrun_client.revision_status(revision) != ReleaseStatus.READY:
            return None
        usage: ResourceUsage = meter.reading(revision)
        return usage

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Not per release: a revision's instance range is fixed when it is made (revisions
        are immutable); the project's next deployment gets the new policy."""

    async def logs(
        self, release_id: str, since: datetime | None = None, follow: bool = False
    ) -> AsyncIterator[LogLine]:
        """None: Cloud Run writes them to Cloud Logging, which this runtime does not read."""
        return
        yield  # pragma: no cover - makes this an async generator

    def cost_estimate(self, release: Release) -> CostEstimate:
        """The release's most instances always up at :mod:`.prices` (an upper bound: with
        ``min_replicas`` 0 it costs nothing while idle)."""
        instances = max(release.policy.max_replicas, 1)
        hourly = instances * prices.estimate(self.settings, Usage(0.0, 0.0, hours=1.0)).total
        return CostEstimate.of_hourly(hourly)

    def price_table(self) -> PriceTable:
        table: PriceTable = prices.TABLE
        return table

    def estimate_cost(self, usage: Usage) -> Cost:
        """``usage``'s instance-hours at the instance's vCPU and memory, and its requests."""
        cost: Cost = prices.estimate(self.settings, usage)
        return cost


def to_percents(weights: Mapping[str, int]) -> dict[str, int]:
    """Integer percents adding up to 100 in the weights' ratio (largest remainder)."""
    total = sum(max(weight, 0) for weight in weights.values())
    if total <= 0:
        raise ValueError("a split needs a positive weight")
    exact = {key: max(weight, 0) * 100 / total for key, weight in weights.items()}
    percents = {key: int(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda key: exact[key] - percents[key], reverse=True)[
        : 100 - sum(percents.values())
    ]:
        percents[key] += 1
    return percents
