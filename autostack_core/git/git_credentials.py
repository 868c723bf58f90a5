"""Which git credential a clone uses: one person's access, for the one repository they connected.

Connecting a repository to a project (:mod:`autostack_core.git.git_connections`)
records the git host, the repository (as the host names it, ``owner/name``) and
whose access reads it (a :class:`~autostack_core.infrastructure.models.GitConnection`);
it is allowed only to a person whose own credential on the host can read that
repository. A deployment's clone carries a credential only when all of these
hold, checked at every clone:

* the URL is that repository's URL on that host (:meth:`GitHost.repository_of`
  names the connected repository; every registered host is asked);
* the connecting person is active, still has a credential on the host
  (a :class:`~autostack_core.infrastructure.models.GitAccount`), and is still a
  member of the project's team.

Which credential is the host's choice (:meth:`GitHost.clone_for_deployment`):
the person's own, or one the host trades it for that reads that repository
alone (GitHub with a GitHub App configured: an installation token).

Any other URL (another repository, another host, the same repository behind a
changed ``git_url`` written around the API) is fetched with no credential at all,
so a team admin who repoints ``git_url`` cannot read someone else's private
repositories through the server: the clone fails with :attr:`CloneAccess.missing`
saying to reconnect the repository. Changing ``git_url`` through the API or the
dashboard also forgets the connection (:func:`follow_git_url`). A host that
connects no accounts (GitLab, Bitbucket, Gitea today: their webhooks carry only a
shared secret) names no repository, so its repositories are cloned without
credentials.

The credential reaches git through its environment (``GIT_CONFIG_COUNT``: an
``http.<repository URL>.extraHeader``), never through the URL or the command
line. So it is in no build log line, no git error message, no process list, no
``.git/config`` or ``FETCH_HEAD``, and in the database only sealed in
``git_accounts.credential_sealed``. The header is scoped to the repository's URL,
so neither a redirect to another host nor one to another repository carries it.

A request a person makes for themselves (detecting a repository before importing
it) uses their own credential (:func:`env_for_user`): it reads nothing they cannot.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autostack_core.build.sources import SourceError
from autostack_core.git import git_connections, webhook_setup
from autostack_core.infrastructure.models import GitConnection, Project, TeamMember, User
from autostack_core.interfaces.git_host import CloneCredential, GitHost, GitHostError

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


def repository_at(app: AutoStack, url: str | None) -> tuple[GitHost, str] | None:
    """The git host and the repository ``url`` names there, if a registered host names one."""
    if not url:
        return None
    for host in app.git_hosts.values():
        repository = host.repository_of(app.settings, url)
        if repository is not None:
            return host, repository
    return None


def token_env(url: str, credential: CloneCredential) -> dict[str, str]:
    """Environment variables making git send ``credential`` to the repository at ``url`` only."""
    basic = base64.b64encode(f"{credential.username}:{credential.password}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{url.rstrip('/')}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


async def env_for_user(app: AutoStack, user: User | None, url: str) -> dict[str, str]:
    """Git environment for ``user``'s own request to fetch ``url`` with their own credential."""
    found = repository_at(app, url)
    if found is None:
        return {}
    credential = await git_connections.account_credential(user, found[0].name)
    return token_env(url, found[0].clone_as_user(credential)) if credential else {}


def reconnect_hint(project: Project) -> str:
    """What to do when no credential applies: the words a failed clone ends with."""
    return ("reconnect the repository as a team admin whose account on its git host can read "
            f"it: the project's Settings > Git > Connect, or POST "
            f"/api/v1/projects/{project.name}/git-connection")


@dataclass(frozen=True)
class CloneAccess:
    """The credential for one clone, or why there is none (for a connectable host's URL)."""

    env: dict[str, str] = field(default_factory=dict)
    missing: str | None = None

    def explain(self, error: SourceError) -> SourceError:
        """``error`` with the reason no credential was sent, when there was one."""
        if self.missing is None:
            return error
        return SourceError(f"{error}; {self.missing}")


async def access_for_project(app: AutoStack, project: Project, url: str) -> CloneAccess:
    """The credential a deployment of ``project`` may use to fetch ``url`` (see above)."""
    found = repository_at(app, url)
    if found is None:
        return CloneAccess()
    host, repository = found
    connection = await GitConnection.get_or_none(project_id=project.id)
    if connection is None or connection.host != host.name \
            or connection.repository.lower() != repository.lower():
        return CloneAccess(missing=f"{repository} is not the repository connected to this "
                                   f"project, so no {host.name} access is used for it; if it "
                                   f"is private, {reconnect_hint(project)}")
    user_id: int | None = connection.connected_by_id  # type: ignore[attr-defined]
    user = await User.get_or_none(id=user_id, is_active=True) if user_id else None
    credential = await git_connections.account_credential(user, host.name)
    if user is None or not credential or not await TeamMember.exists(
            team_id=project.team_id, user_id=user.id):  # type: ignore[attr-defined]
        return CloneAccess(missing=f"the {host.name} access that connected {repository} is "
                                   f"no longer available to this team; {reconnect_hint(project)}")
    try:
        sent = await host.clone_for_deployment(app.settings, repository, credential)
    except GitHostError as error:
        return CloneAccess(missing=error.message)
    return CloneAccess(env=token_env(url, sent))


async def follow_git_url(app: AutoStack, project: Project, url: str | None) -> bool:
    """After ``git_url`` changes to ``url``: forget the connection, and delete the webhook
    AutoStack created for it, unless ``url`` is still the connected repository. Returns
    whether it was forgotten."""
    connection = await GitConnection.get_or_none(project_id=project.id)
    if connection is None:
        return False
    found = repository_at(app, url)
    if found is not None and found[0].name == connection.host \
            and found[1].lower() == connection.repository.lower():
        return False
    await webhook_setup.remove_webhook(app, connection)
    await connection.delete()
    return True
