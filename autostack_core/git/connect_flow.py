"""A signed-in person grants AutoStack access to their repositories on a git host.

``/auth/{host}/connect`` runs the OAuth 2 flow of :mod:`autostack_core.security.oauth_flow`
with the OAuth app the git host plugin declares (:meth:`GitHost.oauth_app`:
authorize and token URLs, scopes, the app's credentials from the server's
settings). Its callback is the sign-in one, ``/auth/{host}/callback``, which
hands the flow to :func:`finish`: the code becomes a token, the host says whose
it is (:meth:`GitHost.account`), that account is linked to the person
(:func:`autostack_core.security.identities.link`: it must be theirs alone) and
the token is stored sealed as their credential on the host (a ``GitAccount``,
:mod:`autostack_core.git.git_connections`). It lists the person's repositories
and, once they connect one to a project, clones that repository and no other
(:mod:`autostack_core.git.git_credentials`).

Answers: an unknown host 404 naming it; a host that connects no accounts 404
saying so; a host whose OAuth app the admin has not configured 503 saying what
to set; someone not signed in is sent to log in first.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.git import git_connections
from autostack_core.infrastructure.models import User
from autostack_core.interfaces.git_host import GitHost, GitHostError, OAuthApp
from autostack_core.interfaces.sign_in import SignInError
from autostack_core.security import accounts, identities
from autostack_core.security.auth import client_ip
from autostack_core.security.oauth_flow import (
    REPOSITORIES,
    TIMEOUT_SECONDS,
    begin,
    exchange_code,
    failure,
    finished,
    host_of,
)

FAILED = "Connecting repositories failed"


class Unavailable(Exception):
    """The host cannot connect accounts here; ``response`` says why."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def oauth_app_of(request: Request, name: str) -> tuple[GitHost, OAuthApp]:
    """The git host ``name`` and its configured OAuth app, or :class:`Unavailable`."""
    app = host_of(request)
    git_host = app.git_hosts.get(name)
    connecting = ", ".join(git_connections.connecting_hosts(app)) or "none"
    if git_host is None:
        raise Unavailable(failure(f"no git host named {name[:48]!r} is installed here "
                                  f"(hosts that connect accounts: {connecting})", 404, FAILED))
    oauth = git_host.oauth_app(app.settings)
    if oauth is None:
        raise Unavailable(failure(f"{git_host.title} connects no accounts: it has no OAuth "
                                  "app, and its repositories are cloned without credentials "
                                  f"(hosts that connect accounts: {connecting})", 404, FAILED))
    if not oauth.configured:
        raise Unavailable(failure(f"connecting {git_host.title} repositories is not "
                                  f"configured on this server: {oauth.configure}", 503, FAILED))
    return git_host, oauth


async def connect(request: Request) -> Response:
    """Send a signed-in person to the host's consent page, asking the OAuth app's scopes."""
    name = request.path_params["host"]
    try:
        _, oauth = oauth_app_of(request, name)
    except Unavailable as unavailable:
        return unavailable.response
    if request.state.user is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    assert oauth.client_id is not None  # configured
    return begin(request, name, REPOSITORIES, client_id=oauth.client_id,
                 authorize_url=oauth.authorize_url, scope=" ".join(oauth.scopes))


async def finish(request: Request, flow: dict[str, str]) -> Response:
    """The callback of a :func:`connect` flow: link the account, store its token sealed."""
    name, signed_in = flow["provider"], request.state.user
    if signed_in is None:
        return failure("sign in first, then connect your repositories", title=FAILED)
    user: User = signed_in
    try:
        git_host, oauth = oauth_app_of(request, name)
        assert oauth.client_id is not None and oauth.client_secret is not None
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
            token = await exchange_code(http, request, flow, client_id=oauth.client_id,
                                        client_secret=oauth.client_secret,
                                        token_url=oauth.token_url)
        credential = str(token["access_token"])
        account = await git_host.account(host_of(request).settings, credential)
        await identities.link(user, name, git_host.title, account.external_id, account.login,
                              account.avatar_url)
        await git_connections.save_account_credential(user, name, credential)
    except Unavailable as unavailable:
        return unavailable.response
    except OAuth2Error as error:
        return failure(f"the response was not valid ({error.error}); start again", title=FAILED)
    except GitHostError as error:
        return failure(f"{name} did not say whose access this is: {error.message}", 502, FAILED)
    except SignInError as error:
        return failure(str(error), title=FAILED)
    await accounts.audit("auth.repositories_connected", user=user, target=("user", str(user.id)),
                         ip=client_ip(request), provider=name)
    return finished(RedirectResponse(flow["next"], status_code=303), host_of(request).settings)


routes: list[BaseRoute] = [
    Route("/auth/{host:str}/connect", connect, methods=["GET"]),
]
