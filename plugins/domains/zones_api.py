"""A team's connected DNS zones (``/api/v1/teams/{slug}/dns-zones``) and the DNS hosts.

Members list the zones; admins connect and disconnect them. A zone's config
(its DNS host's ids and credentials) is written once and never returned: the
answers carry the DNS host, the zone's name and its id.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, path_id, read_body, team_for
from autostack_core.infrastructure.models.enums import Role

from . import dns_zones


class ConnectZone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dns_host: str = Field(min_length=1, max_length=48)
    config: dict[str, str | None] = Field(
        default_factory=dict, max_length=20,
        description="the DNS host's fields (route53: hosted_zone_id, access_key_id, "
                    "secret_access_key, region, endpoint_url); stored encrypted")


async def list_hosts(request: Request) -> Response:
    """The DNS hosts installed, with the fields a zone needs.
    ---
    summary: List DNS hosts
    tags: [dns]
    responses:
      200: {description: "{dns_hosts: [{name, fields: [{name, label, secret}]}]}"}
    """
    current_user(request)
    return JSONResponse({"dns_hosts": dns_zones.describe_hosts(autostack_of(request))})


async def list_zones(request: Request) -> Response:
    """The team's connected DNS zones (never their credentials).
    ---
    summary: List DNS zones
    tags: [dns]
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{zones: [{id, dns_host, zone, created_at}]}"}
      403: {description: viewers cannot see the zones}
    """
    team, _ = await team_for(request, Role.MEMBER)
    zones = await dns_zones.team_zones(team)
    return JSONResponse({"zones": [dns_zones.zone_json(zone) for zone in zones]})


async def connect_zone(request: Request) -> Response:
    """Connect a zone (admin): the DNS host must read it with the config first.
    ---
    summary: Connect a DNS zone
    tags: [dns]
    body: ConnectZone
    parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
    responses:
      201: {description: "{zone}"}
      409: {description: the team has connected this zone already}
      422: {description: the DNS host refused the config; the error names the field}
    """
    team, _ = await team_for(request, Role.ADMIN)
    body = await read_body(request, ConnectZone)
    zone = await dns_zones.connect(autostack_of(request), team, body.dns_host, body.config)
    return JSONResponse({"zone": dns_zones.zone_json(zone)}, status_code=201)


async def disconnect_zone(request: Request) -> Response:
    """Disconnect a zone (admin); its credentials are deleted, its records stay.
    ---
    summary: Disconnect a DNS zone
    tags: [dns]
    parameters:
      - {name: slug, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: integer}}
    responses:
      204: {description: disconnected}
      404: {description: no such zone in this team}
    """
    team, _ = await team_for(request, Role.ADMIN)
    zone = await dns_zones.find(team, path_id(request, "zone"))
    await dns_zones.disconnect(zone)
    return Response(status_code=204)


_ZONES = "/api/v1/teams/{slug}/dns-zones"

routes: list[BaseRoute] = [
    Route("/api/v1/dns-hosts", list_hosts, methods=["GET"]),
    Route(_ZONES, list_zones, methods=["GET"]),
    Route(_ZONES, connect_zone, methods=["POST"]),
    Route(f"{_ZONES}/{{id:int}}", disconnect_zone, methods=["DELETE"]),
]
