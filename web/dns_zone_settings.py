"""DNS zones on the team page: connect one with a DNS host's fields, see them, disconnect.

The same functions as ``/api/v1/teams/{slug}/dns-zones``, through ``app.domains``:
admins connect and disconnect, members see the zones. Credentials are written
once and never shown again, not even in a form sent back with an error.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role, User
from autostack_web.access import page, path_id, team_access
from autostack_web.domain_settings import domains_of
from autostack_web.rendering import form_text, host_of, redirect
from autostack_web.teams import team_page


async def connect(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"], Role.ADMIN)
    domains = domains_of(request)
    async with request.form() as form:
        name = form_text(form, "dns_host")
        dns_host = host_of(request).dns_hosts.get(name)
        config = {field: form_text(form, field) for field in dns_host.fields} if dns_host else {}
    try:
        zone = await domains.connect(team, name, config)
    except ApiError as error:
        secret = set(getattr(dns_host, "secret_fields", ()))
        kept = {field: value for field, value in config.items() if field not in secret}
        return await team_page(request, team, role, error.status, zone_error=error,
                               zone_dns_host=name, zone_values=kept)
    return await team_page(request, team, role, 201,
                           notice=f"{zone.zone_name} connected: domains added in it now get "
                                  "their DNS records automatically.")


async def disconnect(request: Request, user: User) -> Response:
    team, _ = await team_access(user, request.path_params["slug"], Role.ADMIN)
    zone = await domains_of(request).find_zone(team, path_id(request, "zone"))
    await domains_of(request).disconnect(zone)
    return redirect(f"/teams/{team.slug}#dns-zones")


_ZONES = "/teams/{slug}/dns-zones"

routes: list[BaseRoute] = [
    Route(_ZONES, page(connect), methods=["POST"], include_in_schema=False),
    Route(f"{_ZONES}/{{id:int}}/disconnect", page(disconnect), methods=["POST"],
          include_in_schema=False),
]
