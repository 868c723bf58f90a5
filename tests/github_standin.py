"""A local stand-in for GitHub and for Google's sign-in, served on 127.0.0.1.

Their real servers cannot be reached from here, so tests talk to this app
instead (uvicorn on a free loopback port). It answers in the documented
shapes:

* GitHub OAuth web flow (docs.github.com/apps/oauth-apps): ``/login/oauth/authorize``
  redirects back with ``code`` and ``state``; ``/login/oauth/access_token``
  checks the client secret, the redirect URI and the PKCE verifier (S256).
* GitHub REST (docs.github.com/rest): ``/user``, ``/user/emails``,
  ``/user/repos`` paginated with a ``Link`` header, ``/repos/{owner}/{repo}``,
  ``/repos/{owner}/{repo}/hooks`` (list, create, update, delete; only the
  repository's owner manages them, others get 404 as from GitHub), with
  ``Authorization: Bearer <token>``.
* Git smart HTTP for its repositories through ``git http-backend``: like
  GitHub for a private repository, 401 unless HTTP Basic carries a token
  (``x-access-token:<token>``) of an account that may read it.
* Scopes as GitHub's OAuth apps have them: a token carries the scopes its
  authorization asked for, and only a token with ``repo`` sees private
  repositories (the REST API answers 404 for them, git 401).
* A GitHub App (docs.github.com/apps): ``/repos/{owner}/{repo}/installation``
  and ``/app/installations/{id}/access_tokens`` for the App's RS256 JWT; an
  installation token opens only the repositories it was issued for.
* Every request's ``Authorization`` header is recorded (:attr:`StandIn.authorizations`),
  so a test can tell whose token was sent where (:meth:`StandIn.sent`).
* Google OpenID Connect (developers.google.com/identity/openid-connect):
  a discovery document under ``/google``, authorize, a token endpoint whose
  ``id_token`` is RS256-signed by a key published at ``jwks_uri``.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from autostack_core.config import Settings
from autostack_core.git import git_connections
from autostack_core.infrastructure.models import User, UserIdentity
from tests.conftest import free_port

CLIENT_ID = "standin-client-id"
CLIENT_SECRET = "standin-client-secret"


@dataclass
class Account:
    """A person on the stand-in: a GitHub account and/or a Google account."""

    id: int
    login: str
    email: str
    name: str = "Octo Cat"
    email_verified: bool = True


@dataclass
class Grant:
    account: Account
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scope: str = ""


FULL_SCOPE = "read:user user:email repo"
"""What a test token gets unless it says otherwise: profile, emails, repositories."""


@dataclass
class StandIn:
    """The stand-in's state; tests set ``approving`` and add repositories."""

    git_root: Path
    url: str = ""
    approving: Account | None = None
    tokens: dict[str, Account] = field(default_factory=dict)
    scopes: dict[str, frozenset[str]] = field(default_factory=dict)
    asked_scopes: list[str] = field(default_factory=list)
    """The ``scope`` of each authorization request, in order."""
    authorizations: list[tuple[str, str]] = field(default_factory=list)
    """``("METHOD /path", Authorization header)`` of every request that carried one."""
    grants: dict[str, Grant] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    hooks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "standin-1", "use": "sig", "alg": "RS256"}))
    published: RSAKey | None = None
    """A key to publish at jwks_uri instead of the signing key (a forged id_token)."""
    app_id: str = "4242"
    app_key: RSAKey | None = None
    """The GitHub App's key (made by :meth:`app_private_key`)."""
    installations: dict[str, int] = field(default_factory=dict)
    """The App's installations: the account login it is installed on -> installation id."""
    installation_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    """Installation token -> the repositories (full names) it opens."""

    def add_repository(self, owner: Account, name: str, private: bool = True) -> str:
        """A repository owned by ``owner`` with a bare git repository; returns its full name."""
        full_name = f"{owner.login}/{name}"
        number = len(self.repositories) + 1
        self.repositories[full_name] = {
            "id": number, "name": name, "full_name": full_name, "private": private,
            "owner": {"login": owner.login, "id": owner.id},
            "html_url": f"{self.url}/{full_name}", "clone_url": f"{self.url}/{full_name}.git",
            "default_branch": "main", "description": f"repository {number}",
            "updated_at": f"2024-01-{number % 28 + 1:02d}T00:00:00Z",
        }
        self.hooks[full_name] = []
        return full_name

    def bare_path(self, full_name: str) -> Path:
        return self.git_root / f"{full_name}.git"

    # -- helpers --------------------------------------------------------------------

    def app_private_key(self) -> str:
        """The GitHub App's private key (PEM), made on first use."""
        if self.app_key is None:
            self.app_key = RSAKey.generate_key(2048)
        return self.app_key.as_pem(private=True).decode()

    def install(self, account: Account) -> int:
        """Install the GitHub App on ``account`` (all its repositories)."""
        return self.installations.setdefault(account.login, 100 + len(self.installations))

    def as_app(self, request: Request) -> bool:
        """Whether the request carries a valid JWT of the App (RS256, ``iss`` its id)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or self.app_key is None:
            return False
        try:
            claims = jwt.decode(value, self.app_key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return False
        return claims.get("iss") == self.app_id and claims.get("exp", 0) > time.time()

    def token_of(self, request: Request) -> str | None:
        """The token in ``Authorization``: Bearer (REST) or Basic's password (git)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("bearer", "token"):
            return value
        if scheme.lower() == "basic":
            return base64.b64decode(value).decode().partition(":")[2]
        return None

    def bearer(self, request: Request) -> Account | None:
        scheme = request.headers.get("authorization", "").partition(" ")[0]
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self.tokens.get(self.token_of(request) or "")

    def issue(self, account: Account, scope: str = FULL_SCOPE) -> str:
        token = "gho_" + secrets.token_hex(18)
        self.tokens[token] = account
        self.scopes[token] = frozenset(scope.split())
        return token

    def visible(self, account: Account, token: str | None = None) -> list[dict[str, Any]]:
        """What ``account`` sees through ``token``: its private repositories need ``repo``."""
        private = token is None or "repo" in self.scopes.get(token, frozenset())
        return [repo for repo in self.repositories.values()
                if not repo["private"] or (private and repo["owner"]["id"] == account.id)]

    def sent(self, token: str) -> list[str]:
        """The requests (``"METHOD /path"``) whose ``Authorization`` carried ``token``."""
        found = []
        for line, header in self.authorizations:
            scheme, _, value = header.partition(" ")
            if scheme.lower() == "basic":
                value = base64.b64decode(value).decode(errors="replace")
            if token in value:
                found.append(line)
        return found


