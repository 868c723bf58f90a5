"""The project page: production card, recent deployments, previews, and their actions.

Actions (rollback, promote, redeploy, cancel, delete) are plain forms posting
here; the page asks before those that move production or cannot be undone
(live.js), success redirects back with a message saying what happened
(:mod:`autostack_web.flash`, with an undo for promote and rollback), and an
error renders the page again with the message, naming what to do instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from tortoise.expressions import Q

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    Alias,
    AliasKind,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    Role,
    User,
)
from autostack_core.security.auth import client_ip
from autostack_core.services import deployments, pipelines, retention, screenshots, usage
from autostack_core.services.health_score import health, sparkline
from autostack_core.services.rollback_advice import Suggestion, suggestions
from autostack_web.access import deployment_access, page, project_access
from autostack_web.flash import done, flash_of
from autostack_web.rendering import host_of, redirect, render, server_url

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

RECENT = 20
ACTIONS = ("promote", "redeploy", "cancel", "delete")
PREVIEW_KINDS = (AliasKind.BRANCH, AliasKind.PULL_REQUEST)
ROW_FIELDS = ("id", "state", "target", "source_type", "branch", "commit_sha",
              "commit_message", "deployment_url", "build_time_seconds", "deploy_time_seconds",
              "created_at", "ready_at", "error_at", "canceled_at")
"""What the page shows of a deployment; a row also carries manifests, left unread."""


def git_remote(request: Request, project: Project) -> str:
    """The built-in git remote of a project (``git push <remote> main`` deploys)."""
    return f"{server_url(request)}/git/{project.name}.git"


def preview_rows(host: AutoStack, project: Project, aliases: list[Alias],
                 served: dict[str, Deployment]) -> list[dict[str, Any]]:
    """The project's branch and pull-request aliases with the deployment each serves."""
    return [{"alias": alias, "url": deployments.url_for(host, alias.hostname),
             "deployment": served[alias.deployment_id]}  # type: ignore[attr-defined]
            for alias in aliases
            if alias.project_id == project.id and alias.kind in PREVIEW_KINDS  # type: ignore[attr-defined]
            and alias.deployment_id in served]  # type: ignore[attr-defined]


async def previews(request: Request, project: Project) -> list[dict[str, Any]]:
    """Branch and pull-request aliases with the deployment each serves."""
    aliases = await Alias.filter(project=project, kind__in=PREVIEW_KINDS).order_by("-updated_at")
    return preview_rows(host_of(request), project, aliases,
                        await served_deployments(aliases, []))


async def project_page(
    request: Request, project: Project, role: str, error: ApiError | None = None,
) -> Response:
    host = host_of(request)
    production_host = deployments.production_hostname(project.name, host.settings.base_domain)
    recent = await Deployment.filter(project=project, deleted_at__isnull=True) \
        .order_by("-created_at").limit(RECENT).only(*ROW_FIELDS)
    # The production alias and the previews in one query; the deployments they serve
    # are mostly among the recent ones.
    aliases = await Alias.filter(
        Q(hostname=production_host) | Q(project=project, kind__in=PREVIEW_KINDS)
    ).order_by("-updated_at")
    served = await served_deployments(aliases, recent)
    production = next((served.get(alias.deployment_id) for alias in aliases  # type: ignore[attr-defined]
                       if alias.hostname == production_host), None)
    can_rollback = await can_roll_back(project, production, recent)
    scored = await health(project)
    pipeline_steps, pipeline_source = pipelines.steps_of(project)
    context = {
        "project": project, "role": role, "production": production,
        "can_rollback": can_rollback,
        "suggested": await suggested(project, production) if can_rollback else None,
        "deployments": recent, "previews": preview_rows(host, project, aliases, served),
        "git_remote": git_remote(request, project), "error": error,
        "flash": None if error else flash_of(request),
        "usage": await usage.usage_json(host, project),
        "pipeline_steps": pipeline_steps, "pipeline_source": pipeline_source,
        "health": scored, "health_points": sparkline(scored["history"]),
        "thumbnails": screenshots.stored(host.settings, [production.id] if production else []),
    }
    return await render(request, "project.html", context,
                        status_code=error.status if error else 200)


async def served_deployments(
    aliases: list[Alias], recent: list[Deployment]
) -> dict[str, Deployment]:
    """The deployments the aliases serve, by id: from ``recent``, the others in one query."""
    known = {deployment.id: deployment for deployment in recent}
    wanted = {alias.deployment_id for alias in aliases} - {None} - known.keys()  # type: ignore[attr-defined]
    if wanted:
        known.update({deployment.id: deployment for deployment in
                      await Deployment.filter(id__in=wanted).only(*ROW_FIELDS)})
    return known


