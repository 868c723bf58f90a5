"""Signing in through the registered sign-in providers (GitHub, Google, ...), when configured.

Routes: ``/auth/{provider}/login`` sends the browser to the provider,
``/auth/{provider}/callback`` comes back, finds or creates the user and
signs them in with the same database session as a password login
(:func:`autostack_core.security.accounts.create_session`). Which providers exist is
the plugins' business (``register_sign_in_providers``,
:mod:`autostack_core.interfaces.sign_in`): a provider says where its endpoints
are and reads a verified identity; this module runs the flow, the same for
all. A browser already signed in that goes through a provider links it to its
account instead. The routes are browser redirects, not JSON endpoints, so they
live outside ``/api/v1``.

Least scope: signing in asks the provider's own least scope and keeps no
token. Repository access is a separate, later step that a signed-in person
takes when they import or connect a repository: ``/auth/github/connect`` asks
GitHub for ``repo`` (GitHub's OAuth apps have no narrower scope that reads
private repositories) for the same GitHub account and stores that token
sealed as the person's account on the git host ``github`` (a ``GitAccount``).
It lists the person's repositories and, once they connect one to a project,
clones that repository and no other (:mod:`autostack_core.git.git_credentials`).
Vercel splits the two the same way, with its GitHub App in the second step.

Which user: by the provider's account id where the user model keeps one
(GitHub's, ``users.github_id``), then by the verified email. Joining by email
happens only for accounts without a password (themselves made by a provider):
sign-up does not verify emails, so a password account must log in and
connect. A new person gets an account without a password and a personal team.

Protocol: authlib builds the authorization URL and the PKCE (S256) challenge,
checks the callback's state and builds the token request; httpx makes the
calls. authlib's Starlette client is not used because it needs Starlette's
cookie ``SessionMiddleware`` (AutoStack's sessions are rows), and its httpx
layer warns (authlib 1.9) that it is moving to httpx2. The flow's state, PKCE
verifier, nonce and destination ride in a short-lived cookie signed under a
keyring-derived key, so a callback only completes in the browser that
started it.
"""

from __future__ import annotations

import html
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
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.config import Settings
from autostack_core.git import git_connections
from autostack_core.infrastructure.models import User
from autostack_core.interfaces.sign_in import Identity, OAuthClient, SignInError, SignInProvider
from autostack_core.security import accounts
from autostack_core.security.auth import (
    client_ip,
    cookie_name,
    set_cookie,
    set_session_cookie,
    signer,
)

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

FLOW_COOKIE = "autostack_oauth"
FLOW_SECONDS = 600
TIMEOUT_SECONDS = 15
REPOSITORIES_SCOPE = "repo"
"""Connecting GitHub repositories: read (clone) them and manage their webhooks."""
REPOSITORIES_HOST = "github"
"""The git host whose credential the repository step stores (its plugin uses it)."""
LINKED_BY_ACCOUNT_ID = "github"
"""The provider whose account id the user model keeps (``users.github_id``)."""


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


async def client_for(host: AutoStack, name: str,
                     http: httpx.AsyncClient) -> tuple[SignInProvider, OAuthClient]:
    """The provider ``name`` and its client if it is configured, else :class:`LookupError`."""
    provider = host.sign_in_providers.get(name)
    client = await provider.client(host.settings, http) if provider is not None else None
    if provider is None or client is None:
        raise LookupError(name)
    return provider, client


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


async def exchange_code(http: httpx.AsyncClient, client: OAuthClient, code: str,
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


# -- users ---------------------------------------------------------------------------------


async def _link_github(user: User, identity: Identity) -> User:
    user.github_id = identity.account_id
    user.avatar_url = user.avatar_url or identity.avatar_url
    await user.save(update_fields=["github_id", "avatar_url"])
    return user


async def grant_repositories(user: User, identity: Identity, token: str) -> User:
    """Store ``token`` (scope ``repo``) as ``user``'s access on the git host ``github``.

    It must be the GitHub account already linked to ``user`` (or one linked to
    nobody, which it then links): otherwise a person could lend their AutoStack
    account another GitHub account's access without that account's sign-in.
    """
    owner = await User.get_or_none(github_id=identity.account_id)
    if owner is not None and owner.id != user.id:
        raise SignInError("this GitHub account is connected to another AutoStack user")
    if user.github_id is not None and user.github_id != identity.account_id:
        raise SignInError(f"you approved access as {identity.login or 'another account'}"
                          ", but your AutoStack account is linked to another GitHub account: "
                          "sign in to GitHub with that one and connect again")
    user.github_id = identity.account_id
    user.avatar_url = user.avatar_url or identity.avatar_url
    await user.save(update_fields=["github_id", "avatar_url"])
    await git_connections.save_account_credential(user, REPOSITORIES_HOST, token)
    return user


async def user_for(provider: str, identity: Identity, signed_in: User | None) -> User:
    """The user to sign in (or ``signed_in``, now linked); created if new."""
    linked = provider == LINKED_BY_ACCOUNT_ID and identity.account_id is not None
    if linked:
        owner = await User.get_or_none(github_id=identity.account_id)
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
    if linked:
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
            plugin, client = await client_for(host, provider, http)
        except LookupError:
            return failure(f"signing in with {provider} is not configured here", 404)
        except SignInError as error:
            return failure(str(error), 502)
    flow = {"provider": provider, "purpose": purpose, "state": generate_token(32),
            "verifier": generate_token(64), "nonce": generate_token(32),
            "next": safe_next(request.query_params.get("next"))}
    extra = plugin.authorize_params(flow["nonce"])
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
            plugin, client = await client_for(host, provider, http)
            params = parse_authorization_code_response(str(request.url), flow["state"])
            callback_url = redirect_uri(host.settings, provider)
            token = await exchange_code(http, client, str(params["code"]), flow, callback_url)
            identity = await plugin.identity(host.settings, http, client, token,
                                             nonce=flow["nonce"], need_email=not repositories)
        if repositories and signed_in is not None:
            user = await grant_repositories(signed_in, identity, str(token["access_token"]))
        else:
            user = await user_for(provider, identity, signed_in)
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
