"""Sign in with GitHub (OAuth 2) or Google (OpenID Connect), when configured.

Routes: ``/auth/{github,google}/login`` sends the browser to the provider,
``/auth/{github,google}/callback`` comes back, finds or creates the user and
signs them in with the same database session as a password login
(:func:`autostack_core.accounts.create_session`). A browser already signed in
that goes through GitHub links GitHub to its account instead. The routes live
in the core beside the built-in git remote's (:mod:`autostack_core.app` mounts
both), not under ``/api/v1``: they are browser redirects, not JSON endpoints.

Least scope: signing in with GitHub asks only ``read:user user:email`` (who
you are, your verified email) and keeps no token. Repository access is a
separate, later step that a signed-in person takes when they import or connect
a repository: ``/auth/github/connect`` asks ``repo`` (GitHub's OAuth apps have
no narrower scope that reads private repositories) for the same GitHub account
and stores that token sealed (``users.github_token``). It lists the person's
repositories and, once they connect one to a project, clones that repository
and no other (:mod:`autostack_core.git_credentials`). Vercel splits the two the
same way, with its GitHub App in the second step.

Which user: GitHub by its numeric user id, then by the verified primary email;
Google by its verified email. Joining by email happens only for accounts
without a password (themselves made by a provider): sign-up does not verify
emails, so a password account must log in and connect. A new person gets an
account without a password and a personal team. GitHub's token is stored
no token at sign-in (see above).

Protocol: authlib builds the authorization URL and the PKCE (S256) challenge,
checks the callback's state and builds the token request; joserfc (authlib's
JOSE successor) verifies Google's id_token against the keys at its
``jwks_uri`` (issuer, audience, expiry, nonce); httpx makes the calls.
authlib's Starlette client is not used because it needs Starlette's cookie
``SessionMiddleware`` (AutoStack's sessions are rows), and its httpx layer
warns (authlib 1.9) that it is moving to httpx2. The flow's state, PKCE
verifier, nonce and destination ride in a short-lived cookie signed under a
keyring-derived key, so a callback only completes in the browser that
started it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from itsdangerous import BadSignature
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core import accounts
from autostack_core.auth import client_ip, cookie_name, set_cookie, set_session_cookie, signer
from autostack_core.config import Settings
from autostack_core.github import GitHub, GitHubError
from autostack_core.models import User

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

FLOW_COOKIE = "autostack_oauth"
FLOW_SECONDS = 600
TIMEOUT_SECONDS = 15
GITHUB_SCOPE = "read:user user:email"
"""Signing in: the profile and the verified email, nothing else."""
REPOSITORIES_SCOPE = "repo"
"""Connecting GitHub repositories: read (clone) them and manage their webhooks."""
GOOGLE_SCOPE = "openid email profile"
ID_TOKEN_ALGORITHMS = ["RS256", "ES256"]


class SignInError(Exception):
    """The sign-in cannot complete; the message is shown to the person."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    email: str | None
    name: str
    avatar_url: str | None = None
    github_id: int | None = None
    github_login: str | None = None


@dataclass(frozen=True)
class Client:
    """One configured provider: its endpoints and credentials."""

    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    discovery: dict[str, Any]


def host_of(request: Request) -> AutoStack:
    host: AutoStack = request.app.state.autostack
    return host


def safe_next(value: str | None) -> str:
    """A local path to land on after signing in; never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/dashboard"


def redirect_uri(settings: Settings, provider: str) -> str:
    return f"{settings.server_url.rstrip('/')}/auth/{provider}/callback"


async def _get_json(http: httpx.AsyncClient, url: str, **kwargs: Any) -> Any:
    try:
        response = await http.get(url, **kwargs)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise SignInError(f"the identity provider could not be read ({error})") from error


async def client_for(settings: Settings, provider: str, http: httpx.AsyncClient) -> Client:
    """The provider's client if it is configured, else :class:`LookupError`."""
    if provider == "github" and settings.github_client_id and settings.github_client_secret:
        base = settings.github_url.rstrip("/")
        return Client("github", settings.github_client_id, settings.github_client_secret,
                      f"{base}/login/oauth/authorize", f"{base}/login/oauth/access_token",
                      GITHUB_SCOPE, {})
    if provider == "google" and settings.google_client_id and settings.google_client_secret:
        discovery = await _get_json(http, settings.google_discovery_url)
        if not isinstance(discovery, dict):
            raise SignInError("the Google discovery document is not a JSON object")
        return Client("google", settings.google_client_id, settings.google_client_secret,
                      str(discovery["authorization_endpoint"]), str(discovery["token_endpoint"]),
                      GOOGLE_SCOPE, discovery)
    raise LookupError(provider)


# -- the flow cookie -------------------------------------------------------------------


