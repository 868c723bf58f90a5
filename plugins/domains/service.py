"""The custom domains feature as the dashboard calls it (``register_domains``).

The dashboard imports no plugin: it calls ``app.domains``, this object, which
follows :class:`autostack_core.interfaces.domains.Domains` and forwards to
the same functions the API routes call (:mod:`autostack_plugins.domains.domains`,
:mod:`autostack_plugins.domains.dns_zones`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from autostack_core.infrastructure.models.domains import ConnectedZone, Domain

from . import dns_zones, domains

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.infrastructure.models import Project, Team


class DomainService:
    """:class:`~autostack_core.interfaces.domains.Domains` for one running server."""

    def __init__(self, app: AutoStack) -> None:
        self.app = app

    async def add(self, project: Project, name: str, git_branch: str | None = None,
                  redirect_counterpart: bool = False) -> list[Domain]:
        return await domains.add(self.app, project, name, git_branch=git_branch,
                                 redirect_counterpart=redirect_counterpart)

    async def find(self, project: Project, name: str) -> Domain:
        return await domains.find(project, name)

    async def verify(self, project: Project, domain: Domain) -> dict[str, Any]:
        return await domains.verify(self.app, project, domain)

    async def remove(self, project: Project, domain: Domain) -> None:
        await domains.remove(self.app, project, domain)

    async def describe(self, project: Project) -> list[dict[str, Any]]:
        return [await domains.domain_json(self.app, project, domain)
                for domain in await Domain.filter(project=project).order_by("id")]

    def dns_hosts(self) -> list[dict[str, Any]]:
        return dns_zones.describe_hosts(self.app)

    async def zones(self, team: Team) -> list[ConnectedZone]:
        return await dns_zones.team_zones(team)

    async def connect(self, team: Team, dns_host: str,
                      config: Mapping[str, str | None]) -> ConnectedZone:
        return await dns_zones.connect(self.app, team, dns_host, config)

    async def find_zone(self, team: Team, zone_id: int | str) -> ConnectedZone:
        return await dns_zones.find(team, zone_id)

    async def disconnect(self, zone: ConnectedZone) -> None:
        await dns_zones.disconnect(zone)
