"""Projects (``/api/v1/projects``): list, create, read, change settings, delete.

Viewers read, members create projects, admins change settings, owners delete.
Settings are validated once, for the API and the dashboard alike, by
:mod:`autostack_core.services.projects`, which does the work; these handlers
parse the request and write the answer.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.git.git_connections import connected_repository
from autostack_core.infrastructure.models import Deployment, Project, Role, Team
from autostack_core.security.auth import client_ip
from autostack_core.services import projects
from autostack_core.services.projects import (
    SETTING_FIELDS,
    ProjectCreate,
    ProjectPatch,
    check_settings,
    latest_deployment,
    validate_create,
)

_MAYBE_TEXT: dict[str, Any] = {"type": "string", "nullable": True}
SCHEMAS: dict[str, Any] = {
    "Project": {
        "type": "object",
        "description": "What project_json() writes.",
        "required": ["id", "name", "team", "provider", "created_at", "updated_at",
                     "latest_deployment"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "team": {"type": "string"},
            **{field: _MAYBE_TEXT for field in SETTING_FIELDS},
            "github_repo": _MAYBE_TEXT, "provider": {"type": "string"},
            "production_url": _MAYBE_TEXT, "auto_deploy_enabled": {"type": "boolean"},
            "created_at": {"type": "string"}, "updated_at": {"type": "string"},
            "latest_deployment": {
                "type": "object", "nullable": True,
                "required": ["id", "state", "target", "created_at"],
                "properties": {
                    "id": {"type": "string"}, "state": {"type": "string"},
                    "url": _MAYBE_TEXT, "branch": _MAYBE_TEXT, "commit_sha": _MAYBE_TEXT,
                    "target": {"type": "string", "enum": ["production", "preview"]},
                    "created_at": {"type": "string"},
                },
            },
        },
    },
    "ProjectAnswer": {
        "type": "object", "required": ["project"],
        "properties": {"project": {"$ref": "#/components/schemas/Project"}},
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


def deployment_json(deployment: Deployment | None) -> dict[str, Any] | None:
    if deployment is None:
        return None
    return {"id": deployment.id, "state": str(deployment.state), "url": deployment.deployment_url,
            "branch": deployment.branch, "commit_sha": deployment.commit_sha,
            "target": str(deployment.target),
            "created_at": deployment.created_at.isoformat()}


def project_json(project: Project, team: Team, latest: Deployment | None,
                 repository: str | None = None) -> dict[str, Any]:
    """The project as the API answers it; ``github_repo`` is the connected ``repository``
    (its name is kept from when only GitHub connected repositories)."""
    body: dict[str, Any] = {"id": project.id, "name": project.name, "team": team.slug}
    body.update({field: getattr(project, field) for field in SETTING_FIELDS})
    body["github_repo"] = repository
    body.update({
        "provider": project.provider, "production_url": project.production_url,
        "auto_deploy_enabled": project.auto_deploy_enabled,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
        "latest_deployment": deployment_json(latest),
    })
    return body


# -- endpoints -------------------------------------------------------------------------


async def list_projects(request: Request) -> Response:
    """Projects of a team (``?team=slug``), or of all the user's teams.
    ---
    summary: List projects
    tags: [projects]
    parameters: [{name: team, in: query, schema: {type: string}}]
    responses:
      200:
        description: the projects
        schema:
          type: object
          required: [projects]
          properties:
            projects: {type: array, items: {$ref: "#/components/schemas/Project"}}
      404: {description: no team of yours has that slug}
    """
    user = current_user(request)
    found = await projects.projects_of(user, request.query_params.get("team"))
    items = [project_json(p, p.team, await latest_deployment(p), await connected_repository(p))
             for p in found]
    return JSONResponse({"projects": items})


async def create(request: Request) -> Response:
    """Create a project (member role in the team).
    ---
    summary: Create a project
    tags: [projects]
    body: ProjectCreate
    responses:
      201: {description: "{project}", schema: ProjectAnswer}
      404: {description: no team of yours has that slug}
      409: {description: the name is taken}
      422: {description: an invalid field, named in error.field}
    """
    user = current_user(request)
    body = validate_create(await read_body(request, ProjectCreate))
    projects.check_framework(request.app.state.autostack, body.framework)
    if body.provider is not None:
        projects.check_provider(request.app.state.autostack, body.provider)
    project = await projects.create_project(user, body, client_ip(request))
    team = await project.team
    return JSONResponse({"project": project_json(project, team, None)}, status_code=201)


async def get_project(request: Request) -> Response:
    """One project with its latest deployment.
    ---
    summary: Get a project
    tags: [projects]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{project}", schema: ProjectAnswer}
      404: {description: no such project of yours}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse({"project": project_json(
        project, project.team, await latest_deployment(project),
        await connected_repository(project))})


async def update_project(request: Request) -> Response:
    """Change a project's settings (admin).
    ---
    summary: Update a project
    tags: [projects]
    body: ProjectPatch
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200: {description: "{project}", schema: ProjectAnswer}
      422: {description: an invalid field, named in error.field}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, ProjectPatch)
    changes = body.model_dump(exclude_unset=True)
    check_settings({k: v for k, v in changes.items() if k in SETTING_FIELDS})
    if changes.get("provider") is not None:
        projects.check_provider(request.app.state.autostack, changes["provider"])
    for field in ("branch", "root_directory", "auto_deploy_enabled", "provider"):
        if field in changes and changes[field] is None:
            raise ApiError(422, f"{field}: may not be null", field)
    await projects.change_settings(request.app.state.autostack, current_user(request), project,
                                   changes, client_ip(request))
    return JSONResponse({"project": project_json(
        project, project.team, await latest_deployment(project),
        await connected_repository(project))})


async def delete_project(request: Request) -> Response:
    """Delete a project with its deployments, aliases and variables (owner).
    ---
    summary: Delete a project
    tags: [projects]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      204: {description: deleted}
    """
    project = await project_for(request, request.path_params["name"], Role.OWNER)
    await projects.delete_project(request.app.state.autostack, current_user(request), project,
                                  client_ip(request))
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/projects", list_projects, methods=["GET"]),
    Route("/api/v1/projects", create, methods=["POST"]),
    Route("/api/v1/projects/{name}", get_project, methods=["GET"]),
    Route("/api/v1/projects/{name}", update_project, methods=["PATCH"]),
    Route("/api/v1/projects/{name}", delete_project, methods=["DELETE"]),
]
