"""What a git event deploys: production, branch and pull-request previews, cleanup.

* A push to the project's production branch makes a production deployment,
  a push to any other branch a preview (the pipeline points the branch alias
  at the newest ready one). A newer push cancels the branch's older queued or
  building deployments.
* A pull request opened, reopened or updated makes a preview with its number
  (the pipeline points ``<project>-pr-<n>``); closing or merging it removes
  that alias, so its deployments are no longer aliased and retention collects
  them. A deleted branch loses its branch alias the same way.
* A push whose changed files miss the project's root directory, its watch
  paths and, for a monorepo app, the workspace packages it depends on and the
  workspace root's manifests (recorded by its last build's detection) is
  skipped. Every decision is returned as an :class:`Outcome` and recorded as
  an ``AuditEvent`` with the action ``git.webhook``.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    CreatorType,
    Deployment,
    DeploymentState,
    Environment,
    GitConnection,
    Project,
)
from autostack_core.interfaces import Event
from autostack_core.interfaces.git_host import EventKind, GitEvent, PullRequestAction
from autostack_core.services import audit, deployments, hostnames, quotas

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

logger = logging.getLogger("autostack.git")
AUDIT_ACTION = "git.webhook"
IN_FLIGHT = (DeploymentState.QUEUED, DeploymentState.BUILDING)
FAILED = (DeploymentState.ERROR, DeploymentState.CANCELED)
_SCP_URL = re.compile(r"^[\w.-]+@([\w.-]+):(.+)$")


@dataclass(frozen=True)
class Outcome:
    """What one event did to one project."""

    project: str
    result: str
    reason: str
    deployment: str | None = None
    canceled: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "result": self.result, "reason": self.reason,
                "deployment": self.deployment, "canceled": list(self.canceled)}


# -- which projects -------------------------------------------------------------------


def normalize_repository_url(url: str) -> str:
    """``https://user@Host/Owner/Repo.git`` and ``git@host:owner/repo`` -> ``host/owner/repo``."""
    url = url.strip()
    scp = _SCP_URL.match(url)
    if scp:
        url = f"{scp.group(1)}/{scp.group(2)}"
    else:
        url = re.sub(r"^[a-z+]+://", "", url, flags=re.IGNORECASE)
        url = url.split("@", 1)[-1] if "@" in url.split("/", 1)[0] else url
        host, _, path = url.partition("/")
        url = f"{host.rsplit(':', 1)[0]}/{path}"
    return url.rstrip("/").removesuffix(".git").lower()


async def projects_for(event: GitEvent) -> list[Project]:
    """Projects whose repository is the event's: connected on the event's host, or the
    same ``git_url``."""
    wanted = {normalize_repository_url(url) for url in event.clone_urls}
    name = event.repository.rsplit("/", 1)[-1]
    connected = {row["project_id"] for row in await GitConnection.filter(
        host=event.provider, repository__iexact=event.repository).values("project_id")}
    candidates = await Project.filter(
        Q(git_url__icontains=name) | Q(id__in=sorted(connected))).order_by("id")
    return [
        project for project in candidates
        if project.id in connected
        or (project.git_url and normalize_repository_url(project.git_url) in wanted)
    ]


# -- monorepo awareness ---------------------------------------------------------------


def watched(project: Project, dependencies: list[str] | None = None) -> list[str]:
    """The project's watch patterns: its root directory, ``settings["watch_paths"]`` and
    ``dependencies`` (what its last build's detection named: a monorepo app's workspace
    packages and root manifests)."""
    patterns = [str(path) for path in project.settings.get("watch_paths") or []]
    root = project.root_directory.strip("/")
    if not root or root == ".":
        return patterns
    return [root, *patterns, *(dependencies or [])]


