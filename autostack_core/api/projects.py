"""Projects (``/api/v1/projects``): list, create, read, change settings, delete.

Viewers read, members create projects, admins change settings, owners delete.
Settings are validated here, once, for the API and the dashboard alike.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from tortoise.exceptions import IntegrityError

from autostack_core import accounts, git_credentials, hostnames
from autostack_core.api.deps import current_user, fits, project_for, read_body, require_team_role
from autostack_core.auth import client_ip
from autostack_core.errors import ApiError, NotFound, from_validation_error
from autostack_core.models import Deployment, Project, Role, Team, TeamMember, User
from autostack_core.retention import remove_project

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
NAME_HELP = (
    "use 1-48 lowercase letters, digits and dashes, starting and ending with a letter or "
    "digit (it becomes part of the project's hostname)"
)
_GIT_URL_RE = re.compile(r"^(?:(?:https?|ssh|git|file)://\S+|[\w.-]+@[\w.-]+:\S+|/\S*)$")
_BRANCH_RE = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[\w./-]{1,200}$")
_VERSION_RE = re.compile(r"^[\w.\-]{1,32}$")
_FRAMEWORK_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,47}$")

SETTING_FIELDS = (
    "git_url", "branch", "framework", "build_command", "install_command", "output_directory",
    "root_directory", "start_command", "dev_command", "node_version",
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
                "required": ["id", "state", "created_at"],
                "properties": {
                    "id": {"type": "string"}, "state": {"type": "string"},
                    "url": _MAYBE_TEXT, "branch": _MAYBE_TEXT, "commit_sha": _MAYBE_TEXT,
                    "is_production": {"type": "boolean"}, "created_at": {"type": "string"},
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


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise ApiError(422, f"name: {NAME_HELP}", "name")
    return name


def _check_relative(field: str, value: str) -> None:
    parts = value.replace("\\", "/").split("/")
    if value.startswith("/") or ".." in parts or "\0" in value:
        raise ApiError(422, f"{field}: use a path inside the repository, without '..'", field)


def check_settings(values: dict[str, Any]) -> None:
    """Validate project settings, naming the field and the fix (422)."""
    rules = {
        "git_url": (_GIT_URL_RE, "use an https://, ssh:// or git@host:path URL"),
        "branch": (_BRANCH_RE, "use a git branch name like main"),
        "node_version": (_VERSION_RE, "use a version like 20 or 20.11"),
        "framework": (_FRAMEWORK_RE, "use a framework slug like nextjs"),
    }
    for field, value in values.items():
        if value is None:
            continue
        if field in rules and not rules[field][0].match(value):
            raise ApiError(422, f"{field}: {rules[field][1]}", field)
        if field in ("root_directory", "output_directory"):
            _check_relative(field, value)
        if field.endswith("_command") and "\0" in value:
            raise ApiError(422, f"{field}: remove the NUL character", field)


class ProjectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    git_url: str | None = Field(default=None, max_length=500)
    branch: str | None = Field(default=None, max_length=200)
    framework: str | None = Field(default=None, max_length=48)
    build_command: str | None = Field(default=None, max_length=1000)
    install_command: str | None = Field(default=None, max_length=1000)
    output_directory: str | None = Field(default=None, max_length=500)
    root_directory: str | None = Field(default=None, max_length=500)
    start_command: str | None = Field(default=None, max_length=1000)
    dev_command: str | None = Field(default=None, max_length=1000)
    node_version: str | None = Field(default=None, max_length=32)


class ProjectCreate(ProjectSettings):
    name: str = Field(max_length=200)
    team: str | None = Field(default=None, max_length=48)


class ProjectPatch(ProjectSettings):
    auto_deploy_enabled: bool | None = None
    provider: str | None = Field(default=None, max_length=48)


def validate_create(body: ProjectCreate) -> ProjectCreate:
    """Check the name and the settings beyond what the model's types say."""
    check_name(body.name)
    check_settings(body.model_dump(include=set(SETTING_FIELDS)))
    return body


def parse_create(data: dict[str, Any]) -> ProjectCreate:
    """A validated :class:`ProjectCreate` from form data (422 naming the field)."""
    try:
        body = ProjectCreate.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error) from error
    return validate_create(body)


def deployment_json(deployment: Deployment | None) -> dict[str, Any] | None:
    if deployment is None:
        return None
    return {"id": deployment.id, "state": str(deployment.state), "url": deployment.deployment_url,
            "branch": deployment.branch, "commit_sha": deployment.commit_sha,
            "is_production": deployment.is_production,
            "created_at": deployment.created_at.isoformat()}