def _flow_signer(host: AutoStack) -> Any:
    return signer(host.keyring, "oauth-flow")


def read_flow(request: Request) -> dict[str, str]:
    raw = request.cookies.get(cookie_name(host_of(request).settings, FLOW_COOKIE))
    try:
        flow = _flow_signer(host_of(request)).loads(raw or "", max_age=FLOW_SECONDS)
    except BadSignature:
        flow = None
    if not isinstance(flow, dict):
        raise SignInError("this sign-in expired or was started in another browser; "
                          "start again")
    return {str(key): str(value) for key, value in flow.items()}


# -- identities --------------------------------------------------------------------------


async def exchange_code(http: httpx.AsyncClient, client: Client, code: str,
                        flow: dict[str, str], callback: str) -> dict[str, Any]:
    """The token response for ``code`` (client_secret_post, with the PKCE verifier)."""
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=callback,
        code_verifier=flow["verifier"], client_id=client.client_id,
        client_secret=client.client_secret,
    )
    try:
        response = await http.post(
            client.token_url, content=body,
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


async def github_identity(settings: Settings, token: dict[str, Any],
                          with_email: bool = True) -> Identity:
    """The GitHub account of ``token`` (its verified primary email if ``with_email``)."""
    try:
        async with GitHub(settings.github_api_url, str(token["access_token"])) as github:
            user = await github.user()
            email = await github.verified_primary_email() if with_email else None
    except GitHubError as error:
        raise SignInError(error.message) from error
    return Identity(email=email, name=str(user.get("name") or user.get("login") or ""),
                    avatar_url=user.get("avatar_url"), github_id=int(user["id"]),
                    github_login=user.get("login"))


async def google_identity(http: httpx.AsyncClient, client: Client, token: dict[str, Any],
                          flow: dict[str, str]) -> Identity:
    """The verified id_token's person; an unverified email signs nobody in."""
    jwks = await _get_json(http, str(client.discovery["jwks_uri"]))
    try:
        decoded = jwt.decode(str(token.get("id_token") or ""), KeySet.import_key_set(jwks),
                             algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": str(client.discovery["issuer"])},
            aud={"essential": True, "value": client.client_id},
            nonce={"essential": True, "value": flow["nonce"]},
            sub={"essential": True}, exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise SignInError(f"Google's id_token did not verify: {error}") from error
    claims = decoded.claims
    if claims.get("email_verified") is not True or not claims.get("email"):
        raise SignInError("Google did not confirm a verified email for this account")
    return Identity(email=str(claims["email"]), name=str(claims.get("name") or ""),
                    avatar_url=claims.get("picture"))


# -- users ---------------------------------------------------------------------------------


async def _link_github(user: User, identity: Identity) -> User:
    user.github_id = identity.github_id
    user.avatar_url = user.avatar_url or identity.avatar_url
    await user.save(update_fields=["github_id", "avatar_url"])
    return user


async def grant_repositories(user: User, identity: Identity, token: str) -> User:
    """Store ``token`` (scope ``repo``) as ``user``'s repository access.

    It must be the GitHub account already linked to ``user`` (or one linked to
    nobody, which it then links): otherwise a person could lend their AutoStack
    account another GitHub account's access without that account's sign-in.
    """
    owner = await User.get_or_none(github_id=identity.github_id)
    if owner is not None and owner.id != user.id:
        raise SignInError("this GitHub account is connected to another AutoStack user")
    if user.github_id is not None and user.github_id != identity.github_id:
        raise SignInError(f"you approved access as {identity.github_login or 'another account'}"
                          ", but your AutoStack account is linked to another GitHub account: "
                          "sign in to GitHub with that one and connect again")
    user.github_id = identity.github_id
    user.github_token = token
    user.avatar_url = user.avatar_url or identity.avatar_url
    await user.save(update_fields=["github_id", "github_token_sealed", "avatar_url"])
    return user


async def user_for(identity: Identity, signed_in: User | None) -> User:
    """The user to sign in (or ``signed_in``, now linked); created if new."""
    if identity.github_id is not None:
        owner = await User.get_or_none(github_id=identity.github_id)
        if signed_in is not None:
            if owner is not None and owner.id != signed_in.id:
                raise SignInError("this GitHub account is connected to another AutoStack user")
            return await _link_github(signed_in, identity)
        if owner is not None:
            return await _link_github(owner, identity)
    elif signed_in is not None:
        return signed_in
    if identity.email is None:
        raise SignInError("the account has no verified email address; verify one and retry")
    user = await User.get_or_none(email=identity.email.lower())
    if user is not None and user.password_hash is not None:
        # Sign-up does not verify emails: whoever registered this address first
        # must prove the password before a provider account is joined to it.
        raise SignInError("an account with this email already exists: log in with its "
                          "password, then connect GitHub from the New Project page")
    if user is None:
        user = await accounts.create_user(identity.email, None, identity.name)
    if identity.github_id is not None:
        user = await _link_github(user, identity)
    return user


# -- routes -----------------------------------------------------------------------------------


def failure(message: str, status: int = 400) -> Response:
    return HTMLResponse(
        "<!doctype html><title>Sign-in failed</title><h1>Sign-in failed</h1>"
        f"<p>{html.escape(message)}</p><p><a href=\"/login\">Back to log in</a></p>",
        status_code=status,
    )


async def login(request: Request) -> Response:
    """Send the browser to the provider's consent page, remembering the flow in a cookie."""
    return await begin(request, request.path_params["provider"], "sign-in")


async def connect_repositories(request: Request) -> Response:
    """A signed-in person grants access to their GitHub repositories (scope ``repo``)."""
    if request.state.user is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return await begin(request, "github", "repositories")


async def begin(request: Request, provider: str, purpose: str) -> Response:
    """Start a flow for ``purpose`` (``sign-in`` or ``repositories``)."""
    host = host_of(request)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        try:
            client = await client_for(host.settings, provider, http)
        except LookupError:
            return failure(f"signing in with {provider} is not configured here", 404)
        except SignInError as error:
            return failure(str(error), 502)
    flow = {"provider": provider, "purpose": purpose, "state": generate_token(32),
            "verifier": generate_token(64), "nonce": generate_token(32),
            "next": safe_next(request.query_params.get("next"))}
    extra = {"nonce": flow["nonce"]} if provider == "google" else {}
    scope = REPOSITORIES_SCOPE if purpose == "repositories" else client.scope
    url = prepare_grant_uri(
        client.authorize_url, client.client_id, "code",
        redirect_uri=redirect_uri(host.settings, provider), scope=scope,
        state=flow["state"], code_challenge=create_s256_code_challenge(flow["verifier"]),
        code_challenge_method="S256", **extra,
    )
    response = RedirectResponse(url, status_code=303)
    set_cookie(response, host.settings, FLOW_COOKIE, _flow_signer(host).dumps(flow),
               FLOW_SECONDS)
    return response


async def callback(request: Request) -> Response:
    """Finish the flow: check the state, exchange the code, find the user, sign in."""
    host, provider = host_of(request), request.path_params["provider"]
    signed_in: User | None = request.state.user
    try:
        flow = read_flow(request)
        if flow["provider"] != provider:
            raise SignInError("this sign-in was started with another provider; start again")
        if "error" in request.query_params:
            raise SignInError(request.query_params.get("error_description")
                              or request.query_params["error"])
        repositories = flow.get("purpose") == "repositories"
        if repositories and signed_in is None:
            raise SignInError("sign in first, then connect your GitHub repositories")
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
            client = await client_for(host.settings, provider, http)
            params = parse_authorization_code_response(str(request.url), flow["state"])
            callback_url = redirect_uri(host.settings, provider)
            token = await exchange_code(http, client, str(params["code"]), flow, callback_url)
            if provider == "github":
                identity = await github_identity(host.settings, token,
                                                 with_email=not repositories)
            else:
                identity = await google_identity(http, client, token, flow)
        if repositories and signed_in is not None:
            user = await grant_repositories(signed_in, identity, str(token["access_token"]))
        else:
            user = await user_for(identity, signed_in)
    except LookupError:
        return failure(f"signing in with {provider} is not configured here", 404)
    except OAuth2Error as error:
        return failure(f"the sign-in response was not valid ({error.error}); start again")
    except SignInError as error:
        return failure(str(error))
    if not user.is_active:
        return failure("this account is deactivated", 403)
    response = RedirectResponse(flow["next"], status_code=303)
    response.delete_cookie(cookie_name(host.settings, FLOW_COOKIE), path="/",
                           secure=host.settings.secure_cookies, httponly=True, samesite="lax")
    ip = client_ip(request)
    if signed_in is not None:
        action = "auth.repositories_connected" if repositories else "auth.connected"
        await accounts.audit(action, user=user, target=("user", str(user.id)), ip=ip,
                             provider=provider)
        return response
    _, key = await accounts.create_session(user, request.headers.get("user-agent", ""), ip)
    set_session_cookie(response, host, key)
    await accounts.audit("auth.login", user=user, target=("user", str(user.id)), ip=ip,
                         method=provider)
    return response


routes: list[BaseRoute] = [
    Route("/auth/github/connect", connect_repositories, methods=["GET"]),
    Route("/auth/{provider:str}/login", login, methods=["GET"]),
    Route("/auth/{provider:str}/callback", callback, methods=["GET"]),
]
