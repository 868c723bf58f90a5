"""Signing in through the registered sign-in providers (GitHub, Google, ...), when configured.

Routes: ``/auth/{provider}/login`` sends the browser to the provider,
``/auth/{provider}/callback`` comes back, finds or creates the user
(:mod:`autostack_core.security.identities`) and signs them in with the same
database session as a password login
(:func:`autostack_core.security.accounts.create_session`). Which providers exist is
the plugins' business (``register_sign_in_providers``,
:mod:`autostack_core.interfaces.sign_in`): a provider says where its endpoints
are and reads a verified identity; this module runs the flow
(:mod:`autostack_core.security.oauth_flow`), the same for all. A browser
already signed in that goes through a provider links it to its account
instead. The routes are browser redirects, not JSON endpoints, so they live
outside ``/api/v1``.

Least scope: signing in asks the provider's own least scope and keeps no
token. Repository access is a separate, later step that a signed-in person
takes when they import or connect a repository, at ``/auth/{host}/connect`` for
a git host that declares an OAuth app (:mod:`autostack_core.git.connect_flow`);
its flow comes back to the same callback, which hands it over. Vercel splits
the two the same way, with its GitHub App in the second step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.git import connect_flow
from autostack_core.infrastructure.models import User
from autostack_core.interfaces.sign_in import OAuthClient, SignInError, SignInProvider
from autostack_core.security import accounts, identities, sso_flow
from autostack_core.security.auth import client_ip, set_session_cookie
from autostack_core.security.oauth_flow import (
    REPOSITORIES,
    SIGN_IN,
    TIMEOUT_SECONDS,
    begin,
    exchange_code,
    failure,
    finished,
    host_of,
    read_flow,
)

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


async def client_for(host: AutoStack, name: str,
                     http: httpx.AsyncClient) -> tuple[SignInProvider, OAuthClient]:
    """The provider ``name`` and its client if it is configured, else :class:`LookupError`."""
    provider = host.sign_in_providers.get(name)
    client = await provider.client(host.settings, http) if provider is not None else None
    if provider is None or client is None:
        raise LookupError(name)
    return provider, client


async def login(request: Request) -> Response:
    """Send the browser to the provider's consent page, remembering the flow in a cookie."""
    provider = request.path_params["provider"]
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        try:
            plugin, client = await client_for(host_of(request), provider, http)
        except LookupError:
            return failure(f"signing in with {provider} is not configured here", 404)
        except SignInError as error:
            return failure(str(error), 502)
    return begin(request, provider, SIGN_IN, client_id=client.client_id,
                 authorize_url=client.authorize_url, scope=client.scope,
                 extra=plugin.authorize_params)


async def callback(request: Request) -> Response:
    """Finish the flow: check the state, exchange the code, find the user, sign in.

    A flow that connects repositories on a git host goes to
    :func:`autostack_core.git.connect_flow.finish`.
    """
    host, provider = host_of(request), request.path_params["provider"]
    signed_in: User | None = request.state.user
    try:
        flow = read_flow(request)
        if flow.get("purpose") == REPOSITORIES:
            return await connect_flow.finish(request, flow)
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
            plugin, client = await client_for(host, provider, http)
            token = await exchange_code(http, request, flow, client_id=client.client_id,
                                        client_secret=client.client_secret,
                                        token_url=client.token_url)
            identity = await plugin.identity(host.settings, http, client, token,
                                             nonce=flow["nonce"], need_email=True)
        user = await identities.user_for(provider, plugin.title, identity, signed_in)
    except LookupError:
        return failure(f"signing in with {provider} is not configured here", 404)
    except OAuth2Error as error:
        return failure(f"the sign-in response was not valid ({error.error}); start again")
    except SignInError as error:
        return failure(str(error))
    if not user.is_active:
        return failure("this account is deactivated", 403)
    response = finished(RedirectResponse(flow["next"], status_code=303), host.settings)
    ip = client_ip(request)
    if signed_in is not None:
        await accounts.audit("auth.connected", user=user, target=("user", str(user.id)), ip=ip,
                             provider=provider)
        return response
    _, key = await accounts.create_session(user, request.headers.get("user-agent", ""), ip)
    set_session_cookie(response, host, key)
    await accounts.audit("auth.login", user=user, target=("user", str(user.id)), ip=ip,
                         method=provider)
    return response


routes: list[BaseRoute] = [
    *connect_flow.routes,
    *sso_flow.routes,
    Route("/auth/{provider:str}/login", login, methods=["GET"]),
    Route("/auth/{provider:str}/callback", callback, methods=["GET"]),
]
