"""Sign-up, login, logout and the signed-in user (``/api/v1/auth/*``, ``/api/v1/user``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, read_body
from autostack_core.infrastructure.models import User
from autostack_core.security import accounts
from autostack_core.security.auth import clear_session_cookie, client_ip, set_session_cookie
from autostack_core.services.teams import teams_json

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


_MAYBE_TEXT: dict[str, Any] = {"type": "string", "nullable": True}
SCHEMAS: dict[str, Any] = {
    "User": {
        "type": "object",
        "description": "What accounts.user_json() writes.",
        "required": ["id", "email", "name", "avatar_url", "subscription_tier", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
            "avatar_url": _MAYBE_TEXT, "subscription_tier": {"type": "string"},
            "created_at": {"type": "string"},
        },
    },
    "SignedIn": {
        "type": "object", "required": ["user"],
        "properties": {"user": {"$ref": "#/components/schemas/User"},
                       "token": {"type": "string"}, "csrf_token": {"type": "string"}},
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class SignupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    password: str
    name: str = Field(default="", max_length=120)
    token_name: str | None = Field(default=None, min_length=1, max_length=120)


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    password: str = Field(max_length=accounts.MAX_PASSWORD_LENGTH)
    token_name: str | None = Field(default=None, min_length=1, max_length=120)


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)


def host_of(request: Request) -> AutoStack:
    host: AutoStack = request.app.state.autostack
    return host


async def signed_in(
    request: Request, user: User, token_name: str | None, status: int
) -> JSONResponse:
    """The answer to a successful sign-up or login: an API token or a session cookie."""
    body: dict[str, Any] = {"user": accounts.user_json(user)}
    if token_name:
        token, raw = await accounts.create_api_token(user, token_name)
        await accounts.audit("token.created", user=user, target=("api_token", str(token.id)),
                             ip=client_ip(request), name=token_name)
        body["token"] = raw
        return JSONResponse(body, status_code=status)
    session, key = await accounts.create_session(
        user, request.headers.get("user-agent", ""), client_ip(request)
    )
    body["csrf_token"] = session.csrf_token
    response = JSONResponse(body, status_code=status)
    set_session_cookie(response, host_of(request), key)
    return response


async def signup(request: Request) -> Response:
    """Create an account with a personal team; signs in (cookie, or a token with token_name).
    ---
    summary: Sign up
    tags: [auth]
    body: SignupBody
    security: []
    responses:
      201:
        description: "{user, token} or {user, csrf_token} with a session cookie"
        schema: SignedIn
      409: {description: the email is taken}
      422: {description: invalid email or password}
      429: {description: too many sign-ups from this address; see Retry-After}
    """
    body = await read_body(request, SignupBody)
    user = await accounts.sign_up(body.email, body.password, body.name, client_ip(request))
    return await signed_in(request, user, body.token_name, 201)


async def login(request: Request) -> Response:
    """Log in with email and password: a session cookie, or an API token with token_name.
    ---
    summary: Log in
    tags: [auth]
    body: LoginBody
    security: []
    responses:
      200:
        description: "{user, token} or {user, csrf_token} with a session cookie"
        schema: SignedIn
      401: {description: wrong email or password}
      429: {description: too many failed logins from this address; see Retry-After}
    """
    body = await read_body(request, LoginBody)
    user = await accounts.login(body.email, body.password, client_ip(request))
    return await signed_in(request, user, body.token_name, 200)


async def logout(request: Request) -> Response:
    """End this browser session, or revoke the API token that authenticated the request.
    ---
    summary: Log out
    tags: [auth]
    responses:
      204: {description: signed out}
      401: {description: not signed in}
    """
    user = current_user(request)
    ip = client_ip(request)
    if request.state.via_token:
        token = request.state.api_token
        await token.delete()
        await accounts.audit("token.revoked", user=user, target=("api_token", str(token.id)),
                             ip=ip)
    elif request.state.session is not None:
        await request.state.session.delete()
        await accounts.audit("auth.logout", user=user, ip=ip)
    response = Response(status_code=204)
    clear_session_cookie(response, host_of(request).settings)
    return response


async def me(request: Request) -> Response:
    """The signed-in user and their teams.
    ---
    summary: Current user
    tags: [auth]
    responses:
      200: {description: "{user, teams: [{slug, name, role, is_personal}]}"}
      401: {description: not signed in}
    """
    user = current_user(request)
    return JSONResponse({"user": accounts.user_json(user), "teams": await teams_json(user)})


async def update_me(request: Request) -> Response:
    """Change the signed-in user's profile.
    ---
    summary: Update profile
    tags: [auth]
    body: ProfileBody
    responses:
      200:
        description: "{user}"
        schema:
          type: object
          required: [user]
          properties: {user: {$ref: "#/components/schemas/User"}}
    """
    user = current_user(request)
    body = await read_body(request, ProfileBody)
    user.name = body.name.strip()
    await user.save(update_fields=["name"])
    return JSONResponse({"user": accounts.user_json(user)})


routes: list[BaseRoute] = [
    Route("/api/v1/auth/signup", signup, methods=["POST"]),
    Route("/api/v1/auth/login", login, methods=["POST"]),
    Route("/api/v1/auth/logout", logout, methods=["POST"]),
    Route("/api/v1/user", me, methods=["GET"]),
    Route("/api/v1/user", update_me, methods=["PATCH"]),
]
