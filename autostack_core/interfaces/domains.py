"""Custom domains and DNS zones as the dashboard asks for them.

The feature is a plugin (the built-in ``autostack_plugins.domains``); it hands
the core one :class:`Domains` through ``register_domains``, kept as
``app.domains`` (``None`` when no plugin provides domains). The dashboard's
pages call it, so they need no import of the plugin; the plugin's own API
routes and commands call the same functions behind it.

Its records are :class:`autostack_core.infrastructure.models.domains.Domain`
and ``ConnectedZone``: the core keeps those tables (one migration history).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from autostack_core.infrastructure.models import ConnectedZone, Domain, Project, Team


class Domains(Protocol):
    """A project's custom domains and a team's connected DNS zones.

    Errors are :class:`autostack_core.errors.ApiError` naming the field (422),
    the conflict (409) or what was not found (404).
    """

    async def add(self, project: Project, name: str, git_branch: str | None = None,
                  redirect_counterpart: bool = False) -> list[Domain]:
        """Add a domain (and its ``www``/apex counterpart, redirecting to it); the added."""
        ...

    async def find(self, project: Project, name: str) -> Domain:
        """The project's domain called ``name``; 404 when it has none."""
        ...

    async def verify(self, project: Project, domain: Domain) -> dict[str, Any]:
        """Check ownership now; ``{"verified": bool, "method": ..., "records": [...]}``."""
        ...

    async def remove(self, project: Project, domain: Domain) -> None:
        """Delete the domain and the records written for it; the edge stops serving it."""
        ...

    async def describe(self, project: Project) -> list[dict[str, Any]]:
        """The project's domains as the API shows them (records, certificate, zone)."""
        ...

    def dns_hosts(self) -> list[dict[str, Any]]:
        """The installed DNS hosts with their fields (``name``, ``label``, ``secret``)."""
        ...

    async def zones(self, team: Team) -> list[ConnectedZone]:
        """The team's connected zones, by name."""
        ...

    async def connect(self, team: Team, dns_host: str,
                      config: Mapping[str, str | None]) -> ConnectedZone:
        """Connect a zone once its DNS host has read it with ``config``."""
        ...

    async def find_zone(self, team: Team, zone_id: int | str) -> ConnectedZone:
        """The team's zone ``zone_id``; 404 when it has none."""
        ...

    async def disconnect(self, zone: ConnectedZone) -> None:
        """Forget the zone and its credentials; records already written stay."""
        ...
