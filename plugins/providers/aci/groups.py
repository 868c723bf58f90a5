"""What an ACI container group is for a release, and how its state and log read.

A release is the group ``autostack-<project>-<release id>`` (:func:`group_name`),
built by :func:`container_group`; :func:`group_state` reads its provisioning
state and its container's as a release status; :func:`parse_log` reads the
container's log as fetched with ``timestamps``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from autostack_core.config import Settings
from autostack_core.interfaces.runtime import LogLine, Release, ReleaseStatus

PORT = 8080
DOCKER_HUB = "index.docker.io"
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+Z?)\s(.*)$")


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


def container_group(settings: Settings, values: Mapping[str, str], name: str,
                    release: Release) -> Any:
    """The container group a release is: one container ``app`` (the image by digest, port
    8080, the environment as secure variables, CPU and memory requests), a public IP
    labelled ``name``, the registry login when the settings give one."""
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
                        cpu=max(settings.runtime_cpus, 0.1),
                        memory_in_gb=round(max(settings.runtime_memory_mb, 128) / 1024, 1),
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


def parse_log(content: str) -> list[LogLine]:
    lines = []
    for raw in content.splitlines():
        found = LOG_LINE.match(raw)
        if found is None:
            continue
        stamp = datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
        lines.append(LogLine(timestamp=stamp.astimezone(UTC), source="app", text=found.group(2)))
    return lines


def group_state(group: Any) -> ReleaseStatus:
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


def group_reason(group: Any) -> str:
    container = group.containers[0].instance_view if group and group.containers else None
    if container and container.current_state and container.current_state.detail_status:
        return str(container.current_state.detail_status)
    return ""
