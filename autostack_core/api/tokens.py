"""The signed-in user's API tokens (``/api/v1/tokens``); a token is shown once, at creation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, path_id, read_body
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import ApiToken
from autostack_core.security import accounts
from autostack_core.security.auth import client_ip

_WHEN: dict[str, Any] = {"type": "string", "nullable": True}
SCHEMAS: dict[str, Any] = {
    "ApiToken": {
        "type": "object",
        "description": "What accounts.token_json() writes; never the secret.",
        "required": ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"},
            "created_at": {"type": "string"}, "last_used_at": _WHEN, "expires_at": _WHEN,
        },
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


async def list_tokens(request: Request) -> Response:
    """The user's API tokens (never the secrets).
    ---
    summary: List API tokens
    tags: [tokens]
    responses:
      200:
        description: the tokens, newest first
        schema:
          type: object
          required: [tokens]
          properties: {tokens: {type: array, items: {$ref: "#/components/schemas/ApiToken"}}}
    """
    user = current_user(request)
    tokens = await ApiToken.filter(user=user).order_by("-created_at")
    return JSONResponse({"tokens": [accounts.token_json(token) for token in tokens]})


async def create_token(request: Request) -> Response:
    """Create an API token; the response is the only time the token is shown.
    ---
    summary: Create an API token
    tags: [tokens]
    body: TokenBody
    responses:
      201:
        description: the token, shown this once, and its record
        schema:
          type: object
          required: [token, api_token]
          properties:
            token: {type: string}
            api_token: {$ref: "#/components/schemas/ApiToken"}
      429: {description: too many new tokens lately; see Retry-After}
    """
    user = current_user(request)
    body = await read_body(request, TokenBody)
    expires_at = None
    if body.expires_in_days:
        expires_at = accounts.now() + timedelta(days=body.expires_in_days)
    token, raw = await accounts.create_api_token(user, body.name.strip(), expires_at)
    await accounts.audit("token.created", user=user, target=("api_token", str(token.id)),
                         ip=client_ip(request), name=token.name)
    return JSONResponse({"token": raw, "api_token": accounts.token_json(token)}, status_code=201)


async def delete_token(request: Request) -> Response:
    """Revoke one of the user's API tokens.
    ---
    summary: Revoke an API token
    tags: [tokens]
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    responses:
      204: {description: revoked}
      404: {description: no such token of yours}
    """
    user = current_user(request)
    token = await ApiToken.get_or_none(id=path_id(request, "token"), user=user)
    if token is None:
        raise NotFound("token", "id")
    await token.delete()
    await accounts.audit("token.revoked", user=user, target=("api_token", str(token.id)),
                         ip=client_ip(request), name=token.name)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/tokens", list_tokens, methods=["GET"]),
    Route("/api/v1/tokens", create_token, methods=["POST"]),
    Route("/api/v1/tokens/{id:int}", delete_token, methods=["DELETE"]),
]