async def can_roll_back(
    project: Project, production: Deployment | None, recent: list[Deployment]
) -> bool:
    """Whether an earlier ready production deployment exists; ``recent`` often tells."""
    if any(deployment.target == Environment.PRODUCTION and deployment.state == DeploymentState.READY
           and (production is None or deployment.created_at < production.created_at)
           for deployment in recent):
        return True
    if len(recent) < RECENT:  # then ``recent`` holds every deployment not deleted
        return False
    return await deployments.previous_production(project, production) is not None


async def suggested(project: Project, production: Deployment | None) -> Suggestion | None:
    """The earlier deployment that measured best while it served, if one could be judged."""
    best = next(iter(await suggestions(project, production)), None)
    return best if best is not None and best.judged else None


async def overview(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await project_page(request, project, role)


async def rollback(request: Request, user: User) -> Response:
    """Point production back at the previous ready production deployment, or at the one
    the form names (the suggested one)."""
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    host = host_of(request)
    current = await deployments.production_deployment(host, project)
    named = (await request.form()).get("deployment")
    if isinstance(named, str) and named:
        target = await Deployment.get_or_none(
            id=named[:16], project=project, target=Environment.PRODUCTION,
            state=DeploymentState.READY, deleted_at__isnull=True)
        if target is None:
            error = ApiError(404, f"Rollback: {named[:16]} is not a ready production deployment "
                                  "of this project", "deployment")
            return await project_page(request, project, role, error)
    else:
        target = await deployments.previous_production(project, current)
    if target is None:
        error = ApiError(409, "Rollback: there is no earlier ready production deployment; "
                              "promote a ready preview instead")
        return await project_page(request, project, role, error)
    try:
        await deployments.promote(host, project, target, rollback=True)
    except ApiError as error:
        return await project_page(request, project, role, error)
    return redirect(done(f"/projects/{project.name}", "rolled-back", target.id,
                         undo=current.id if current else None))


async def deploy(request: Request, user: User) -> Response:
    """Deploy the production branch of the project's git repository now."""
    project, role = await project_access(user, request.path_params["name"], Role.MEMBER)
    if not project.git_url:
        error = ApiError(422, "Deploy: this project has no git repository; set its git URL in "
                              "the settings, or git push to its remote")
        return await project_page(request, project, role, error)
    deployment = await deployments.create_deployment(
        host_of(request), project, user=user, target=Environment.PRODUCTION, source_type="git",
        git_url=project.git_url, branch=project.branch,
    )
    return redirect(f"/deployments/{deployment.id}")


async def deployment_action(request: Request, user: User) -> Response:
    """Promote, redeploy, cancel or delete one deployment (member role)."""
    deployment, project, role = await deployment_access(
        user, request.path_params["id"], Role.MEMBER)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise NotFound("page")
    host = host_of(request)
    undo = None
    try:
        if action == "promote":
            previous = await deployments.production_deployment(host, project)
            await pipelines.promote(host, user, project, deployment, client_ip(request))
            undo = previous.id if previous and previous.id != deployment.id else None
        elif action == "cancel":
            await deployments.request_cancel(host, deployment)
        elif action == "redeploy":
            fresh = await redeploy(request, user, project, deployment)
            return redirect(f"/deployments/{fresh.id}")
        else:
            await remove(request, project, deployment)
    except ApiError as error:
        return await project_page(request, project, role, error)
    key = {"promote": "promoted", "cancel": "canceled", "delete": "deleted"}[action]
    return redirect(done(f"/projects/{project.name}", key, deployment.id, undo=undo))


async def redeploy(
    request: Request, user: User, project: Project, deployment: Deployment
) -> Deployment:
    """A new deployment of the same source: commit, branch, or uploaded files."""
    return await deployments.create_deployment(
        host_of(request), project, user=user, target=deployment.target,
        source_type=deployment.source_type, git_url=deployment.git_url,
        commit_sha=deployment.commit_sha, branch=deployment.branch,
        pull_request=deployment.pull_request, upload_manifest=deployment.upload_manifest,
    )


async def remove(request: Request, project: Project, deployment: Deployment) -> None:
    """Delete a deployment as ``DELETE /api/v1/deployments/{id}`` does."""
    try:
        await retention.delete_deployment(host_of(request), project, deployment)
    except ApiError as error:
        raise ApiError(error.status, f"Delete: {error.message}", error.field) from error


routes: list[BaseRoute] = [
    Route("/projects/{name}", page(overview), methods=["GET"], include_in_schema=False),
    Route("/projects/{name}/rollback", page(rollback), methods=["POST"],
          include_in_schema=False),
    Route("/projects/{name}/deploy", page(deploy), methods=["POST"], include_in_schema=False),
    Route("/deployments/{id}/{action:str}", page(deployment_action), methods=["POST"],
          include_in_schema=False),
]
