"""Deployments: create (upload or git), list, inspect, cancel, promote, rollback, delete.

Their build logs are :mod:`autostack_core.api.build_logs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, current_user, project_for, read_body
from autostack_core.build.sources import SourceError, check_git_url
from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.manifests import file_folder_clash, safe_relative_path
from autostack_core.infrastructure.models import (
    Alias,
    CreatorType,
    Deployment,
    DeploymentState,
    Environment,
    Project,
    Role,
)
from autostack_core.infrastructure.store import Store
from autostack_core.interfaces.runtime import ReleaseStatus
from autostack_core.security.auth import client_ip
from autostack_core.services import (
    deployments,
    pipelines,
    releases,
    retention,
    team_files,
    templates,
)
from autostack_core.services.access import require_team_role
from autostack_core.services.checks import fits
from autostack_core.services.marketplace import templates_json

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

MAX_FILES = 20_000

_TEXT: dict[str, Any] = {"type": "string"}
_MAYBE_TEXT: dict[str, Any] = {"type": "string", "nullable": True}
_MAYBE_SECONDS: dict[str, Any] = {"type": "number", "nullable": True}
SCHEMAS: dict[str, Any] = {
    "Deployment": {
        "type": "object",
        "description": "What serialize() writes.",
        "required": ["id", "project", "url", "state", "target", "source", "aliases",
                     "created_at"],
        "properties": {
            "id": _TEXT, "project": _TEXT, "url": _MAYBE_TEXT,
            "state": {"type": "string", "enum": [str(state) for state in DeploymentState]},
            "target": {"type": "string", "enum": ["production", "preview"]},
            "source": _TEXT, "branch": _MAYBE_TEXT, "commit_sha": _MAYBE_TEXT,
            "commit_message": _MAYBE_TEXT, "creator_type": _TEXT,
            "aliases": {"type": "array", "items": _TEXT}, "error": _MAYBE_TEXT,
            "detection": {"type": "object", "nullable": True},
            "pipeline": {"type": "object", "nullable": True,
                         "description": "{source, steps: [{id, kind, name, status}], approval}"},
            "build_time_seconds": _MAYBE_SECONDS, "deploy_time_seconds": _MAYBE_SECONDS,
            "created_at": _TEXT, "ready_at": _MAYBE_TEXT,
            "runtime_status": {
                "type": "string", "enum": [str(status) for status in ReleaseStatus],
                "description": "where it stands on its runtime (one deployment's answer only)"},
        },
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


class FileEntry(BaseModel):
    file: str = Field(min_length=1, max_length=1024)
    sha: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    mode: int = Field(default=0o644, ge=0, le=0o777)


class GitSource(BaseModel):
    url: str | None = Field(default=None, max_length=500)
    ref: str | None = Field(default=None, max_length=200)


class CreateDeployment(BaseModel):
    target: Literal["production", "preview"] = "preview"
    files: list[FileEntry] | None = Field(default=None, max_length=MAX_FILES)
    git: GitSource | None = None
    template: str | None = Field(default=None, max_length=100)
    branch: str | None = Field(default=None, max_length=200)
    force: bool = False
    """Build from scratch: clear the project's build cache, never reuse a same-source build."""


class Rollback(BaseModel):
    deployment: str | None = None


async def serialize(app: AutoStack, deployment: Deployment, project: Project) -> dict[str, Any]:
    aliases = await Alias.filter(deployment_id=deployment.id).order_by("id")
    return {
        "id": deployment.id,
        "project": project.name,
        "url": deployment.deployment_url,
        "state": deployment.state,
        "target": str(deployment.target),
        "source": deployment.source_type,
        "branch": deployment.branch,
        "commit_sha": deployment.commit_sha,
        "commit_message": deployment.commit_message,
        "creator_type": deployment.creator_type,
        "aliases": [deployments.url_for(app, alias.hostname) for alias in aliases
                    if alias.kind != "deployment"],
        "error": deployment.error_message,
        "detection": deployment.detection,
        "pipeline": deployment.pipeline,
        "build_time_seconds": deployment.build_time_seconds,
        "deploy_time_seconds": deployment.deploy_time_seconds,
        "created_at": deployment.created_at.isoformat(),
        "ready_at": deployment.ready_at.isoformat() if deployment.ready_at else None,
    }


async def deployment_for(
    request: Request, deployment_id: str, minimum: Role = Role.VIEWER
) -> tuple[Deployment, Project]:
    user = current_user(request)
    deployment = None
    if fits(Deployment, "id", deployment_id):
        deployment = await Deployment.get_or_none(id=deployment_id, deleted_at__isnull=True)
    if deployment is None:
        raise NotFound("deployment", "id")
    project = await Project.get(id=deployment.project_id).select_related("team")  # type: ignore[attr-defined]
    try:
        await require_team_role(project.team, user, minimum)
    except NotFound as error:
        raise NotFound("deployment", "id") from error
    return deployment, project


