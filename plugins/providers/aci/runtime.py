"""The ``aci`` runtime: each image release is one Azure Container Instances container group.

With the official ``azure-mgmt-containerinstance`` client (ARM REST): a release
is the container group ``autostack-<project>-<release id>`` in the team's
resource group, one container ``app`` (the image by digest, port 8080, the
environment as *secure* environment variables, CPU and memory requests), a
public IP with the group's name as its DNS label; its endpoint is
``http://<label>.<location>.azurecontainer.io:8080``. ``deploy`` is a
``PUT`` (``begin_create_or_update``) and waits for the group to be
``Succeeded`` and its container ``Running``; ``status`` reads the same;
``scale`` to zero stops the group (``asleep``, billing stops) and the next
``deploy`` starts it; ``logs`` reads the container's log (``timestamps``), and
``follow`` polls it; ``destroy`` deletes the group.

ACI has no traffic split and no replicas: one group is one instance, and
splitting traffic between releases is the edge's job. Credentials: a team
gives a service principal (tenant, client id, client secret: sealed) or
nothing (the server's own settings); the server's Default Azure Credential
is never lent to a team. A private registry (Azure Container Registry) is
pulled from with ``registry_username`` and ``registry_password`` (sealed), set
on the group as ``imageRegistryCredentials`` for the image's registry host.

Here: the runtime's calls; what a group is (:mod:`.groups`) and the settings
(:mod:`.settings`) live apart. Where each release is (its group, the settings
sealed) is kept in its state folder (:mod:`autostack_plugins.providers.placements`),
so a restarted server reads its status, meters it and reads its logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from autostack_core.build.build_errors import BuildError
from autostack_core.config import Settings
from autostack_core.interfaces.cost import Cost, PriceTable, Usage
from autostack_core.interfaces.runtime import (
    Artifact,
    ArtifactReference,
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
from autostack_plugins.providers.aci import meter, prices
from autostack_plugins.providers.aci.groups import (
    PORT,
    container_group,
    group_name,
    group_reason,
    group_state,
    parse_log,
)
from autostack_plugins.providers.aci.settings import (
    CONFIG_FIELDS,
    Credential,
    check_registry_fields,
    check_team_config,
    default_credential,
    request_options,
)
from autostack_plugins.providers.placements import Placements

POLL_SECONDS = 0.2
FOLLOW_SECONDS = 1.0


class AciDeployError(Exception):
    """A container group did not start; the message is for users."""


class AciRuntime:
    """Runs each image release as one ACI container group."""

    name = "aci"
    accepts = frozenset({OutputKind.IMAGE})
    config_fields: tuple[ConfigField, ...] = CONFIG_FIELDS

    def __init__(
        self,
        settings: Settings,
        defaults: Mapping[str, str] | None = None,
        credential: Credential = default_credential,
    ) -> None:
        self.settings = settings
        self.defaults = dict(defaults or {})
        self.credential = credential
        self.placements = Placements(settings, self.name)
        """release id -> (the settings it was deployed with, its container group's name), kept
        in the release's state folder so status, the meter and logs survive a restart."""
        self._clients: dict[str, Any] = {}

    def check_config(self, config: Mapping[str, str]) -> None:
        """A team's values need its own service principal and where its groups go."""
        check_team_config(config)

    def settings_for(self, config: Mapping[str, str]) -> dict[str, str]:
        """The team's values (checked), else the server's own."""
        values = {key: value for key, value in config.items() if value}
        self.check_config(values)
        if values:
            return values
        check_registry_fields(self.defaults)
        return dict(self.defaults)

    def client(self, values: Mapping[str, str]) -> Any:
        from azure.mgmt.containerinstance import ContainerInstanceManagementClient

        key = repr(sorted(values.items()))
        if key not in self._clients:
            extra = {"base_url": values["base_url"]} if values.get("base_url") else {}
            self._clients[key] = ContainerInstanceManagementClient(
                self.credential(values), values["subscription_id"], **extra
            )
        return self._clients[key]

    async def check(self, config: Mapping[str, str]) -> str | None:
        """List the resource group's container groups: the credential and group work."""
        if not config and not self.defaults:
            return None
        values = self.settings_for(config)

        def listed() -> int:
            return len(
                list(
                    self.client(values).container_groups.list_by_resource_group(
                        values["resource_group"], **request_options(values)
                    )
                )
            )

        return (
            f"resource group {values['resource_group']}: "
            f"{await asyncio.to_thread(listed)} container groups"
        )

    async def start(self) -> None:
        """Nothing to connect: clients are made per settings on first use."""

    async def stop(self) -> None:
        """Container groups keep running in Azure; close the clients."""
        for made in self._clients.values():
            made.close()
        self._clients.clear()

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """The image the build pushed (``image.json``'s ``reference``, by digest)."""
        reference = await pushed_image(artifact,
                                       self.settings.path("deployments", artifact.release_id))
        if reference is None:
            raise BuildError(
                "the aci runtime runs images from a registry, and this build "
                "pushed none: set AUTOSTACK_REGISTRY to a registry ACI pulls from "
                "(Azure Container Registry), then redeploy"
            )
        return ArtifactReference(runtime=self.name, location=reference)

    async def deploy(self, release: Release) -> Endpoint:
        """Create the group (or start it, if it sleeps) and return once its container runs."""
        values = self.settings_for(release.config)
        name = group_name(release.project, release.id)
        self.placements[release.id] = (values, name)
        found = await self._get(values, name)
        groups = self.client(values).container_groups
        options = request_options(values)
        if found is None:
            await self._create(values, name, release)
        elif group_state(found) == ReleaseStatus.ASLEEP:
            await asyncio.to_thread(
                lambda: groups.begin_start(values["resource_group"], name, **options).result()
            )
        found = await self._wait(values, name)
        fqdn = found.ip_address.fqdn if found.ip_address else ""
        return Endpoint(
            release_id=release.id,
            url=f"http://{fqdn}:{PORT}",
            attributes={"aci_container_group": name},
        )

    async def _create(self, values: Mapping[str, str], name: str, release: Release) -> None:
        """``PUT`` the group; an image ACI may not pull fails naming the fields to set."""
        from azure.core.exceptions import HttpResponseError

        groups = self.client(values).container_groups
        body = container_group(self.settings, values, name, release)
        try:
            await asyncio.to_thread(
                lambda: groups.begin_create_or_update(
                    values["resource_group"], name, body, **request_options(values),
                ).result()
            )
        except HttpResponseError as error:
            if "InaccessibleImage" not in str(error):
                raise
            raise AciDeployError(
                f"ACI cannot pull {release.artifact.location}: give the registry's login as "
                "registry_username and registry_password in the team's ACI settings (or "
                "AUTOSTACK_ACI_REGISTRY_USERNAME/_PASSWORD), then redeploy") from error

    async def _get(self, values: Mapping[str, str], name: str) -> Any:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return await asyncio.to_thread(
                self.client(values).container_groups.get,
                values["resource_group"],
                name,
                **request_options(values),
            )
        except ResourceNotFoundError:
            return None

    async def _wait(self, values: Mapping[str, str], name: str) -> Any:
        deadline = time.monotonic() + self.settings.health_timeout_seconds
        while True:
            found = await self._get(values, name)
            state = group_state(found)
            if state == ReleaseStatus.READY:
                return found
            if (
                state in (ReleaseStatus.UNHEALTHY, ReleaseStatus.ABSENT)
                or time.monotonic() > deadline
            ):
                await self._delete(values, name)
                raise AciDeployError(
                    f"container group {name} did not start: "
                    f"{group_reason(found) or 'not running in time'}"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def status(self, release_id: str) -> ReleaseStatus:
        placed = self.placements.get(release_id)
        if placed is None:
            return ReleaseStatus.ABSENT
        state: ReleaseStatus = group_state(await self._get(*placed))
        return state

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """What the running group is billed for (:mod:`.meter`); None unless it runs."""
        placed = self.placements.get(release_id)
        if placed is None:
            return None
        group = await self._get(*placed)
        return meter.reading(group) if group_state(group) == ReleaseStatus.READY else None

    async def destroy(self, release_id: str) -> None:
        placed = self.placements.pop(release_id)
        if placed is not None:
            await self._delete(*placed)

    async def _delete(self, values: Mapping[str, str], name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        def delete() -> None:
            with contextlib.suppress(ResourceNotFoundError):
                self.client(values).container_groups.begin_delete(
                    values["resource_group"], name, **request_options(values)
                ).result()

        await asyncio.to_thread(delete)

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Zero stops the group (``asleep``; ``deploy`` starts it); one group is one instance,
        so more replicas than one are not run (the edge would have to spread them)."""
        placed = self.placements.get(release_id)
        if placed is None:
            return
        values, name = placed
        groups = self.client(values).container_groups
        if policy.scale_to_zero:
            await asyncio.to_thread(
                groups.stop, values["resource_group"], name, **request_options(values)
            )
        elif group_state(await self._get(values, name)) == ReleaseStatus.ASLEEP:
            await asyncio.to_thread(
                lambda: groups.begin_start(
                    values["resource_group"], name, **request_options(values)
                ).result()
            )

    async def logs(
        self, release_id: str, since: datetime | None = None, follow: bool = False
    ) -> AsyncIterator[LogLine]:
        """The container's log lines (``timestamps``), oldest first; ``follow`` polls."""
        placed = self.placements.get(release_id)
        if placed is None:
            return
        values, name = placed
        newest, inclusive = since, True  # lines at ``since`` itself, on the first read only
        while True:
            content = await asyncio.to_thread(
                lambda: (
                    self.client(values)
                    .containers.list_logs(
                        values["resource_group"],
                        name,
                        "app",
                        timestamps=True,
                        **request_options(values),
                    )
                    .content
                    or ""
                )
            )
            for line in parse_log(content):
                if newest is None or line.timestamp > newest or (
                    inclusive and line.timestamp == newest
                ):
                    newest = line.timestamp
                    yield line
            inclusive = False
            if not follow:
                return
            await asyncio.sleep(FOLLOW_SECONDS)

    def cost_estimate(self, release: Release) -> CostEstimate:
        """One instance while it runs at :mod:`.prices` (ACI bills per second; nothing
        while stopped)."""
        running = 0 if release.policy.scale_to_zero else 1
        hourly = running * prices.estimate(self.settings, Usage(0.0, 0.0, hours=1.0)).total
        return CostEstimate.of_hourly(hourly)

    def price_table(self) -> PriceTable:
        table: PriceTable = prices.TABLE
        return table

    def estimate_cost(self, usage: Usage) -> Cost:
        """``usage``'s hours at the container group's vCPU and memory."""
        cost: Cost = prices.estimate(self.settings, usage)
        return cost
