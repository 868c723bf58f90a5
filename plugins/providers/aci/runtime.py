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
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

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
    url_value,
)
from autostack_core.interfaces.usage import ResourceUsage
from autostack_plugins.providers.aci import meter, prices

PORT = 8080
POLL_SECONDS = 0.2
FOLLOW_SECONDS = 1.0
HOURS_PER_MONTH = 730
CONFIG_FIELDS = (
    ConfigField("subscription_id", "Azure subscription id"),
    ConfigField("resource_group", "Resource group of the container groups"),
    ConfigField("location", "Azure region (eastus)"),
    ConfigField("tenant_id", "Service principal's tenant id", required=False),
    ConfigField("client_id", "Service principal's client (application) id", required=False),
    ConfigField("client_secret", "Service principal's client secret", secret=True, required=False),
    ConfigField(
        "base_url", "Azure Resource Manager endpoint (default management.azure.com)",
        required=False, urls=url_value,
    ),
    ConfigField("registry_username",
                "User pulling the image from a private registry (an ACR admin user or a "
                "service principal's client id)", required=False),
    ConfigField("registry_password", "Password of that registry user", secret=True,
                required=False),
)
REGISTRY_FIELDS = ("registry_username", "registry_password")
DOCKER_HUB = "index.docker.io"
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+Z?)\s(.*)$")

Credential = Callable[[Mapping[str, str]], Any]


class AciDeployError(Exception):
    """A container group did not start; the message is for users."""


