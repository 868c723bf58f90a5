"""Which Git credential a clone uses: one user's access, for the one repository they connected.

Connecting a GitHub repository to a project (:mod:`autostack_core.git.github_connections`)
records the repository (``projects.github_repo``, ``owner/name``) and whose GitHub
access reads it (``projects.git_connected_by``); it is allowed only to a user whose
own token can read that repository. A deployment's clone carries that user's token
only when all of these hold, checked at every clone:

* the URL is that repository's URL on the configured GitHub host;
* the connecting user is active, still has a token, and is still a member of the
  project's team.

Which credential: with a GitHub App configured (``AUTOSTACK_GITHUB_APP_ID`` and
its private key), a one-hour token of the App's installation, narrowed by
GitHub to that one repository and to reading it; without one, the connecting
user's own token (scope ``repo``), sent to that repository's URL only.

Any other URL (another repository, another host, the same repository behind a
changed ``git_url`` written around the API) is fetched with no credential at all,
so a team admin who repoints ``git_url`` cannot read someone else's private
repositories through the server: the clone fails with :attr:`CloneAccess.missing`
saying to reconnect the repository. Changing ``git_url`` through the API or the
dashboard also forgets the connection (:func:`follow_git_url`). No GitLab,
Bitbucket or Gitea token is ever stored: those hosts' webhooks carry only a
shared secret, and their repositories are cloned without credentials.

The token reaches git through its environment (``GIT_CONFIG_COUNT``: an
``http.<repository URL>.extraHeader``), never through the URL or the command
line. So it is in no build log line, no git error message, no process list, no
``.git/config`` or ``FETCH_HEAD``, and in the database only sealed in
``users.github_token_sealed``. The header is scoped to the repository's URL, so
neither a redirect to another host nor one to another repository carries it.

A request a user makes for themselves (detecting a repository before importing
it) uses their own token (:func:`env_for_user`): it reads nothing they cannot.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from joserfc.errors import JoseError

from autostack_core.build.sources import SourceError
from autostack_core.config import Settings
from autostack_core.git.github import GitHubError, installation_token
from autostack_core.infrastructure.models import Project, TeamMember, User


def is_github_url(settings: Settings, url: str) -> bool:
    """Whether ``url`` is an http(s) URL on the configured GitHub host."""
    parts, github = urlsplit(url), urlsplit(settings.github_url)
    return parts.scheme in ("http", "https") and parts.scheme == github.scheme \
        and parts.netloc.lower() == github.netloc.lower()


def github_repository(settings: Settings, url: str | None) -> str | None:
    """``owner/name`` when ``url`` is a repository's URL on the GitHub host, else None.

    ``https://github.com/owner/name`` with or without ``.git`` or a trailing slash;
    a URL with user info, a query, a fragment or a deeper path names no repository.
    """
    if not url or not is_github_url(settings, url):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    names = parts.path.strip("/").removesuffix(".git").split("/")
    if len(names) != 2 or not all(names) or any(name in (".", "..") for name in names):
        return None
    return "/".join(names)


def token_env(url: str, token: str) -> dict[str, str]:
    """Environment variables making git send ``token`` to the repository at ``url`` only."""
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{url.rstrip('/')}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


def env_for_user(settings: Settings, user: User | None, url: str) -> dict[str, str]:
    """Git environment for ``user``'s own request to fetch ``url`` with their own token."""
    token = user.github_token if user is not None else None
    if not token or github_repository(settings, url) is None:
        return {}
    return token_env(url, token)


def reconnect_hint(project: Project) -> str:
    """What to do when no credential applies: the words a failed clone ends with."""
    return ("reconnect the repository as a team admin whose GitHub account can read it: "
            f"the project's Settings > Git > Connect, or POST "
            f"/api/v1/projects/{project.name}/github/connect")


@dataclass(frozen=True)
class CloneAccess:
    """The credential for one clone, or why there is none (for a GitHub URL)."""

    env: dict[str, str] = field(default_factory=dict)
    missing: str | None = None

    def explain(self, error: SourceError) -> SourceError:
        """``error`` with the reason no credential was sent, when there was one."""
        if self.missing is None:
            return error
        return SourceError(f"{error}; {self.missing}")


async def access_for_project(settings: Settings, project: Project, url: str) -> CloneAccess:
    """The credential a deployment of ``project`` may use to fetch ``url`` (see above)."""
    repository = github_repository(settings, url)
    if repository is None:
        return CloneAccess()
    connected = project.github_repo
    if connected is None or connected.lower() != repository.lower():
        return CloneAccess(missing=f"{repository} is not the repository connected to this "
                                   f"project, so no GitHub access is used for it; if it is "
                                   f"private, {reconnect_hint(project)}")
    user_id: int | None = project.git_connected_by_id  # type: ignore[attr-defined]
    user = await User.get_or_none(id=user_id, is_active=True) if user_id else None
    gone = CloneAccess(missing=f"the GitHub access that connected {repository} is no longer "
                               f"available to this team; {reconnect_hint(project)}")
    if user is None or not await TeamMember.exists(
            team_id=project.team_id, user_id=user.id):  # type: ignore[attr-defined]
        return gone
    if settings.github_app_id is None:
        token = user.github_token
        return CloneAccess(env=token_env(url, token)) if token else gone
    try:
        token = await app_token(settings, settings.github_app_id, repository)
        return CloneAccess(env=token_env(url, token))
    except (GitHubError, JoseError, OSError, ValueError) as error:
        return CloneAccess(missing=f"the GitHub App gave no token for {repository} ({error}): "
                                   "install it on the repository's account, with access to "
                                   "the repository")


async def app_token(settings: Settings, app_id: str, repository: str) -> str:
    """The GitHub App ``app_id``'s installation token for ``repository`` alone."""
    if not settings.github_app_private_key_file:
        raise ValueError("AUTOSTACK_GITHUB_APP_PRIVATE_KEY_FILE is not set")
    key = Path(settings.github_app_private_key_file).read_text(encoding="ascii")
    return await installation_token(settings.github_api_url, app_id, key, repository)


def follow_git_url(settings: Settings, project: Project, url: str | None) -> list[str]:
    """After ``git_url`` changes to ``url``: forget the connection unless it is still the
    connected repository. Returns the fields it changed (to save)."""
    if project.github_repo is None and project.git_connected_by_id is None:  # type: ignore[attr-defined]
        return []
    repository = github_repository(settings, url)
    if repository is not None and repository.lower() == (project.github_repo or "").lower():
        return []
    project.github_repo = None
    project.git_connected_by_id = None
    return ["github_repo", "git_connected_by_id"]
