"""Databases of a team (``/api/v1/teams/{slug}/databases``) and of a project
(``/api/v1/projects/{name}/databases``): create, list, link, delete, back up, restore.

Members create, link and back up; admins delete and restore (a restore
overwrites data). Viewers see the list without URLs: the URL holds the password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import (
    audit,
    autostack_of,
    current_user,
    path_id,
    project_for,
    read_body,
    team_for,
)
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models.databases import Database, DatabaseBackup
from autostack_core.infrastructure.models.enums import ROLE_RANK, Role
from autostack_core.services import databases

from . import manager

if TYPE_CHECKING:
    from autostack_core.infrastructure.models import Project, Team


class CreateDatabase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=63)
    type: str = Field(min_length=1, max_length=32)
    project: str | None = None


class ChangeDatabase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backup_keep: int


class LinkProject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str = Field(min_length=1)


async def describe(request: Request, database: Database, role: Role) -> dict[str, Any]:
    app = autostack_of(request)
    services = await databases.services_of(app)
    service = services.get(database.kind)
    team = await databases.team_of(database)
    found = databases.database_json(database, team.slug,
                                    await databases.linked_project_names(database),
                                    await manager.size_of(app, database),
                                    service.title if service else database.kind)
    if ROLE_RANK[role] >= ROLE_RANK[Role.MEMBER]:
        found["url"] = database.url
    return found


async def _create(request: Request, team: Team, body: CreateDatabase,
                  project: Project | None, role: Role) -> Response:
    app = autostack_of(request)
    service = await databases.service_for(app, body.type)
    database = await databases.create(team, body.name, service, project,
                                      databases.runtime_for(app, project))
    await audit(request, "database.created", team=team, target=("database", database.name),
                project=project.name if project else "",
                after={"name": database.name, "type": database.kind})
    manager.start_soon(app, database)
    return JSONResponse(await describe(request, database, role), status_code=201)


async def list_team_databases(request: Request) -> Response:
    """The team's databases: type, status, size, linked projects (URL for members).
    ---
    summary: List a team's databases
    tags: [databases]
    """
    team, role = await team_for(request, Role.VIEWER)
    found = await Database.filter(team=team).order_by("name")
    return JSONResponse({"databases": [await describe(request, item, role) for item in found]})


async def create_team_database(request: Request) -> Response:
    """Create a database (member): ``name``, ``type`` (``postgres``, ``redis``) and
    optionally a ``project`` of the team to link. Answers at once with status
    ``starting``; it turns ``running`` (or ``failed``, with ``error``) when the server is up.
    ---
    summary: Create a database
    tags: [databases]
    body: CreateDatabase
    """
    team, role = await team_for(request, Role.MEMBER)
    body = await read_body(request, CreateDatabase)
    project = None
    if body.project is not None:
        project = await project_for(request, body.project, Role.MEMBER)
    return await _create(request, team, body, project, role)


async def list_project_databases(request: Request) -> Response:
    """The databases linked to the project.
    ---
    summary: List a project's databases
    tags: [databases]
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    _team, role = await _team_of(request, project)
    found = await databases.linked_to(project)
    return JSONResponse({"databases": [await describe(request, item, role) for item in found]})


async def project_databases(request: Request, name: str) -> list[dict[str, Any]]:
    """The databases linked to project ``name`` with their last backup, for its page
    (which checked access already): no URLs."""
    found = []
    for database in await databases.linked_to_project_named(name):
        item = await describe(request, database, Role.VIEWER)
        backups = await databases.backups_of(database)
        item["last_backup"] = databases.backup_json(backups[0]) if backups else None
        found.append(item)
    return found


async def create_project_database(request: Request) -> Response:
    """Create a database in the project's team, linked to the project (member).
    ---
    summary: Create a database for a project
    tags: [databases]
    body: CreateDatabase
    """
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    body = await read_body(request, CreateDatabase)
    team, role = await _team_of(request, project)
    return await _create(request, team, body.model_copy(update={"project": project.name}),
                         project, role)


async def _team_of(request: Request, project: Project) -> tuple[Team, Role]:
    team = await databases.team_of(project)
    return team, await databases.role_in(team, current_user(request))


async def _database(request: Request, minimum: Role) -> tuple[Team, Database, Role]:
    team, role = await team_for(request, minimum)
    return team, await databases.named(team, request.path_params["database"]), role


async def get_database(request: Request) -> Response:
    """One database with its backups, newest first.
    ---
    summary: Get a database
    tags: [databases]
    """
    _team, database, role = await _database(request, Role.VIEWER)
    found = await describe(request, database, role)
    found["backups"] = [databases.backup_json(item) for item in
                        await databases.backups_of(database)]
    return JSONResponse(found)