async def latest_deployment(project: Project) -> Deployment | None:
    return await Deployment.filter(project=project, deleted_at__isnull=True) \
        .order_by("-created_at").first()


def project_json(project: Project, team: Team, latest: Deployment | None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project.id, "name": project.name, "team": team.slug}
    body.update({field: getattr(project, field) for field in SETTING_FIELDS})
    body["github_repo"] = project.github_repo
    body.update({
        "provider": project.provider, "production_url": project.production_url,
        "auto_deploy_enabled": project.auto_deploy_enabled,
        "created_at": project.created_at.isoformat(),
        "updated_at": project.updated_at.isoformat(),
        "latest_deployment": deployment_json(latest),
    })
    return body


async def default_team(user: User) -> Team:
    """The user's personal team, else the first team they belong to."""
    member = await TeamMember.filter(user=user).prefetch_related("team") \
        .order_by("-team__is_personal", "team_id").first()
    if member is None:
        raise ApiError(422, "team: you belong to no team; create one first", "team")
    team: Team = member.team
    return team


async def create_project(user: User, body: ProjectCreate, ip: str) -> Project:
    """Create a project in ``body.team`` (or the user's default team); member role needed."""
    team = await Team.get_or_none(slug=body.team) if body.team else await default_team(user)
    if team is None:
        raise NotFound("team", "team")
    await require_team_role(team, user, Role.MEMBER)
    if await Project.exists(name=body.name):
        raise ApiError(409, f"name: the name {body.name!r} is taken; choose another", "name")
    await hostnames.check_project_name(body.name)
    values = {k: v for k, v in body.model_dump(include=set(SETTING_FIELDS)).items()
              if v is not None}
    try:
        project = await Project.create(name=body.name, team=team, user=user, **values)
    except IntegrityError as error:
        raise ApiError(409, f"name: the name {body.name!r} is taken", "name") from error
    await accounts.audit("project.created", user=user, team=team,
                         target=("project", str(project.id)), ip=ip, name=project.name)
    return project


async def projects_of(user: User, team_slug: str | None) -> list[Project]:
    """Projects of one team of the user (404 if not a member), or of all their teams."""
    if team_slug:
        team = await Team.get_or_none(slug=team_slug) if fits(Team, "slug", team_slug) else None
        if team is None:
            raise NotFound("team", "team")
        await require_team_role(team, user, Role.VIEWER)
        query = Project.filter(team=team)
    else:
        team_ids = await TeamMember.filter(user=user).values_list("team_id", flat=True)
        query = Project.filter(team_id__in=list(team_ids))
    return list(await query.prefetch_related("team").order_by("-updated_at"))


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
    projects = await projects_of(user, request.query_params.get("team"))
    items = [project_json(p, p.team, await latest_deployment(p)) for p in projects]
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
    project = await create_project(user, body, client_ip(request))
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
    return JSONResponse({"project": project_json(project, project.team,
                                                 await latest_deployment(project))})


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
    if "provider" in changes:
        providers = request.app.state.autostack.providers
        if changes["provider"] not in providers:
            known = ", ".join(sorted(providers)) or "none installed"
            raise ApiError(422, f"provider: choose one of {known}", "provider")
    for field in ("branch", "root_directory", "auto_deploy_enabled", "provider"):
        if field in changes and changes[field] is None:
            raise ApiError(422, f"{field}: may not be null", field)
    for field, value in changes.items():
        setattr(project, field, value)
    # Another git URL is no longer the connected repository: clones of it use no one's access.
    forgotten = git_credentials.follow_git_url(request.app.state.autostack.settings, project,
                                               project.git_url) if "git_url" in changes else []
    if changes:
        await project.save(update_fields=[*changes, *forgotten, "updated_at"])
        await accounts.audit("project.updated", user=current_user(request), team=project.team,
                             target=("project", str(project.id)), ip=client_ip(request),
                             fields=sorted(changes))
    return JSONResponse({"project": project_json(project, project.team,
                                                 await latest_deployment(project))})


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
    await remove_project(request.app.state.autostack, project)
    await accounts.audit("project.deleted", user=current_user(request), team=project.team,
                         target=("project", str(project.id)), ip=client_ip(request),
                         name=project.name)
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/api/v1/projects", list_projects, methods=["GET"]),
    Route("/api/v1/projects", create, methods=["POST"]),
    Route("/api/v1/projects/{name}", get_project, methods=["GET"]),
    Route("/api/v1/projects/{name}", update_project, methods=["PATCH"]),
    Route("/api/v1/projects/{name}", delete_project, methods=["DELETE"]),
]