def upload_manifest(files: list[FileEntry]) -> dict[str, Any]:
    """Validate the file list: safe relative paths, no duplicates."""
    manifest: dict[str, Any] = {"files": {}}
    for index, entry in enumerate(files):
        try:
            path = safe_relative_path(entry.file)
        except ValueError as error:
            raise ApiError(422, f"files.{index}.file: {error}", f"files.{index}.file") from error
        if path in manifest["files"]:
            raise ApiError(422, f"files.{index}.file: {path} is listed twice",
                           f"files.{index}.file")
        manifest["files"][path] = {"sha256": entry.sha, "size": entry.size, "mode": entry.mode}
    clash = file_folder_clash(manifest["files"])
    if clash is not None:
        index, other = clash
        raise ApiError(422, f"files.{index}.file: {files[index].file} and {other} make one "
                            "path both a file and a folder", f"files.{index}.file")
    return manifest


async def check_uploaded(app: AutoStack, project: Project, files: list[FileEntry]) -> None:
    """Every file uploaded by the project's team, at its real size, all within the limit.

    The store holds every team's files, but a team may deploy only what it
    uploaded (or its deployments keep): a hash alone proves nothing. Sizes
    come from the upload, not the list, so the deployment limit counts
    what will really be laid out.
    """
    store = Store.from_settings(app.settings)
    team_id = project.team.id
    lacking = set(await team_files.missing(store, team_id, [entry.sha for entry in files]))
    for index, entry in enumerate(files):
        if entry.sha in lacking:
            raise ApiError(422, f"files.{index}: {entry.file} ({entry.sha}) is not uploaded yet "
                                f"({len(lacking)} files missing); PUT it to "
                                f"/api/v1/projects/{project.name}/files/{entry.sha}",
                           f"files.{index}.sha", code="missing_files")
    sizes = await team_files.credited(team_id, [entry.sha for entry in files])
    for index, entry in enumerate(files):
        if entry.size != sizes[entry.sha]:
            raise ApiError(422, f"files.{index}.size: {entry.file} is {sizes[entry.sha]} bytes, "
                                f"not {entry.size}", f"files.{index}.size")
    total, limit = sum(entry.size for entry in files), app.settings.max_deployment_bytes
    if total > limit:
        raise ApiError(422, f"files: the files add up to {total} bytes, more than the "
                            f"deployment size limit of {limit} bytes", "files",
                       code="deployment_too_large")


async def list_templates(request: Request) -> Response:
    """The deployment templates of every installed plugin (the marketplace).
    ---
    summary: List templates
    tags: [templates]
    """
    current_user(request)
    app = autostack_of(request)
    return JSONResponse({"templates": templates_json(app.templates.values())})


async def create_deployment(request: Request) -> Response:
    """Create a deployment from uploaded files or a git ref.
    ---
    summary: Create a deployment
    tags: [deployments]
    body: CreateDeployment
    responses:
      201: {description: The queued deployment, schema: Deployment}
      404: {description: Unknown project}
      422: {description: Invalid body; the error names the field}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, CreateDeployment)
    user = current_user(request)
    fields: dict[str, Any] = {
        "user": user,
        "target": Environment(body.target),
        "creator_type": CreatorType.MANUAL,
        "branch": body.branch,
    }
    if sum(source is not None for source in (body.files, body.git, body.template)) > 1:
        raise ApiError(422, "send one source: files, git or template", "files")
    if body.files is not None:
        manifest = upload_manifest(body.files)
        await check_uploaded(app, project, body.files)
        fields.update(source_type="upload", upload_manifest=manifest)
    elif body.template is not None:
        deployment = await templates.deploy(app, project, body.template, user,
                                            force=body.force, target=fields["target"],
                                            creator_type=fields["creator_type"])
        return JSONResponse(await serialize(app, deployment, project), status_code=201)
    else:
        url = (body.git.url if body.git else None) or project.git_url
        if not url:
            raise ApiError(422, "git.url: this project has no git repository; send files or "
                                "a git URL", "git.url")
        try:
            url = check_git_url(url, app.settings.allow_local_git)
        except SourceError as error:
            raise ApiError(422, f"git.url: {error}", "git.url") from error
        ref = (body.git.ref if body.git else None) or project.branch
        fields.update(source_type="git", git_url=url, branch=body.branch or ref)
    deployment = await deployments.create_deployment(app, project, force=body.force, **fields)
    return JSONResponse(await serialize(app, deployment, project), status_code=201)


async def list_deployments(request: Request) -> Response:
    """List a project's deployments, newest first.
    ---
    summary: List deployments
    tags: [deployments]
    parameters:
      - name: limit
        in: query
        description: how many, newest first; at most 100 (more is read as 100)
        schema: {type: integer, default: 20}
    responses:
      200:
        description: the deployments, newest first
        schema:
          type: object
          required: [deployments]
          properties:
            deployments: {type: array, items: {$ref: "#/components/schemas/Deployment"}}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"])
    try:
        limit = min(max(int(request.query_params.get("limit", "20")), 1), 100)
    except ValueError as error:
        raise ApiError(422, "limit: must be a number between 1 and 100", "limit") from error
    rows = await Deployment.filter(project=project, deleted_at__isnull=True) \
        .order_by("-created_at").limit(limit)
    return JSONResponse({"deployments": [await serialize(app, row, project) for row in rows]})