async def change_database(request: Request) -> Response:
    """Change how many backups are kept (admin); older ones go at the next backup.
    ---
    summary: Change a database
    tags: [databases]
    body: ChangeDatabase
    """
    team, database, role = await _database(request, Role.ADMIN)
    body = await read_body(request, ChangeDatabase)
    databases.check_backup_keep(body.backup_keep)
    before = database.backup_keep
    database.backup_keep = body.backup_keep
    await database.save(update_fields=["backup_keep"])
    await audit(request, "database.updated", team=team, target=("database", database.name),
                before={"backup_keep": before}, after={"backup_keep": body.backup_keep})
    return JSONResponse(await describe(request, database, role))


async def delete_database(request: Request) -> Response:
    """Delete a database (admin): its server stops, its data and backups are deleted and
    linked projects' next deployments no longer get its URL.
    ---
    summary: Delete a database
    tags: [databases]
    """
    team, database, _role = await _database(request, Role.ADMIN)
    await manager.delete(autostack_of(request), database)
    await audit(request, "database.deleted", team=team, target=("database", database.name),
                before={"name": database.name, "type": database.kind})
    return Response(status_code=204)


async def link_project(request: Request) -> Response:
    """Link a project of the team (member): its next deployments get the URL.
    ---
    summary: Link a database to a project
    tags: [databases]
    body: LinkProject
    """
    team, database, role = await _database(request, Role.MEMBER)
    body = await read_body(request, LinkProject)
    project = await project_for(request, body.project, Role.MEMBER)
    databases.check_reachable(autostack_of(request), database, project)
    await databases.link(database, project)
    await audit(request, "database.linked", team=team, target=("database", database.name),
                project=project.name)
    return JSONResponse(await describe(request, database, role), status_code=201)


async def unlink_project(request: Request) -> Response:
    """Unlink a project (member): its next deployments no longer get the URL.
    ---
    summary: Unlink a database from a project
    tags: [databases]
    """
    team, database, _role = await _database(request, Role.MEMBER)
    project = await project_for(request, request.path_params["project"], Role.MEMBER)
    await databases.unlink(database, project)
    await audit(request, "database.unlinked", team=team, target=("database", database.name),
                project=project.name)
    return Response(status_code=204)


async def create_backup(request: Request) -> Response:
    """Back up now (member): ``pg_dump -Fc`` or Redis' ``BGSAVE``; the oldest backups past
    ``backup_keep`` are deleted. 409 unless the database is running.
    ---
    summary: Back up a database
    tags: [databases]
    """
    team, database, _role = await _database(request, Role.MEMBER)
    record = await manager.backup(autostack_of(request), database)
    await audit(request, "database.backed_up", team=team, target=("database", database.name),
                after={"backup": record.id, "status": record.status})
    return JSONResponse(databases.backup_json(record),
                        status_code=201 if record.status == "done" else 500)


async def restore_backup(request: Request) -> Response:
    """Restore a backup (admin): the database's data becomes the backup's.
    ---
    summary: Restore a database backup
    tags: [databases]
    """
    team, database, role = await _database(request, Role.ADMIN)
    record = await DatabaseBackup.get_or_none(id=path_id(request, "backup"), database=database)
    if record is None:
        raise NotFound("backup", "id")
    await manager.restore(autostack_of(request), database, record)
    await audit(request, "database.restored", team=team, target=("database", database.name),
                after={"backup": record.id})
    await database.refresh_from_db()
    return JSONResponse(await describe(request, database, role))


TEAM = "/api/v1/teams/{slug}/databases"
ONE = TEAM + "/{database}"
routes: list[BaseRoute] = [
    Route(TEAM, list_team_databases, methods=["GET"]),
    Route(TEAM, create_team_database, methods=["POST"]),
    Route("/api/v1/projects/{name}/databases", list_project_databases, methods=["GET"]),
    Route("/api/v1/projects/{name}/databases", create_project_database, methods=["POST"]),
    Route(ONE, get_database, methods=["GET"]),
    Route(ONE, change_database, methods=["PATCH"]),
    Route(ONE, delete_database, methods=["DELETE"]),
    Route(ONE + "/links", link_project, methods=["POST"]),
    Route(ONE + "/links/{project}", unlink_project, methods=["DELETE"]),
    Route(ONE + "/backups", create_backup, methods=["POST"]),
    Route(ONE + "/backups/{id:int}/restore", restore_backup, methods=["POST"]),
]
