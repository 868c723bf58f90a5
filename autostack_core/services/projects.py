"""Projects: their names and settings, checked once for the API and the dashboard, and
the operations on them (create, list, change settings, delete).

Members create projects, admins change settings, owners delete; the caller
checks the role of an existing project, :func:`create_project` checks it for
the team it creates in.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tortoise.exceptions import IntegrityError

from autostack_core.build.detection import known_frameworks
from autostack_core.errors import ApiError, NotFound, from_validation_error
from autostack_core.git import git_credentials, webhook_setup
from autostack_core.infrastructure.models import (
    Deployment,
    GitConnection,
    Project,
    Role,
    Team,
    TeamMember,
    User,
)
from autostack_core.security import accounts
from autostack_core.services import hostnames, protection, quotas
from autostack_core.services.access import require_team_role
from autostack_core.services.checks import fits
from autostack_core.services.retention import remove_project
from autostack_core.utils import branch_name_problem

if TYPE_CHECKING:
    from autostack_core.app import AutoStack

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
NAME_HELP = (
    "use 1-48 lowercase letters, digits and dashes, starting and ending with a letter or "
    "digit (it becomes part of the project's hostname)"
)
_GIT_URL_RE = re.compile(r"^(?:(?:https?|ssh|git|file)://\S+|[\w.-]+@[\w.-]+:\S+|/\S*)$")
_VERSION_PART = r"[<>=^~]{0,2}v?\d+(?:\.(?:\d+|[xX*])){0,2}"
_VERSION_RE = re.compile(rf"^{_VERSION_PART}(?:\s*(?:\|\||-|\s)\s*{_VERSION_PART})*$")
"""A Node.js version or range as ``engines.node`` writes one: 22, 22.x, >=20, ^22.18.0."""
_FRAMEWORK_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{0,47}$")

SETTING_FIELDS = (
    "git_url", "branch", "framework", "build_command", "install_command", "output_directory",
    "root_directory", "start_command", "dev_command", "node_version",
)


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
        "node_version": (_VERSION_RE, "use a Node.js version like 22, 22.x or >=20"),
        "framework": (_FRAMEWORK_RE, "use a framework slug like nextjs"),
    }
    for field, value in values.items():
        if value is None:
            continue
        if field in rules and not rules[field][0].match(value):
            raise ApiError(422, f"{field}: {rules[field][1]}", field)
        if field == "branch" and (problem := branch_name_problem(value)):
            raise ApiError(422, f"branch: {problem} (use a git branch name like main)", field)
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
    provider: str | None = Field(default=None, max_length=48)
    """The runtime its deployments run on (default ``local``)."""


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


async def latest_deployment(project: Project) -> Deployment | None:
    return await Deployment.filter(project=project, deleted_at__isnull=True) \
        .order_by("-created_at").first()


async def default_team(user: User) -> Team:
    """The user's personal team, else the first team they belong to."""
    member = await TeamMember.filter(user=user).prefetch_related("team") \
        .order_by("-team__is_personal", "team_id").first()
    if member is None:
        raise ApiError(422, "team: you belong to no team; create one first", "team")
    team: Team = member.team
    return team


def check_framework(app: AutoStack, framework: str | None) -> None:
    """422 naming ``framework`` unless a detector knows it (empty means "detect it")."""
    if not framework:
        return
    known = known_frameworks(app.plugin_manager, app.settings)
    if framework not in known:
        raise ApiError(422, f"framework: no detector knows {framework!r}; leave it empty to "
                            f"detect the framework, or use one of {', '.join(known)} "
                            "(`autostack detect` shows what your repository is detected as)",
                       "framework")


def check_provider(app: AutoStack, provider: str) -> None:
    """422 naming ``provider`` unless it is an installed runtime."""
    if provider not in app.runtimes:
        known = ", ".join(sorted(app.runtimes)) or "none installed"
        raise ApiError(422, f"provider: no runtime called {provider!r}; choose one of {known}",
                       "provider")


async def create_project(user: User, body: ProjectCreate, ip: str) -> Project:
    """Create a project in ``body.team`` (or the user's default team); member role needed."""
    team = await Team.get_or_none(slug=body.team) if body.team else await default_team(user)
    if team is None:
        raise NotFound("team", "team")
    await require_team_role(team, user, Role.MEMBER)
    if await Project.exists(name=body.name):
        raise ApiError(409, f"name: the name {body.name!r} is taken; choose another", "name")
    await hostnames.check_project_name(body.name)
    await quotas.check(team.id, "projects")
    values = {k: v for k, v in body.model_dump(include=set(SETTING_FIELDS)).items()
              if v is not None}
    if body.provider:
        values["provider"] = body.provider
    try:
        project = await Project.create(name=body.name, team=team, user=user, **values,
                                       **protection.defaults_for(team))
    except IntegrityError as error:
        raise ApiError(409, f"name: the name {body.name!r} is taken", "name") from error
    await accounts.audit("project.created", user=user, team=team,
                         target=("project", str(project.id)), ip=ip, project=project.name)
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


async def change_settings(app: AutoStack, user: User, project: Project,
                          changes: dict[str, Any], ip: str) -> bool:
    """Save checked ``changes`` to ``project`` and audit them (admin role, checked by the
    caller). Another git URL is no longer the connected repository, so clones of it use
    no one's access: returns whether that forgot the project's git connection."""
    check_framework(app, changes.get("framework"))
    before = {field: getattr(project, field) for field in changes}
    for field, value in changes.items():
        setattr(project, field, value)
    forgotten = "git_url" in changes \
        and await git_credentials.follow_git_url(app, project, project.git_url)
    if changes:
        await project.save(update_fields=[*changes, "updated_at"])
        await accounts.audit("project.updated", user=user, team=project.team,
                             target=("project", str(project.id)), ip=ip,
                             before=before, after=changes, project=project.name)
    return forgotten


async def delete_project(app: AutoStack, user: User, project: Project, ip: str) -> None:
    """Delete ``project`` with its deployments, aliases and variables, and the repository
    webhook AutoStack created for it, audited (owner role, checked by the caller)."""
    connection = await GitConnection.get_or_none(project_id=project.id)
    if connection is not None:
        await webhook_setup.remove_webhook(app, connection)
    await remove_project(app, project)
    await accounts.audit("project.deleted", user=user, team=project.team,
                         target=("project", str(project.id)), ip=ip, project=project.name)
