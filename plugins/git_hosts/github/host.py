"""GitHub as a git host: its webhooks, and repositories connected with a person's own access.

Like Vercel's Git integration, a repository is connected by a person whose
own GitHub access covers it: the core asks :meth:`GitHubHost.repository` with
that person's token (GitHub answers 404 for a private repository the token
cannot read) before it records the connection, and sets up the webhook with
:meth:`GitHubHost.ensure_webhook`. The token is the one the person granted at
``/auth/github/connect`` through the OAuth app :meth:`GitHubHost.oauth_app`
declares, with scope ``repo`` (GitHub's OAuth apps have no narrower scope that
reads private repositories); signing in with GitHub grants none.

What a clone sends (:meth:`GitHubHost.clone_for_deployment`): with a GitHub
App configured (``AUTOSTACK_GITHUB_APP_ID`` and its private key), a one-hour
token of the App's installation, narrowed by GitHub to that one repository
and to reading it; without one, the connecting person's own token. Both go
as HTTP Basic with the user name ``x-access-token``, as GitHub documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError

from autostack_core.config import Settings
from autostack_core.interfaces.git_host import (
    CloneCredential,
    GitEvent,
    GitHostError,
    Headers,
    HostAccount,
    OAuthApp,
    Repository,
    WebhookSetup,
)

from . import rest, webhooks
from .config import CLIENT_ID, CLIENT_SECRET, GitHubConfig

BASIC_USER = "x-access-token"
REPOSITORIES_SCOPES = ("repo",)
"""Connecting repositories: read (clone) them and manage their webhooks."""


def repository_of(settings: Settings, url: str) -> str | None:
    """``owner/name`` when ``url`` is a repository's URL on the configured GitHub host.

    ``https://github.com/owner/name`` with or without ``.git`` or a trailing slash;
    another scheme or host, user info, a query, a fragment or a deeper path names
    no repository.
    """
    parts, github = urlsplit(url), urlsplit(GitHubConfig.of(settings).url)
    if parts.scheme not in ("http", "https") or parts.scheme != github.scheme \
            or parts.netloc.lower() != github.netloc.lower():
        return None
    if parts.query or parts.fragment:
        return None
    names = parts.path.strip("/").removesuffix(".git").split("/")
    if len(names) != 2 or not all(names) or any(name in (".", "..") for name in names):
        return None
    return "/".join(names)


async def app_token(settings: Settings, repository: str) -> str:
    """The configured GitHub App's installation token for ``repository`` alone."""
    config = GitHubConfig.of(settings)
    if not config.app_private_key_file:
        raise ValueError("AUTOSTACK_GITHUB_APP_PRIVATE_KEY_FILE is not set")
    key = Path(config.app_private_key_file).read_text(encoding="ascii")
    return await rest.installation_token(config.api_url, str(config.app_id), key, repository)


class GitHubHost:
    """GitHub: the webhook format of :mod:`.webhooks` and the REST calls of :mod:`.rest`."""

    name = webhooks.NAME
    title = "GitHub"
    signature_headers = webhooks.FORMAT.signature_headers

    def has_signature(self, headers: Headers) -> bool:
        return webhooks.FORMAT.has_signature(headers)

    def delivery_id(self, headers: Headers) -> str | None:
        return webhooks.FORMAT.delivery_id(headers)

    def verify(self, headers: Headers, body: bytes, secret: str) -> bool:
        return webhooks.verify(headers, body, secret)

    def parse(self, headers: Headers, payload: Any) -> list[GitEvent]:
        return webhooks.parse(headers, payload)

    def oauth_app(self, settings: Settings) -> OAuthApp | None:
        config = GitHubConfig.of(settings)
        base = config.url.rstrip("/")
        return OAuthApp(f"{base}/login/oauth/authorize", f"{base}/login/oauth/access_token",
                        REPOSITORIES_SCOPES, config.client_id, config.client_secret,
                        configure=f"the server's admin sets {CLIENT_ID} and {CLIENT_SECRET} "
                                  "to a GitHub OAuth app's")

    async def account(self, settings: Settings, credential: str) -> HostAccount:
        async with rest.GitHub(GitHubConfig.of(settings).api_url, credential) as github:
            user = await github.user()
        return HostAccount(str(user["id"]), str(user.get("login") or ""),
                           user.get("avatar_url"))

    def repository_of(self, settings: Settings, url: str) -> str | None:
        return repository_of(settings, url)

    async def repositories(self, settings: Settings, credential: str,
                           limit: int) -> list[Repository]:
        async with rest.GitHub(GitHubConfig.of(settings).api_url, credential) as github:
            return await github.repositories(limit)

    async def repository(self, settings: Settings, credential: str, name: str) -> Repository:
        async with rest.GitHub(GitHubConfig.of(settings).api_url, credential) as github:
            return await github.repository(name)

    async def ensure_webhook(self, settings: Settings, credential: str, repository: str,
                             url: str, secret: str) -> dict[str, Any]:
        async with rest.GitHub(GitHubConfig.of(settings).api_url, credential) as github:
            return (await github.ensure_webhook(repository, url, secret)).to_dict()

    async def delete_webhook(self, settings: Settings, credential: str, repository: str,
                             webhook_id: str) -> None:
        async with rest.GitHub(GitHubConfig.of(settings).api_url, credential) as github:
            await github.delete_webhook(repository, webhook_id)

    def webhook_setup(self, settings: Settings) -> WebhookSetup | None:
        return webhooks.FORMAT.setup

    def clone_as_user(self, credential: str) -> CloneCredential:
        return CloneCredential(BASIC_USER, credential)

    async def clone_for_deployment(self, settings: Settings, repository: str,
                                   credential: str) -> CloneCredential:
        if GitHubConfig.of(settings).app_id is None:
            return CloneCredential(BASIC_USER, credential)
        try:
            return CloneCredential(BASIC_USER, await app_token(settings, repository))
        except (GitHostError, JoseError, OSError, ValueError) as error:
            raise GitHostError(502, f"the GitHub App gave no token for {repository} ({error}): "
                                    "install it on the repository's account, with access to "
                                    "the repository") from error
