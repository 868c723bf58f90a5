"""A team's single sign-on settings (``/api/v1/teams/{slug}/sso``).

Admins read them; owners change or remove them (the settings decide who joins
the team and with which role). The client secret is write-only: answers say
whether it is set. Saving checks the issuer's discovery document, so a typo
is reported at once rather than at the first sign-in.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, read_body, team_for
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Role
from autostack_core.infrastructure.models.sso import TeamSso
from autostack_core.services import team_sso

_TEXT: dict[str, Any] = {"type": "string"}
SCHEMAS: dict[str, Any] = {
    "TeamSso": {
        "type": "object", "description": "What sso_json() writes.",
        "required": ["issuer", "client_id", "client_secret_set", "role_claim", "role_map",
                     "default_role", "allowed_domains", "enforced", "login_url"],
        "properties": {
            "issuer": _TEXT, "client_id": _TEXT, "client_secret_set": {"type": "boolean"},
            "role_claim": _TEXT, "role_map": {"type": "object", "additionalProperties": _TEXT},
            "default_role": {"type": ["string", "null"]},
            "allowed_domains": {"type": "array", "items": _TEXT},
            "enforced": {"type": "boolean"}, "login_url": _TEXT,
        },
    },
    "TeamSsoAnswer": {"type": "object", "required": ["sso"],
                      "properties": {"sso": {"$ref": "#/components/schemas/TeamSso"}}},
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class SsoBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: str | None = Field(default=None, max_length=2000)
    role_claim: str = Field(default="groups", max_length=64)
    role_map: dict[str, str] = Field(default_factory=dict)
    default_role: Role | None = Role.MEMBER
    allowed_domains: list[str] = Field(default_factory=list, max_length=50)
    enforced: bool = False


async def get_sso(request: Request) -> Response:
    """The team's single sign-on settings (admin).
    ---
    summary: Get single sign-on
    tags: [teams]
    responses:
      200: {description: "{sso}", schema: TeamSsoAnswer}
    """
    team, _ = await team_for(request, Role.ADMIN)
    config = await TeamSso.get_or_none(team=team)
    if config is None:
        raise ApiError(404, "this team has no single sign-on", "slug")
    return JSONResponse({"sso": team_sso.sso_json(config, team.slug)})


async def put_sso(request: Request) -> Response:
    """Set the team's OpenID Connect provider, role mapping and enforcement (owner).
    ---
    summary: Set single sign-on
    tags: [teams]
    body: SsoBody
    responses:
      200: {description: "{sso}", schema: TeamSsoAnswer}
    """
    team, _ = await team_for(request, Role.OWNER)
    body = await read_body(request, SsoBody)
    await team_sso.check_issuer(autostack_of(request).settings, body.issuer)
    config = await team_sso.configure(
        team, issuer=body.issuer, client_id=body.client_id, client_secret=body.client_secret,
        role_claim=body.role_claim, role_map=body.role_map, default_role=body.default_role,
        allowed_domains=body.allowed_domains, enforced=body.enforced)
    return JSONResponse({"sso": team_sso.sso_json(config, team.slug)})


async def delete_sso(request: Request) -> Response:
    """Turn the team's single sign-on off (owner).
    ---
    summary: Remove single sign-on
    tags: [teams]
    responses:
      204: {description: removed}
    """
    team, _ = await team_for(request, Role.OWNER)
    await team_sso.remove(team)
    return Response(status_code=204)


_PATH = "/api/v1/teams/{slug}/sso"
routes: list[BaseRoute] = [
    Route(_PATH, get_sso, methods=["GET"]),
    Route(_PATH, put_sso, methods=["PUT"]),
    Route(_PATH, delete_sso, methods=["DELETE"]),
]
