"""One OAuth 2 authorization-code flow, whatever it is for: signing in
(:mod:`autostack_core.security.oauth`) or connecting repositories on a git host
(:mod:`autostack_core.git.connect_flow`).

:func:`begin` sends the browser to the authorization URL with a state and a
PKCE (S256) challenge, and remembers the flow in a short-lived cookie signed
under a keyring-derived key, so a callback only completes in the browser that
started it; :func:`read_flow` reads it back at ``/auth/{name}/callback`` and
:func:`exchange_code` trades the code for the token response. Both purposes come
back to the same callback: an OAuth app registered for signing in with GitHub
then also serves connecting GitHub repositories, as it did when only GitHub
connected (GitHub accepts a ``redirect_uri`` only at or below the app's
registered callback URL).

authlib builds the authorization URL and the PKCE challenge, checks the
callback's state and builds the token request; httpx makes the calls.
authlib's Starlette client is not used because it needs Starlette's cookie
``SessionMiddleware`` (AutoStack's sessions are rows), and its httpx layer
warns (authlib 1.9) that it is moving to httpx2.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from autostack_core.config import Settings
from autostack_core.interfaces.sign_in import SignInError
from autostack_core.security.auth import cookie_name, set_cookie, signer

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

FLOW_COOKIE = "autostack_oauth"
FLOW_SECONDS = 600
TIMEOUT_SECONDS = 15
SIGN_IN = "sign-in"
REPOSITORIES = "repositories"
"""The two purposes of a flow, kept in its cookie: the callback finishes each its own way."""


def host_of(request: Request) -> AutoStack:
    host: AutoStack = request.app.state.autostack
    return host


def safe_next(value: str | None) -> str:
    """A local path to land on after the flow; never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/dashboard"


def redirect_uri(settings: Settings, name: str) -> str:
    return f"{settings.server_url.rstrip('/')}/auth/{name}/callback"


def failure(message: str, status: int = 400, title: str = "Sign-in failed") -> Response:
    return HTMLResponse(
        f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p><p><a href=\"/login\">Back to log in</a></p>",
        status_code=status,
    )


def _flow_signer(host: AutoStack) -> Any:
    return signer(host.keyring, "oauth-flow")


def begin(request: Request, name: str, purpose: str, *, client_id: str, authorize_url: str,
          scope: str, extra: Callable[[str], dict[str, str]] | None = None) -> Response:
    """Send the browser to ``authorize_url`` for ``purpose``, remembering the flow in a cookie.

    ``extra``, given the flow's nonce, adds parameters to the authorization URL
    (OpenID Connect's ``nonce``).
    """
    host = host_of(request)
    flow = {"provider": name, "purpose": purpose, "state": generate_token(32),
            "verifier": generate_token(64), "nonce": generate_token(32),
            "next": safe_next(request.query_params.get("next"))}
    url = prepare_grant_uri(
        authorize_url, client_id, "code", redirect_uri=redirect_uri(host.settings, name),
        scope=scope, state=flow["state"],
        code_challenge=create_s256_code_challenge(flow["verifier"]),
        code_challenge_method="S256", **(extra(flow["nonce"]) if extra else {}),
    )
    response = RedirectResponse(url, status_code=303)
    set_cookie(response, host.settings, FLOW_COOKIE, _flow_signer(host).dumps(flow),
               FLOW_SECONDS)
    return response


def read_flow(request: Request, name: str | None = None) -> dict[str, str]:
    """The flow this browser started for ``name`` (the callback's ``{provider}`` by
    default), or :class:`SignInError`."""
    raw = request.cookies.get(cookie_name(host_of(request).settings, FLOW_COOKIE))
    try:
        flow = _flow_signer(host_of(request)).loads(raw or "", max_age=FLOW_SECONDS)
    except BadSignature:
        flow = None
    if not isinstance(flow, dict):
        raise SignInError("this sign-in expired or was started in another browser; "
                          "start again")
    flow = {str(key): str(value) for key, value in flow.items()}
    if flow["provider"] != (name or request.path_params["provider"]):
        raise SignInError("this sign-in was started with another provider; start again")
    if "error" in request.query_params:
        raise SignInError(request.query_params.get("error_description")
                          or request.query_params["error"])
    return flow


def finished(response: Response, settings: Settings) -> Response:
    """``response`` with the flow's cookie deleted (a code is used once)."""
    response.delete_cookie(cookie_name(settings, FLOW_COOKIE), path="/",
                           secure=settings.secure_cookies, httponly=True, samesite="lax")
    return response


async def exchange_code(http: httpx.AsyncClient, request: Request, flow: dict[str, str], *,
                        client_id: str, client_secret: str, token_url: str) -> dict[str, Any]:
    """The token response for the callback's code (client_secret_post, with the PKCE
    verifier); authlib's ``OAuth2Error`` when the callback's state is not the flow's."""
    params = parse_authorization_code_response(str(request.url), flow["state"])
    body = prepare_token_request(
        "authorization_code", code=str(params["code"]),
        redirect_uri=redirect_uri(host_of(request).settings, flow["provider"]),
        code_verifier=flow["verifier"], client_id=client_id, client_secret=client_secret,
    )
    try:
        response = await http.post(
            token_url, content=body,
            headers={"Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )
        token: Any = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise SignInError(f"the code could not be exchanged ({error})") from error
    if not isinstance(token, dict) or "access_token" not in token:
        reason = token.get("error_description") or token.get("error") \
            if isinstance(token, dict) else None
        raise SignInError(f"the provider refused the sign-in: {reason or 'no access token'}")
    return token
