"""The GitHub plugin's settings, read from the server's environment.

They were the core's ``github_*`` settings; the variable names are unchanged, so
a server configured before keeps working. One OAuth app serves both signing in
with GitHub (the sign-in provider ``github`` reads the same two variables) and
connecting repositories; GitHub sends both back to ``/auth/github/callback``.
"""

from __future__ import annotations

from dataclasses import dataclass

from autostack_core.config import Settings

CLIENT_ID = "AUTOSTACK_GITHUB_CLIENT_ID"
CLIENT_SECRET = "AUTOSTACK_GITHUB_CLIENT_SECRET"
URL = "AUTOSTACK_GITHUB_URL"
API_URL = "AUTOSTACK_GITHUB_API_URL"
APP_ID = "AUTOSTACK_GITHUB_APP_ID"
APP_PRIVATE_KEY_FILE = "AUTOSTACK_GITHUB_APP_PRIVATE_KEY_FILE"


@dataclass(frozen=True)
class GitHubConfig:
    """What the server knows of its GitHub (github.com, or a GitHub Enterprise Server)."""

    client_id: str | None
    """The OAuth app's client id (with its secret: sign-in and connecting repositories)."""
    client_secret: str | None
    url: str
    """GitHub's web host: its OAuth pages, and the host whose clone URLs get the token."""
    api_url: str
    app_id: str | None
    """A GitHub App whose installation tokens clone connected repositories."""
    app_private_key_file: str | None

    @classmethod
    def of(cls, settings: Settings) -> GitHubConfig:
        return cls(
            client_id=settings.plugin_setting(CLIENT_ID),
            client_secret=settings.plugin_setting(CLIENT_SECRET),
            url=settings.plugin_setting(URL) or "https://github.com",
            api_url=settings.plugin_setting(API_URL) or "https://api.github.com",
            app_id=settings.plugin_setting(APP_ID),
            app_private_key_file=settings.plugin_setting(APP_PRIVATE_KEY_FILE),
        )