async def get_deployment(request: Request) -> Response:
    """Inspect one deployment.
    ---
    summary: Inspect a deployment
    tags: [deployments]
    responses:
      200: {description: the deployment, schema: Deployment}
    """
    deployment, project = await deployment_for(request, request.path_params["id"])
    app = autostack_of(request)
    return JSONResponse({**await serialize(app, deployment, project),
                         "runtime_status": await releases.status(app, project, deployment)})


async def cancel_deployment(request: Request) -> Response:
    """Cancel a deployment that is not ready yet (kills its build).
    ---
    summary: Cancel a deployment
    tags: [deployments]
    responses:
      200: {description: Cancel requested or done, schema: Deployment}
      409: {description: The deployment is already final}
    """
    app = autostack_of(request)
    deployment, project = await deployment_for(request, request.path_params["id"], Role.MEMBER)
    deployment = await deployments.request_cancel(app, deployment)
    return JSONResponse(await serialize(app, deployment, project))


async def promote_deployment(request: Request) -> Response:
    """Point the production alias at this ready deployment (no rebuild).
    ---
    summary: Promote a deployment to production
    tags: [deployments]
    responses:
      200: {description: the deployment, now serving production, schema: Deployment}
      409: {description: the deployment is not ready}
    """
    app = autostack_of(request)
    deployment, project = await deployment_for(request, request.path_params["id"], Role.MEMBER)
    await pipelines.promote(app, current_user(request), project, deployment, client_ip(request))
    return JSONResponse(await serialize(app, deployment, project))


async def rollback_project(request: Request) -> Response:
    """Move production back to the previous (or the named) ready production deployment.
    ---
    summary: Roll back production
    tags: [deployments]
    body: Rollback
    responses:
      200: {description: the deployment now serving production, schema: Deployment}
      404: {description: no such deployment in this project}
      409: {description: no earlier ready production deployment, or the named one is not ready}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, Rollback)
    if body.deployment:
        target = None
        if fits(Deployment, "id", body.deployment):
            target = await Deployment.get_or_none(id=body.deployment, project=project,
                                                  deleted_at__isnull=True)
        if target is None:
            raise NotFound("deployment", "deployment")
    else:
        current = await deployments.production_deployment(app, project)
        target = await deployments.previous_production(project, current)
        if target is None:
            raise ApiError(409, "there is no earlier ready production deployment to roll "
                                "back to", "deployment")
    await deployments.promote(app, project, target, rollback=True)
    return JSONResponse(await serialize(app, target, project))


async def delete_deployment(request: Request) -> Response:
    """Delete a deployment; refused while it serves production.
    ---
    summary: Delete a deployment
    tags: [deployments]
    """
    app = autostack_of(request)
    deployment, project = await deployment_for(request, request.path_params["id"], Role.MEMBER)
    await retention.delete_deployment(app, project, deployment)
    return JSONResponse({"deleted": deployment.id})


routes: list[BaseRoute] = [
    Route("/api/v1/templates", list_templates, methods=["GET"]),
    Route("/api/v1/projects/{name}/deployments", create_deployment, methods=["POST"]),
    Route("/api/v1/projects/{name}/deployments", list_deployments, methods=["GET"]),
    Route("/api/v1/projects/{name}/rollback", rollback_project, methods=["POST"]),
    Route("/api/v1/deployments/{id}", get_deployment, methods=["GET"]),
    Route("/api/v1/deployments/{id}", delete_deployment, methods=["DELETE"]),
    Route("/api/v1/deployments/{id}/cancel", cancel_deployment, methods=["POST"]),
    Route("/api/v1/deployments/{id}/promote", promote_deployment, methods=["POST"]),
]
