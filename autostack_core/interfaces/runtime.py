"""The runtime interface: where a deployment runs.

A runtime (the local machine's sandboxed processes, a Kubernetes cluster, Cloud
Run, ...) takes a stored build output, makes it run and hands back an
:class:`Endpoint` that an :class:`autostack_core.interfaces.edge.Edge` sends
traffic to. The core calls every method below; a plugin registers runtimes with
the ``register_runtimes`` hook. One release is one deployment: its id is the
deployment's id.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol


class OutputKind(enum.StrEnum):
    """What a build output holds (``docs/build-output.md``)."""

    STATIC = "static"
    """``static/`` files and ``config.json`` routes."""
    SERVER = "server"
    """A long-running app: ``server.json`` and ``server/``."""
    FUNCTIONS = "functions"
    """``functions/<path>.func`` folders."""
    IMAGE = "image"
    """An OCI image (a Dockerfile app)."""


class Environment(enum.StrEnum):
    """The environments of a project: where a deployment goes (its ``target``) and
    which variables it gets. A deployment's target is production or preview;
    variables may also be kept for development (``autostack env pull``)."""

    PRODUCTION = "production"
    PREVIEW = "preview"
    DEVELOPMENT = "development"


class ReleaseStatus(enum.StrEnum):
    """Where a release stands on its runtime."""

    STARTING = "starting"
    READY = "ready"
    ASLEEP = "asleep"
    """Scaled to zero; the next request (or ``deploy``) wakes it."""
    UNHEALTHY = "unhealthy"
    """Crashing or failing its health check; it keeps no new traffic."""
    ABSENT = "absent"
    """Never deployed here, or destroyed."""


@dataclass(frozen=True)
class ConfigField:
    """A setting a runtime (or edge) needs: an id, a credential, a region.

    Values are stored sealed (encrypted at rest) when ``secret`` is true.
    """

    name: str
    label: str
    secret: bool = False
    required: bool = True
    urls: Callable[[str], list[str]] | None = None
    """The URLs in a value that the server connects to for the team (:func:`url_value` for a
    field that is one URL; a kubeconfig's cluster servers). The core checks a team's against
    the outbound policy (loopback, private and link-local addresses refused unless
    ``AUTOSTACK_OUTBOUND_ALLOW`` lists them) when they are saved and before each release."""


def url_value(value: str) -> list[str]:
    """The :attr:`ConfigField.urls` of a field whose value is one URL."""
    return [value]


class ConfigError(ValueError):
    """A runtime refuses a team's value for one of its fields (:class:`ConfigField`).

    ``field`` names the field; the message says what is wrong and what to give
    instead. The core answers it as a 422 naming the field and stores nothing.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Artifact:
    """A stored build output, before a runtime has it.

    ``write_to(folder)`` writes the output's files into ``folder`` (the Build
    Output API v3 layout); a runtime that needs them elsewhere (an image
    registry) reads them from there.
    """

    release_id: str
    project: str
    manifest_hash: str
    kinds: frozenset[OutputKind]
    write_to: Callable[[Path], Awaitable[None]]


async def pushed_image(artifact: Artifact, folder: Path) -> str | None:
    """The registry reference of the image the build pushed (the artifact's ``image.json``,
    written into ``folder`` once), or None when it pushed none: for runtimes that pull
    their images from a registry."""
    image_json = folder / "image.json"
    if not image_json.is_file():
        await artifact.write_to(folder)
    image = json.loads(image_json.read_text()) if image_json.is_file() else {}
    if image.get("format") != "registry" or not image.get("reference"):
        return None
    return str(image["reference"])


@dataclass(frozen=True)
class ArtifactReference:
    """Where a runtime keeps a published artifact: a folder, an image reference."""

    runtime: str
    location: str


@dataclass(frozen=True)
class ScalePolicy:
    """How many replicas a release runs; ``min_replicas`` 0 lets it scale to zero when idle."""

    min_replicas: int = 1
    max_replicas: int = 1

    @property
    def scale_to_zero(self) -> bool:
        return self.min_replicas == 0


@dataclass(frozen=True)
class Release:
    """One deployment to run: what ``deploy`` gets."""

    id: str
    project: str
    artifact: ArtifactReference
    env: Mapping[str, str]
    policy: ScalePolicy = ScalePolicy()
    target: Environment = Environment.PREVIEW
    """The environment the release serves: production or preview (its deployment's ``target``)."""
    config: Mapping[str, str] = field(default_factory=dict)
    """The runtime's :class:`ConfigField` values for this project's team, unsealed: only what
    the team stored (empty when it stored none), never the server's own settings."""
    team: str = ""
    """The slug of the project's team, for a runtime with ``config_fields`` (it may keep each
    team's releases apart by it); empty for one without."""
    hostnames: tuple[str, ...] = ()
    """The release's own hostnames (its deployment URL's), which it keeps for its life;
    the edge binds them like any alias. A runtime may ignore them."""


@dataclass(frozen=True)
class Endpoint:
    """Where a running release answers, for an edge to send traffic to.

    ``url`` is what the runtime gives out (``https://app-x.a.run.app``, or an
    address only its paired edge understands); ``attributes`` carry what that
    edge needs beyond it.
    """

    release_id: str
    url: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogLine:
    """One line of a release's runtime logs."""

    timestamp: datetime
    source: str
    """The replica or component that wrote it (``server-0``, ``supervisor``)."""
    text: str
    stream: str = "stdout"
    """``stdout``, ``stderr``, or ``system`` for the runtime's own events."""


HOURS_PER_MONTH = 730
"""A month's hours as cost estimates count them (365 days of 24 hours over 12 months)."""


@dataclass(frozen=True)
class CostEstimate:
    """What running a release costs, as the runtime estimates it."""

    currency: str
    hourly: float
    monthly: float

    @classmethod
    def of_hourly(cls, hourly: float, currency: str = "USD") -> CostEstimate:
        """``hourly`` for a whole month (:data:`HOURS_PER_MONTH`), the hour rounded to six
        decimals and the month to cents."""
        return cls(currency=currency, hourly=round(hourly, 6),
                   monthly=round(hourly * HOURS_PER_MONTH, 2))


class Runtime(Protocol):
    """Runs releases. Registered with ``register_runtimes``; a project picks one by ``name``."""

    name: str
    accepts: frozenset[OutputKind]
    """The output kinds it can run; the pipeline refuses others before deploying."""
    config_fields: tuple[ConfigField, ...]

    def check_config(self, config: Mapping[str, str]) -> None:
        """Refuse a team's values for :attr:`config_fields` before they are used.

        ``config`` is what a team gave (unsealed), never the server's own settings.
        Raise :class:`ConfigError` naming the field when a value may not come from a
        team: one that names a file on the server, runs a command there, or uses the
        server's own identity. Called before the values are stored and again before
        each ``deploy`` with them. A runtime without fields accepts only ``{}``.
        """

    async def check(self, config: Mapping[str, str]) -> str | None:
        """Reach the provider with ``config`` (a team's values; ``{}``: the server's own
        settings) without changing anything, for ``autostack doctor``.

        Return what was found (a cluster's address, a project), or None when there is
        nothing to check (``{}`` and no server settings); raise with the reason.
        """
        ...

    async def start(self) -> None:
        """Called once when the server starts: connect, or re-adopt what already runs."""

    async def stop(self) -> None:
        """Called once when the server stops cleanly."""

    async def publish(self, artifact: Artifact) -> ArtifactReference:
        """Make ``artifact`` available to this runtime (materialize it, push an image).

        Idempotent per release id: publishing what a deployed release already has
        returns its reference without rewriting what it runs from.
        """
        ...

    async def deploy(self, release: Release) -> Endpoint:
        """Run ``release`` and return once it answers, with its endpoint.

        Idempotent per release id: deploying a running release returns its
        endpoint; an asleep one is woken. Raises with the reason on failure
        (the pipeline marks the deployment ``error``).
        """
        ...

    async def status(self, release_id: str) -> ReleaseStatus: ...

    async def destroy(self, release_id: str) -> None:
        """Stop ``release_id`` and delete what ``publish`` and ``deploy`` made; absent is fine."""

    async def scale(self, release_id: str, policy: ScalePolicy) -> None:
        """Apply ``policy`` to a deployed release (its next start at the latest)."""

    def logs(self, release_id: str, since: datetime | None = None,
             follow: bool = False) -> AsyncIterator[LogLine]:
        """The release's log lines, oldest first, from ``since``; with ``follow``, never ends."""
        ...

    def cost_estimate(self, release: Release) -> CostEstimate: ...
