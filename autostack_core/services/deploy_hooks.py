"""Deploy hooks: per-project secret URLs that deploy a branch when POSTed to.

The URL's token is the only credential, so only its sha256 is looked up; the
token itself is kept sealed so members can copy the URL again later. Admins
create and revoke hooks (the caller checks the role); anyone holding the URL
triggers one. A project with a git URL deploys the branch from there; one without
(it deploys with ``git push`` to the built-in remote) deploys the commit the
branch points at in its built-in repository, as a push of it would.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from autostack_core.build.sources import SourceError, check_git_url
from autostack_core.errors import ApiError, NotFound
from autostack_core.git import gitserver
from autostack_core.infrastructure.models import CreatorType, DeployHook, Deployment, Project, User
from autostack_core.security import accounts
from autostack_core.services import deployments

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hook_url(app: AutoStack, hook: DeployHook) -> str:
    return f"{app.settings.server_url.rstrip('/')}/api/v1/deploy-hooks/{hook.token}"


def hook_json(app: AutoStack, hook: DeployHook) -> dict[str, Any]:
    """A hook as the API answers it and the settings page lists it; the URL holds the secret."""
    return {"id": hook.id, "name": hook.name, "branch": hook.branch, "url": hook_url(app, hook),
            "created_at": hook.created_at.isoformat()}


async def create_hook(user: User, project: Project, name: str, branch: str,
                      ip: str) -> DeployHook:
    """A new hook deploying ``branch`` of ``project`` (checked by the caller), audited."""
    token = secrets.token_urlsafe(32)
    hook = DeployHook(project=project, name=name, branch=branch, token_hash=token_hash(token))
    hook.token = token
    await hook.save()
    await accounts.audit("deploy_hook.created", user=user, team=project.team,
                         target=("deploy_hook", str(hook.id)), ip=ip, name=hook.name,
                         branch=branch)
    return hook


async def delete_hook(user: User, project: Project, hook_id: int, ip: str) -> bool:
    """Revoke hook ``hook_id`` of ``project``, audited; whether there was one."""
    deleted = await DeployHook.filter(project=project, id=hook_id).delete()
    if deleted:
        await accounts.audit("deploy_hook.deleted", user=user, team=project.team,
                             target=("deploy_hook", str(hook_id)), ip=ip)
    return bool(deleted)


async def trigger(app: AutoStack, token: str) -> Deployment:
    """Queue a deployment of the branch of the hook whose URL holds ``token``: 404 for no
    such hook (revoked or mistyped), 409 if the project's repository cannot be deployed."""
    hook = await DeployHook.get_or_none(token_hash=token_hash(token)).prefetch_related("project")
    if hook is None:
        raise NotFound("deploy hook")
    project: Project = hook.project
    if not project.git_url:
        return await deploy_pushed(app, project, hook.branch)
    try:
        git_url = check_git_url(project.git_url, app.settings.allow_local_git)
    except SourceError as error:
        raise ApiError(409, f"the project's git repository cannot be deployed: {error}",
                       "git_url") from error
    return await deployments.create_deployment(
        app, project, source_type="git", git_url=git_url, branch=hook.branch,
        target=deployments.branch_target(project, hook.branch),
        creator_type=CreatorType.DEPLOY_HOOK,
    )


async def deploy_pushed(app: AutoStack, project: Project, branch: str) -> Deployment:
    """A deployment of ``branch``'s head in the project's built-in repository (409 when the
    branch was never pushed there)."""
    sha = await gitserver.branch_head(app, project, branch)
    if sha is None:
        raise ApiError(409, f"the branch {branch} has not been pushed to the project's "
                            f"built-in git remote: push it first (git push <remote> {branch})",
                       "branch")
    return await deployments.create_deployment(
        app, project, source_type="push", commit_sha=sha, branch=branch,
        target=deployments.branch_target(project, branch),
        creator_type=CreatorType.DEPLOY_HOOK,
    )
