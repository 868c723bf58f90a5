"""Signing in to a team through its own OpenID Connect provider (team single sign-on).

Routes: ``/auth/sso`` asks which team (the login page links it);
``/auth/sso/{slug}/login`` reads the team's issuer's discovery document and
sends the browser there with a state, a nonce and a PKCE challenge
(:func:`autostack_core.security.oauth_flow.begin`, the flow every sign-in
uses); ``/auth/sso/{slug}/callback`` exchanges the code, verifies the ID token
(:mod:`autostack_core.security.oidc`), finds or creates the user, makes them a
member with the role the provider's claim maps to
(:mod:`autostack_core.services.team_sso`) and signs them in with a session
marked as the team's SSO one. Every call to the issuer goes through the
outbound allow-list (:class:`autostack_core.security.outbound.Outbound`): a
team owner types the issuer's URL, so it must not reach the server's own
network unless the operator opened it.

Accounts: the provider's ``sub`` is linked to one user (``user_identities``,
host ``sso-<team id>``). A new subject whose e-mail already has an AutoStack
account is not joined to it by e-mail: a team's provider could claim anyone's
address. That person logs in to their account first and signs in with SSO
again, which links the two.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.infrastructure.models import Team, User, UserSession
from autostack_core.infrastructure.models.sso import TeamSso
from autostack_core.interfaces.sign_in import SignInError
from autostack_core.security import accounts, identities, oidc
from autostack_core.security.auth import client_ip, set_session_cookie
from autostack_core.security.oauth_flow import (
    TIMEOUT_SECONDS,
    begin,
    exchange_code,
    failure,
    finished,
    host_of,
    read_flow,
)
from autostack_core.security.outbound import Outbound
from autostack_core.services import quotas, team_sso

if TYPE_CHECKING:
    from ssrfguard.httpx import AsyncClient

SCOPE = "openid email profile"
PURPOSE = "team-sso"


def _name(slug: str) -> str:
    """The flow's name: its callback is ``/auth/sso/{slug}/callback``."""
    return f"sso/{slug}"


async def _config(slug: str) -> tuple[Team, TeamSso]:
    team = await Team.get_or_none(slug=slug) if len(slug) <= 48 else None
    config = await TeamSso.get_or_none(team=team) if team is not None else None
    if team is None or config is None:
        raise LookupError(slug)
    return team, config


def _http(request: Request) -> AsyncClient:
    return Outbound.from_settings(host_of(request).settings).client(timeout=TIMEOUT_SECONDS)


async def choose_team(request: Request) -> Response:
    """Ask for the team's slug, or go on to its sign-in when ``team`` is given."""
    slug = request.query_params.get("team", "").strip().lower()
    next_path = request.query_params.get("next", "")
    if slug:
        target = team_sso.login_path(slug)
        query = f"?{urlencode({'next': next_path})}" if next_path else ""
        return RedirectResponse(target + query, status_code=303)
    return HTMLResponse(
        "<!doctype html><title>Single sign-on</title><h1>Sign in with single sign-on</h1>"
        "<form method=get action=/auth/sso><label>Team slug "
        "<input name=team required maxlength=48 autofocus></label>"
        f"<input type=hidden name=next value=\"{html.escape(next_path, quote=True)}\">"
        "<button>Continue</button></form><p><a href=\"/login\">Back to log in</a></p>")


async def login(request: Request) -> Response:
    """Send the browser to the team's identity provider."""
    slug = request.path_params["slug"]
    try:
        _, config = await _config(slug)
        async with _http(request) as http:
            discovery = await oidc.discover(http, config.issuer)
    except LookupError:
        return failure(f"the team {slug} has no single sign-on", 404)
    except SignInError as error:
        return failure(str(error), 502)
    return begin(request, _name(slug), PURPOSE, client_id=config.client_id,
                 authorize_url=discovery["authorization_endpoint"], scope=SCOPE,
                 extra=lambda nonce: {"nonce": nonce})


async def _claims(request: Request, config: TeamSso, flow: dict[str, str]) -> dict[str, Any]:
    async with _http(request) as http:
        discovery = await oidc.discover(http, config.issuer)
        secret = config.client_secret or ""
        token = await exchange_code(http, request, flow, client_id=config.client_id,
                                    client_secret=secret,
                                    token_url=discovery["token_endpoint"])
        return await oidc.verify_id_token(http, discovery, str(token.get("id_token") or ""),
                                          client_id=config.client_id, nonce=flow["nonce"])


async def _user(team: Team, claims: dict[str, Any], email: str, signed_in: User | None) -> User:
    host, title, subject = f"sso-{team.id}", f"{team.name} single sign-on", str(claims["sub"])
    owner = await identities.owner_of(host, subject)
    await team_sso.check_room(team, owner or signed_in)
    if owner is not None:
        return owner
    if signed_in is None:
        if await User.exists(email=email):
            raise SignInError("an AutoStack account with this e-mail already exists: log in "
                              "to it, then sign in with single sign-on again to connect it")
        signed_in = await accounts.create_user(email, None, str(claims.get("name") or ""))
    return await identities.link(signed_in, host, title, subject, email)


async def callback(request: Request) -> Response:
    """Verify the provider's answer, join the team with the mapped role, sign in."""
    slug = request.path_params["slug"]
    signed_in: User | None = request.state.user
    try:
        team, config = await _config(slug)
        flow = read_flow(request, _name(slug))
        claims = await _claims(request, config, flow)
        email = team_sso.check_email(config, claims)
        role = team_sso.mapped_role(config, claims)
        user = await _user(team, claims, email, signed_in)
    except LookupError:
        return failure(f"the team {slug} has no single sign-on", 404)
    except OAuth2Error as error:
        return failure(f"the sign-in response was not valid ({error.error}); start again")
    except SignInError as error:
        return failure(str(error))
    except quotas.QuotaExceeded as error:
        return failure(f"the team {team.name} is full: {error.message}", 402)
    if not user.is_active:
        return failure("this account is deactivated", 403)
    await team_sso.join(team, user, role)
    ip = client_ip(request)
    old: UserSession | None = request.state.session
    if old is not None:
        await UserSession.filter(id=old.id).delete()
    session, key = await accounts.create_session(user, request.headers.get("user-agent", ""), ip)
    await team_sso.record_session(session.id, team, str(claims["sub"]))
    response = finished(RedirectResponse(flow["next"], status_code=303), host_of(request).settings)
    set_session_cookie(response, host_of(request), key)
    await accounts.audit("auth.login", user=user, team=team, target=("user", str(user.id)),
                         ip=ip, method="sso")
    return response


routes: list[BaseRoute] = [
    Route("/auth/sso", choose_team, methods=["GET"]),
    Route("/auth/sso/{slug:str}/login", login, methods=["GET"]),
    Route("/auth/sso/{slug:str}/callback", callback, methods=["GET"]),
]
