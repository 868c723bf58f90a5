"""``/api/v1/teams/{slug}/providers``: a team's settings for the runtime providers.

Members see which runtimes have fields and which of them the team has set
(never a secret's value); admins set and delete them
(:mod:`autostack_core.services.provider_settings`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import read_body, team_for
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import Role
from autostack_core.services import provider_settings

SCHEMAS = {"Providers": {"type": "object", "properties": {"providers": {"type": "array"}}}}


class ProviderValues(BaseModel):
    """The runtime's fields to set: a blank secret keeps its value, a blank other one clears it."""

    model_config = ConfigDict(extra="forbid")
    config: dict[str, str | None] = Field(default_factory=dict)


async def list_providers(request: Request) -> Response:
    """The runtimes with fields and the team's values (secrets only as set or not).
    ---
    summary: List a team's provider settings
    tags: [teams]
    responses:
      200: {description: "{providers}", schema: Providers}
      404: {description: no team of yours has that slug}
    """
    team, _ = await team_for(request, Role.MEMBER)
    app = request.app.state.autostack
    return JSONResponse({"providers": await provider_settings.describe(app, team)})


async def set_provider(request: Request) -> Response:
    """Set the team's values of a runtime's fields (admin); the runtime checks them first.
    ---
    summary: Set a team's provider settings
    tags: [teams]
    body: ProviderValues
    responses:
      200: {description: "{providers}", schema: Providers}
      422: {description: an invalid field, named in error.field}
    """
    team, _ = await team_for(request, Role.ADMIN)
    body = await read_body(request, ProviderValues)
    app = request.app.state.autostack
    await provider_settings.save(app, team, request.path_params["provider"], body.config)
    return JSONResponse({"providers": await provider_settings.describe(app, team)})


async def delete_provider(request: Request) -> Response:
    """Forget the team's values for a runtime (admin); its projects use the server's own.
    ---
    summary: Delete a team's provider settings
    tags: [teams]
    responses:
      204: {description: deleted}
      404: {description: the team has no settings for that runtime}
    """
    team, _ = await team_for(request, Role.ADMIN)
    row = await provider_settings.find(team, request.path_params["provider"])
    if row is None:
        raise NotFound("provider settings", "provider")
    await provider_settings.delete(team, row)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/teams/{slug}/providers", list_providers, methods=["GET"]),
    Route("/api/v1/teams/{slug}/providers/{provider}", set_provider, methods=["PUT"]),
    Route("/api/v1/teams/{slug}/providers/{provider}", delete_provider, methods=["DELETE"]),
]