def _unauthorized() -> JSONResponse:
    return JSONResponse({"message": "Requires authentication",
                         "documentation_url": "https://docs.github.com/rest"}, status_code=401)


def _not_found() -> JSONResponse:
    return JSONResponse({"message": "Not Found",
                         "documentation_url": "https://docs.github.com/rest"}, status_code=404)


def build_app(state: StandIn) -> ASGIApp:
    """The stand-in's routes over ``state``."""

    async def authorize(request: Request) -> Response:
        query = request.query_params
        if state.approving is None or query.get("client_id") != CLIENT_ID:
            return JSONResponse({"error": "no one approves"}, status_code=400)
        if query.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "PKCE S256 expected"}, status_code=400)
        code = secrets.token_hex(10)
        state.asked_scopes.append(query.get("scope", ""))
        state.grants[code] = Grant(state.approving, query["redirect_uri"],
                                   query["code_challenge"], query.get("nonce"),
                                   query.get("scope", ""))
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(target, status_code=302)

    async def redeem(request: Request) -> Grant | None:
        async with request.form() as form:
            fields = {key: str(value) for key, value in form.items()}
        grant = state.grants.pop(fields.get("code", ""), None)
        if (grant is None or fields.get("client_id") != CLIENT_ID
                or fields.get("client_secret") != CLIENT_SECRET
                or fields.get("redirect_uri") != grant.redirect_uri
                or create_s256_code_challenge(fields.get("code_verifier", ""))
                != grant.code_challenge):
            return None
        return grant

    async def github_token(request: Request) -> Response:
        grant = await redeem(request)
        if grant is None:
            # GitHub answers 200 with an error field for a bad code.
            return JSONResponse({"error": "bad_verification_code",
                                 "error_description": "The code passed is incorrect or expired."})
        token = state.issue(grant.account, grant.scope)
        return JSONResponse({"access_token": token, "token_type": "bearer",
                             "scope": ",".join(sorted(state.scopes[token]))})

    async def user(request: Request) -> Response:
        account = state.bearer(request)
        if account is None:
            return _unauthorized()
        return JSONResponse({"login": account.login, "id": account.id, "name": account.name,
                             "avatar_url": f"{state.url}/avatars/{account.id}",
                             "type": "User", "email": None})

    async def emails(request: Request) -> Response:
        account = state.bearer(request)
        if account is None:
            return _unauthorized()
        return JSONResponse([
            {"email": f"{account.login}@users.noreply.github.com", "primary": False,
             "verified": True, "visibility": None},
            {"email": account.email, "primary": True, "verified": account.email_verified,
             "visibility": "private"},
        ])

    async def user_repos(request: Request) -> Response:
        account = state.bearer(request)
        if account is None:
            return _unauthorized()
        per_page = int(request.query_params.get("per_page", "30"))
        page = int(request.query_params.get("page", "1"))
        repos = sorted(state.visible(account, state.token_of(request)),
                       key=lambda repo: repo["updated_at"], reverse=True)
        pages = max(1, -(-len(repos) // per_page))
        links = []
        if page < pages:
            links.append(f'<{request.url.include_query_params(page=page + 1)}>; rel="next"')
            links.append(f'<{request.url.include_query_params(page=pages)}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return JSONResponse(repos[(page - 1) * per_page: page * per_page], headers=headers)

    def repository_for(request: Request) -> tuple[Account | None, dict[str, Any] | None]:
        account = state.bearer(request)
        full_name = f"{request.path_params['owner']}/{request.path_params['repo']}"
        repo = state.repositories.get(full_name)
        if account is None or repo is None \
                or repo not in state.visible(account, state.token_of(request)):
            return account, None
        return account, repo

    async def repository(request: Request) -> Response:
        account, repo = repository_for(request)
        if account is None:
            return _unauthorized()
        return JSONResponse(repo) if repo else _not_found()

    def hook_json(repo: dict[str, Any], hook_id: int, body: dict[str, Any]) -> dict[str, Any]:
        config = {key: value for key, value in (body.get("config") or {}).items()
                  if key != "secret"}
        if (body.get("config") or {}).get("secret"):
            config["secret"] = "********"
        api = f"{state.url}/repos/{repo['full_name']}/hooks/{hook_id}"
        return {"type": "Repository", "id": hook_id, "name": "web",
                "active": body.get("active", True), "events": body.get("events", ["push"]),
                "config": config, "updated_at": "2024-01-01T00:00:00Z",
                "created_at": "2024-01-01T00:00:00Z", "url": api, "test_url": f"{api}/test",
                "ping_url": f"{api}/pings", "deliveries_url": f"{api}/deliveries",
                "last_response": {"code": None, "status": "unused", "message": None}}

    async def hooks(request: Request) -> Response:
        account, repo = repository_for(request)
        if account is None:
            return _unauthorized()
        if repo is None or repo["owner"]["id"] != account.id:
            return _not_found()
        existing = state.hooks[repo["full_name"]]
        if request.method == "GET":
            return JSONResponse([hook["json"] for hook in existing])
        body = await request.json()
        if not (body.get("config") or {}).get("url"):
            return JSONResponse({"message": "Validation Failed"}, status_code=422)
        number = max((entry["json"]["id"] for entry in existing), default=0) + 1
        hook = {"json": hook_json(repo, number, body),
                "secret": body["config"].get("secret")}
        existing.append(hook)
        return JSONResponse(hook["json"], status_code=201)

    async def hook(request: Request) -> Response:
        account, repo = repository_for(request)
        if account is None:
            return _unauthorized()
        if repo is None:
            return _not_found()
        if repo["owner"]["id"] != account.id:
            return _not_found()
        hook_id = int(request.path_params["hook_id"])
        for entry in state.hooks[repo["full_name"]]:
            if entry["json"]["id"] == hook_id and request.method == "DELETE":
                state.hooks[repo["full_name"]].remove(entry)
                return Response(status_code=204)
            if entry["json"]["id"] == hook_id:
                body = await request.json()
                entry["json"] = hook_json(repo, hook_id, body)
                entry["secret"] = (body.get("config") or {}).get("secret")
                return JSONResponse(entry["json"])
        return _not_found()

    async def git_http(request: Request) -> Response:
        owner, name = request.path_params["owner"], request.path_params["repo"]
        full_name = f"{owner}/{name}"
        repo = state.repositories.get(full_name)
        token = state.token_of(request)
        account = state.tokens.get(token or "")
        opened = full_name in state.installation_tokens.get(token or "", frozenset())
        if repo is None or (repo["private"] and not opened and (
                account is None or repo not in state.visible(account, token))):
            return Response("Authentication failed\n", status_code=401,
                            headers={"WWW-Authenticate": 'Basic realm="GitHub"'})
        return await run_http_backend(state.git_root, request, full_name)

    async def installation(request: Request) -> Response:
        if not state.as_app(request):
            return _unauthorized()
        owner = request.path_params["owner"]
        full_name = f"{owner}/{request.path_params['repo']}"
        if full_name not in state.repositories or owner not in state.installations:
            return _not_found()
        return JSONResponse({"id": state.installations[owner], "account": {"login": owner},
                             "repository_selection": "all"})

    async def access_tokens(request: Request) -> Response:
        if not state.as_app(request):
            return _unauthorized()
        number = request.path_params["installation"]
        owner = next((login for login, id_ in state.installations.items() if id_ == number),
                     None)
        if owner is None:
            return _not_found()
        body = await request.json()
        names = frozenset(f"{owner}/{name}" for name in body.get("repositories") or [])
        if not names or not names <= set(state.repositories):
            return JSONResponse({"message": "There is at least one repository that does not "
                                            "exist or is not accessible"}, status_code=422)
        token = "ghs_" + secrets.token_hex(18)
        state.installation_tokens[token] = names
        return JSONResponse({"token": token, "expires_at": "2099-01-01T00:00:00Z",
                             "permissions": body.get("permissions") or {},
                             "repositories": [state.repositories[n] for n in sorted(names)]},
                            status_code=201)

    async def discovery(request: Request) -> Response:
        issuer = f"{state.url}/google"
        return JSONResponse({
            "issuer": issuer, "authorization_endpoint": f"{issuer}/o/oauth2/v2/auth",
            "token_endpoint": f"{issuer}/token", "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/oauth2/v3/certs", "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "code_challenge_methods_supported": ["plain", "S256"],
        })

    async def google_token(request: Request) -> Response:
        grant = await redeem(request)
        if grant is None:
            return JSONResponse({"error": "invalid_grant", "error_description": "Bad Request"},
                                status_code=400)
        now = int(time.time())
        account = grant.account
        claims = {"iss": f"{state.url}/google", "aud": CLIENT_ID, "azp": CLIENT_ID,
                  "sub": str(account.id), "email": account.email,
                  "email_verified": account.email_verified, "name": account.name,
                  "iat": now, "exp": now + 3600, "nonce": grant.nonce}
        header = {"alg": "RS256", "kid": state.key.kid, "typ": "JWT"}
        return JSONResponse({"access_token": "ya29." + secrets.token_hex(16),
                             "expires_in": 3599, "scope": "openid email profile",
                             "token_type": "Bearer",
                             "id_token": jwt.encode(header, claims, state.key)})

    async def certs(request: Request) -> Response:
        return JSONResponse(KeySet([state.published or state.key]).as_dict(private=False))

    app = Starlette(routes=[
        Route("/login/oauth/authorize", authorize),
        Route("/login/oauth/access_token", github_token, methods=["POST"]),
        Route("/user", user),
        Route("/user/emails", emails),
        Route("/user/repos", user_repos),
        Route("/repos/{owner}/{repo}", repository),
        Route("/repos/{owner}/{repo}/hooks", hooks, methods=["GET", "POST"]),
        Route("/repos/{owner}/{repo}/installation", installation),
        Route("/app/installations/{installation:int}/access_tokens", access_tokens,
              methods=["POST"]),
        Route("/repos/{owner}/{repo}/hooks/{hook_id:int}", hook, methods=["PATCH", "DELETE"]),
        Route("/{owner}/{repo}.git/{path:path}", git_http, methods=["GET", "POST"]),
        Route("/google/.well-known/openid-configuration", discovery),
        Route("/google/o/oauth2/v2/auth", authorize),
        Route("/google/token", google_token, methods=["POST"]),
        Route("/google/oauth2/v3/certs", certs),
    ])

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            line = f"{scope['method']} {scope['path']}"
            state.requests.append(line)
            state.authorizations.extend(
                (line, value.decode("latin-1")) for name, value in scope["headers"]
                if name.lower() == b"authorization")
        await app(scope, receive, send)

    return recording


async def run_http_backend(git_root: Path, request: Request, full_name: str) -> Response:
    """Serve one smart-HTTP request with ``git http-backend`` (CGI)."""
    body = await request.body()
    environ = {
        "PATH": "/usr/bin:/bin", "GIT_PROJECT_ROOT": str(git_root), "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{full_name}.git/{request.path_params['path']}",
        "REQUEST_METHOD": request.method, "QUERY_STRING": request.url.query,
        "CONTENT_TYPE": request.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)), "REMOTE_ADDR": "127.0.0.1",
        "GIT_PROTOCOL": request.headers.get("git-protocol", ""),
    }
    process = await asyncio.create_subprocess_exec(
        "git", "http-backend", env=environ, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    stdout, _ = await process.communicate(body)
    head, _, payload = stdout.partition(b"\r\n\r\n")
    if not payload and b"\n\n" in head:
        head, _, payload = stdout.partition(b"\n\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        else:
            headers[key.strip()] = value.strip()
    return Response(payload, status_code=status, headers=headers)


def push_site(standin: StandIn, full_name: str, work: Path) -> str:
    """Put a one-page site in the stand-in's bare repository; returns the commit sha."""
    bare = standin.bare_path(full_name)
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(bare)], check=True)
    work.mkdir()
    (work / "index.html").write_text("<h1>private</h1>\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "HOME": str(work), "PATH": "/usr/bin:/bin"}
    for command in (["init", "--quiet", "-b", "main"], ["add", "."],
                    ["commit", "--quiet", "-m", "private site"],
                    ["push", "--quiet", str(bare), "main"]):
        subprocess.run(["git", *command], cwd=work, env=env, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def configured(settings: Settings, state: StandIn) -> Settings:
    """``settings`` with GitHub and Google sign-in pointed at the stand-in."""
    return with_plugin_settings(
        settings, AUTOSTACK_GITHUB_CLIENT_ID=CLIENT_ID,
        AUTOSTACK_GITHUB_CLIENT_SECRET=CLIENT_SECRET, AUTOSTACK_GITHUB_URL=state.url,
        AUTOSTACK_GITHUB_API_URL=state.url,
        AUTOSTACK_GOOGLE_CLIENT_ID=CLIENT_ID, AUTOSTACK_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        AUTOSTACK_GOOGLE_DISCOVERY_URL=f"{state.url}/google/.well-known/openid-configuration",
    )


def with_plugin_settings(settings: Settings, **values: str | None) -> Settings:
    """``settings`` as if the environment also set ``values`` (``None``: unset)."""
    merged = {**settings.plugin_settings, **values}
    return replace(settings, plugin_settings={name: value for name, value in merged.items()
                                              if value is not None})


async def grant(user: User, token: str | None) -> None:
    """Store ``token`` as ``user``'s access on the git host ``github`` (``None``: forget it),
    as approving access at ``/auth/github/connect`` does."""
    await git_connections.save_account_credential(user, "github", token)


async def link_github(user: User, account: Account) -> None:
    """Link ``account`` of the stand-in to ``user``, as signing in with GitHub does."""
    await UserIdentity.create(user=user, host="github", external_id=str(account.id),
                              login=account.login)


async def linked_github_id(user: User) -> int | None:
    """The GitHub account id linked to ``user`` (``user_identities``), if any."""
    identity = await UserIdentity.get_or_none(user=user, host="github")
    return int(identity.external_id) if identity is not None else None


async def granted(user: User) -> str | None:
    """``user``'s stored access on the git host ``github``."""
    return await git_connections.account_credential(user, "github")


@contextmanager
def serve(git_root: Path) -> Iterator[StandIn]:
    """Run the stand-in on a free 127.0.0.1 port until the block ends."""
    port = free_port()
    state = StandIn(git_root=git_root, url=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(build_app(state), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", ws="none", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the GitHub stand-in did not start")
        time.sleep(0.02)
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(10)


# -- fixtures (import the ones a test module uses) -----------------------------------------


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandIn]:
    """The GitHub and Google stand-in, with one GitHub account, ``octocat``."""
    with serve(tmp_path / "standin-git") as state:
        state.approving = Account(id=583231, login="octocat", email="octocat@example.com")
        yield state


@pytest.fixture
def settings(settings: Settings, standin: StandIn) -> Settings:
    """The test settings with GitHub and Google sign-in configured against the stand-in."""
    return configured(settings, standin)