async def recorded_dependencies(project: Project, branch: str | None) -> list[str]:
    """The ``watch_paths`` the project's newest detected deployment recorded (of ``branch``
    when it has one). A push adding a dependency changes the app's own package.json, so
    the record of the build before it is enough."""
    rows = Deployment.filter(project=project, detection__isnull=False).order_by("-created_at")
    latest = await rows.filter(branch=branch).first() or await rows.first()
    detection = latest.detection if latest is not None else None
    paths = detection.get("watch_paths") if isinstance(detection, dict) else None
    if not isinstance(paths, list):
        return []
    return [path for path in paths if isinstance(path, str) and path.strip("/")]


def _matches(path: str, pattern: str) -> bool:
    pattern = pattern.strip("/")
    if any(char in pattern for char in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    return path == pattern or path.startswith(pattern + "/")


def skip_reason(project: Project, files: frozenset[str] | None,
                dependencies: list[str] | None = None) -> str | None:
    """Why a push does not concern ``project`` (``None``: deploy it); ``dependencies`` are
    paths whose changes count as the project's own (:func:`recorded_dependencies`)."""
    patterns = watched(project, dependencies)
    if files is None or not patterns:
        return None
    if any(_matches(path, pattern) for path in files for pattern in patterns):
        return None
    return (f"none of the {len(files)} changed files is under "
            + ", ".join(repr(pattern) for pattern in patterns))


# -- actions --------------------------------------------------------------------------


async def cancel_in_flight(app: AutoStack, project: Project, keep: str | None = None,
                           **match: Any) -> tuple[str, ...]:
    """Cancel the project's queued or building git deployments matching ``match``."""
    rows = await Deployment.filter(project=project, source_type="git", state__in=IN_FLIGHT,
                                   **match).order_by("created_at")
    canceled = []
    for row in rows:
        if row.id == keep:
            continue
        try:
            await deployments.request_cancel(app, row)
        except ApiError:
            continue  # it finished meanwhile
        canceled.append(row.id)
    return tuple(canceled)


async def remove_alias(app: AutoStack, project: Project, hostname: str) -> bool:
    """Delete the alias ``hostname`` and take it off the edge; ``False`` if there was none."""
    removed = await Alias.filter(project=project, hostname=hostname).delete()
    if removed:
        await app.edge.unbind(hostname)
        await app.notify(Event(kind="alias.removed", project=project.name,
                               data={"hostname": hostname}))
    return bool(removed)


async def same_commit(project: Project, event: GitEvent) -> Deployment | None:
    """A live deployment of this commit and branch (a push and its pull request share it)."""
    return await Deployment.filter(
        project=project, commit_sha=event.commit_sha, branch=event.branch,
        deleted_at__isnull=True,
    ).exclude(state__in=FAILED).order_by("-created_at").first()


async def deploy(app: AutoStack, project: Project, event: GitEvent) -> Outcome:
    """Create (or share) the deployment for a push or an opened/updated pull request."""
    name = project.name
    if not project.auto_deploy_enabled:
        return Outcome(name, "skipped", "automatic deployments are turned off for this project")
    if event.from_fork:
        return Outcome(name, "skipped", "pull requests from forks are not deployed "
                                        "automatically; deploy the branch by hand")
    dependencies = (await recorded_dependencies(project, event.branch)
                    if event.changed_files is not None and watched(project) else None)
    reason = skip_reason(project, event.changed_files, dependencies)
    if reason is not None:
        return Outcome(name, "skipped", reason)
    existing = await same_commit(project, event)
    if existing is not None and await _share(app, project, existing, event):
        return Outcome(name, "shared", "this commit already has a deployment",
                       deployment=existing.id)
    git_url = project.git_url or event.clone_urls[0]
    try:
        deployment = await deployments.create_deployment(
            app, project, source_type="git", git_url=git_url, branch=event.branch,
            commit_sha=event.commit_sha,
            commit_message=(event.commit_message or "")[:500] or None,
            pull_request=event.pull_request,
            target=deployments.branch_target(project, event.branch)
            if event.kind == EventKind.PUSH else Environment.PREVIEW,
            creator_type=CreatorType.WEBHOOK,
        )
    except quotas.QuotaExceeded as error:
        return Outcome(name, "skipped", error.message)
    canceled = await cancel_in_flight(app, project, keep=deployment.id, branch=event.branch)
    return Outcome(name, "deployed", f"{deployment.target} deployment of {event.branch}",
                   deployment=deployment.id, canceled=canceled)


async def _share(app: AutoStack, project: Project, existing: Deployment,
                 event: GitEvent) -> bool:
    """Let ``existing`` serve this event too; ``False`` when a new deployment is needed."""
    if event.pull_request is None or existing.pull_request == event.pull_request:
        return True
    if existing.pull_request is not None:
        return False
    if existing.state == DeploymentState.QUEUED:
        # The pipeline reads the row when it starts, so it will point the PR alias too.
        await Deployment.filter(id=existing.id).update(pull_request=event.pull_request)
        return True
    if existing.state == DeploymentState.READY:
        await Deployment.filter(id=existing.id).update(pull_request=event.pull_request)
        hostname = await hostnames.pull_request_hostname(
            project, event.pull_request, app.settings.base_domain)
        await deployments.point_alias(app, project, existing, hostname,
                                      AliasKind.PULL_REQUEST, branch=existing.branch)
        return True
    return False  # already running: its pipeline would not see the new number


async def close_pull_request(app: AutoStack, project: Project, number: int,
                             merged: bool) -> Outcome:
    canceled = await cancel_in_flight(app, project, pull_request=number)
    hostname = await hostnames.pull_request_hostname(project, number, app.settings.base_domain)
    removed = await remove_alias(app, project, hostname)
    what = "merged" if merged else "closed"
    return Outcome(project.name, "alias-removed" if removed else "nothing-to-do",
                   f"pull request #{number} {what}: its preview alias {hostname} is "
                   + ("removed" if removed else "already gone"), canceled=canceled)


async def delete_branch(app: AutoStack, project: Project, branch: str) -> Outcome:
    canceled = await cancel_in_flight(app, project, branch=branch)
    hostname = await hostnames.branch_hostname(project, branch, app.settings.base_domain)
    removed = await remove_alias(app, project, hostname)
    return Outcome(project.name, "alias-removed" if removed else "nothing-to-do",
                   f"branch {branch} deleted: its alias {hostname} is "
                   + ("removed" if removed else "already gone"), canceled=canceled)


async def handle(app: AutoStack, project: Project, event: GitEvent) -> Outcome:
    """Act on ``event`` for ``project`` and record what happened."""
    outcome = await _decide(app, project, event)
    await record(project, event, outcome)
    return outcome


async def _decide(app: AutoStack, project: Project, event: GitEvent) -> Outcome:
    if event.kind == EventKind.PING:
        return Outcome(project.name, "pong", "the webhook reaches this project")
    if event.kind == EventKind.BRANCH_DELETED and event.branch:
        return await delete_branch(app, project, event.branch)
    if event.kind == EventKind.PULL_REQUEST and event.pull_request is not None \
            and event.action == PullRequestAction.CLOSED:
        return await close_pull_request(app, project, event.pull_request, event.merged)
    return await deploy(app, project, event)


async def record(project: Project, event: GitEvent, outcome: Outcome) -> None:
    """Keep the decision as an ``AuditEvent`` (the dashboard lists the last deliveries)."""
    logger.info("%s %s for %s: %s (%s)", event.provider, event.kind, project.name,
                outcome.result, outcome.reason)
    await audit.record(
        AUDIT_ACTION, team=project.team_id,  # type: ignore[attr-defined]
        target=("project", str(project.id)), project=project.name,
        actor=audit.current(event.provider),
        details={"provider": event.provider, "delivery_id": event.delivery_id,
                 "event": event.kind.value, "branch": event.branch,
                 "commit_sha": event.commit_sha, "pull_request": event.pull_request,
                 **outcome.to_dict()},
    )
