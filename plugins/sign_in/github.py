"""Sign in with GitHub (OAuth 2), when ``AUTOSTACK_GITHUB_CLIENT_ID`` and its secret are set.

Least scope: signing in asks only ``read:user user:email`` (who you are, your
verified email) and the core keeps no token. The identity is GitHub's numeric
account id (the core links users by it), the login, and the verified primary
email (``GET /user/emails``), read from ``AUTOSTACK_GITHUB_API_URL`` so GitHub
Enterprise Server works the same way. The variables are the GitHub git host
plugin's (one OAuth app serves signing in and connecting repositories); a
plugin does not import another's modules, so the four names are repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from autostack_core import __version__, hookimpl
from autostack_core.config import Settings
from autostack_core.interfaces.sign_in import Identity, OAuthClient, SignInError, SignInProvider

CLIENT_ID, CLIENT_SECRET = "AUTOSTACK_GITHUB_CLIENT_ID", "AUTOSTACK_GITHUB_CLIENT_SECRET"
WEB_URL, API_URL = "AUTOSTACK_GITHUB_URL", "AUTOSTACK_GITHUB_API_URL"
SCOPE = "read:user user:email"
"""Signing in: the profile and the verified email, nothing else."""
EMAILS_PAGE = 100


class GitHubSignIn:
    name = "github"
    title = "GitHub"

    def configured(self, settings: Settings) -> bool:
        return bool(settings.plugin_setting(CLIENT_ID) and settings.plugin_setting(CLIENT_SECRET))

    async def client(self, settings: Settings, http: httpx.AsyncClient) -> OAuthClient | None:
        client_id = settings.plugin_setting(CLIENT_ID)
        secret = settings.plugin_setting(CLIENT_SECRET)
        if not (client_id and secret):
            return None
        base = (settings.plugin_setting(WEB_URL) or "https://github.com").rstrip("/")
        return OAuthClient(client_id, secret, f"{base}/login/oauth/authorize",
                           f"{base}/login/oauth/access_token", SCOPE)

    def authorize_params(self, nonce: str) -> dict[str, str]:
        return {}

    async def identity(
        self, settings: Settings, http: httpx.AsyncClient, client: OAuthClient,
        token: Mapping[str, Any], *, nonce: str, need_email: bool,
    ) -> Identity:
        headers = {"Authorization": f"Bearer {token['access_token']}",
                   "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": f"AutoStack/{__version__}"}
        api = (settings.plugin_setting(API_URL) or "https://api.github.com").rstrip("/")
        user = await _get(http, f"{api}/user", headers)
        email = None
        if need_email:
            emails = await _get(http, f"{api}/user/emails?per_page={EMAILS_PAGE}", headers)
            email = next((str(item["email"]) for item in emails if isinstance(item, dict)
                          and item.get("primary") and item.get("verified")), None)
        return Identity(email=email, name=str(user.get("name") or user.get("login") or ""),
                        avatar_url=user.get("avatar_url"), account_id=str(user["id"]),
                        login=user.get("login"))


async def _get(http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    try:
        response = await http.get(url, headers=headers)
    except httpx.HTTPError as error:
        raise SignInError(f"GitHub could not be reached: {error}") from error
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        message = data.get("message") if isinstance(data, dict) else None
        raise SignInError(f"GitHub answered {response.status_code}: "
                          f"{message or response.reason_phrase}")
    if data is None:
        raise SignInError(f"GitHub's answer to {url} is not JSON")
    return data


@hookimpl
def register_sign_in_providers(settings: Settings) -> list[SignInProvider]:
    return [GitHubSignIn()]