def group_name(project: str, release_id: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", f"autostack-{project}".lower()).strip("-")
    return f"{slug[:50].rstrip('-')}-{release_id.lower()}"[:63]


def registry_host(image: str) -> str:
    """The registry an image reference is pulled from (``myacr.azurecr.io/app@sha256:..``
    gives ``myacr.azurecr.io``; a bare ``library/nginx`` is Docker Hub's)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def default_credential(values: Mapping[str, str]) -> Any:
    """A service principal's credential (azure-identity), else the server's default one."""
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    if values.get("client_secret"):
        return ClientSecretCredential(
            values["tenant_id"], values["client_id"], values["client_secret"]
        )
    return DefaultAzureCredential()


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
        self.placements: dict[str, tuple[dict[str, str], str]] = {}
        """release id -> (the settings it was deployed with, its container group's name)."""
        self._clients: dict[str, Any] = {}

    def check_config(self, config: Mapping[str, str]) -> None:
        """A team's values need its own service principal and where its groups go."""
        values = {key: value for key, value in config.items() if value}
        if not values:
            return
        for name in (
            "tenant_id",
            "client_id",
            "client_secret",
            "subscription_id",
            "resource_group",
            "location",
        ):
            if not values.get(name):
                raise ConfigError(
                    name,
                    f"{name}: required in a team's ACI settings (its own "
                    "service principal: the server's Azure identity is not lent)",
                )
        check_registry_fields(values)

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

    @staticmethod
    def _options(values: Mapping[str, str]) -> dict[str, Any]:
        """azure-core refuses a bearer token over plain HTTP; a loopback endpoint (a local
        stand-in) is let through, nothing else."""
        base = values.get("base_url", "")
        loopback = re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", base)
        return {"enforce_https": False} if loopback else {}

    async def check(self, config: Mapping[str, str]) -> str | None:
        """List the resource group's container groups: the credential and group work."""
        if not config and not self.defaults:
            return None
        values = self.settings_for(config)

        def listed() -> int:
            return len(
                list(
                    self.client(values).container_groups.list_by_resource_group(
                        values["resource_group"], **self._options(values)
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

    def group(self, values: Mapping[str, str], name: str, release: Release) -> Any:
        from azure.mgmt.containerinstance import models

        return models.ContainerGroup(
            location=values["location"],
            os_type="Linux",
            restart_policy="Always",
            containers=[
                models.Container(
                    name="app",
                    image=release.artifact.location,
                    ports=[models.ContainerPort(port=PORT)],
                    environment_variables=[
                        models.EnvironmentVariable(name="PORT", value=str(PORT)),
                        *(
                            models.EnvironmentVariable(name=key, secure_value=value)
                            for key, value in sorted(release.env.items())
                        ),
                    ],
                    resources=models.ResourceRequirements(
                        requests=models.ResourceRequests(
                            cpu=max(self.settings.runtime_cpus, 0.1),
                            memory_in_gb=round(max(self.settings.runtime_memory_mb, 128) / 1024, 1),
                        )
                    ),
                )
            ],
            ip_address=models.IpAddress(
                type="Public", dns_name_label=name, ports=[models.Port(port=PORT)]
            ),
            image_registry_credentials=[
                models.ImageRegistryCredential(
                    server=registry_host(release.artifact.location),
                    username=values["registry_username"],
                    password=values["registry_password"],
                )
            ] if values.get("registry_username") else None,
        )

    async def deploy(self, release: Release) -> Endpoint:
        """Create the group (or start it, if it sleeps) and return once its container runs."""
        values = self.settings_for(release.config)
        name = group_name(release.project, release.id)
        self.placements[release.id] = (values, name)
        found = await self._get(values, name)
        groups = self.client(values).container_groups
        options = self._options(values)
        if found is None:
            await self._create(values, name, release)
        elif _state(found) == ReleaseStatus.ASLEEP:
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
        try:
            await asyncio.to_thread(
                lambda: groups.begin_create_or_update(
                    values["resource_group"], name, self.group(values, name, release),
                    **self._options(values),
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
                **self._options(values),
            )
        except ResourceNotFoundError:
            return None

    async def _wait(self, values: Mapping[str, str], name: str) -> Any:
        deadline = time.monotonic() + self.settings.health_timeout_seconds
        while True:
            found = await self._get(values, name)
            state = _state(found)
            if state == ReleaseStatus.READY:
                return found
            if (
                state in (ReleaseStatus.UNHEALTHY, ReleaseStatus.ABSENT)
                or time.monotonic() > deadline
            ):
                await self._delete(values, name)
                raise AciDeployError(
                    f"container group {name} did not start: "
                    f"{_reason(found) or 'not running in time'}"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def status(self, release_id: str) -> ReleaseStatus:
        placed = self.placements.get(release_id)
        if placed is None:
            return ReleaseStatus.ABSENT
        return _state(await self._get(*placed))

    async def measure(self, release_id: str) -> ResourceUsage | None:
        """What the running group is billed for (:mod:`.meter`); None unless it runs."""
        placed = self.placements.get(release_id)
        if placed is None:
            return None
        group = await self._get(*placed)
        return meter.reading(group) if _state(group) == ReleaseStatus.READY else None

    async def destroy(self, release_id: str) -> None:
        placed = self.placements.pop(release_id, None)
        if placed is not None:
            await self._delete(*placed)

    async def _delete(self, values: Mapping[str, str], name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        def delete() -> None:
            with contextlib.suppress(ResourceNotFoundError):
                self.client(values).container_groups.begin_delete(
                    values["resource_group"], name, **self._options(values)
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
                groups.stop, values["resource_group"], name, **self._options(values)
            )
        elif _state(await self._get(values, name)) == ReleaseStatus.ASLEEP:
            await asyncio.to_thread(
                lambda: groups.begin_start(
                    values["resource_group"], name, **self._options(values)
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
                        **self._options(values),
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
        return CostEstimate(
            currency="USD", hourly=round(hourly, 6), monthly=round(hourly * HOURS_PER_MONTH, 2)
        )

    def price_table(self) -> PriceTable:
        table: PriceTable = prices.TABLE
        return table

    def estimate_cost(self, usage: Usage) -> Cost:
        """``usage``'s hours at the container group's vCPU and memory."""
        cost: Cost = prices.estimate(self.settings, usage)
        return cost


def check_registry_fields(values: Mapping[str, str]) -> None:
    """A registry user goes with its password: one alone is refused, naming the other."""
    given = [name for name in REGISTRY_FIELDS if values.get(name)]
    if len(given) == 1:
        missing = next(name for name in REGISTRY_FIELDS if name not in given)
        raise ConfigError(missing, f"{missing}: required with {given[0]} (the private "
                                   "registry's user and password go together)")


def parse_log(content: str) -> list[LogLine]:
    lines = []
    for raw in content.splitlines():
        found = LOG_LINE.match(raw)
        if found is None:
            continue
        stamp = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
        lines.append(LogLine(timestamp=stamp.astimezone(UTC), source="app", text=found.group(2)))
    return lines


def _state(group: Any) -> ReleaseStatus:
    """A group's provisioning state and its container's current state, as a release status."""
    if group is None:
        return ReleaseStatus.ABSENT
    view = group.instance_view
    if view is not None and view.state == "Stopped":
        return ReleaseStatus.ASLEEP
    if group.provisioning_state == "Failed":
        return ReleaseStatus.UNHEALTHY
    container = group.containers[0].instance_view if group.containers else None
    current = container.current_state.state if container and container.current_state else ""
    if group.provisioning_state == "Succeeded" and current == "Running":
        return ReleaseStatus.READY
    if current == "Terminated":
        return ReleaseStatus.UNHEALTHY
    return ReleaseStatus.STARTING


def _reason(group: Any) -> str:
    container = group.containers[0].instance_view if group and group.containers else None
    if container and container.current_state and container.current_state.detail_status:
        return str(container.current_state.detail_status)
    return ""
