"""Credentials for cloning private GitHub repositories with a user's stored token.

The token reaches git through its environment (``GIT_CONFIG_COUNT``: an
``http.<GitHub host>/.extraHeader``), never through the URL or the command
line. So it is in no build log line, no git error message, no process list,
no ``.git/config`` or ``FETCH_HEAD``, and in the database only sealed in
``users.github_token_sealed``. The header is scoped to the GitHub host, so a
redirect elsewhere does not carry it.

Whose token: the user who connected the project's repository
(``project.settings["github_user_id"]``), else the project's creator.
"""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from autostack_core.config import Settings
from autostack_core.models import Project, User

CONNECTED_BY = "github_user_id"
"""The project setting naming the user whose GitHub token clones the repository."""


def is_github_url(settings: Settings, url: str) -> bool:
    """Whether ``url`` is an http(s) URL on the configured GitHub host."""
    parts, github = urlsplit(url), urlsplit(settings.github_url)
    return parts.scheme in ("http", "https") and parts.scheme == github.scheme \
        and parts.netloc.lower() == github.netloc.lower()


def token_env(settings: Settings, token: str) -> dict[str, str]:
    """Environment variables making git send ``token`` to the GitHub host only."""
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{settings.github_url.rstrip('/')}/.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


def env_for_user(settings: Settings, user: User | None, url: str) -> dict[str, str]:
    """Git environment to fetch ``url`` as ``user`` (empty when no token applies)."""
    token = user.github_token if user is not None else None
    if not token or not is_github_url(settings, url):
        return {}
    return token_env(settings, token)


async def env_for_project(settings: Settings, project: Project, url: str) -> dict[str, str]:
    """Git environment to fetch ``url`` for a deployment of ``project``."""
    if not is_github_url(settings, url):
        return {}
    user_id = project.settings.get(CONNECTED_BY) or project.user_id  # type: ignore[attr-defined]
    user = await User.get_or_none(id=user_id) if user_id else None
    return env_for_user(settings, user, url)
