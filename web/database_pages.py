"""Databases in the dashboard: ``/teams/{slug}/databases`` and the project page's section.

The same rules as ``/api/v1/teams/{slug}/databases`` (issue 18 item 4): viewers see the
databases without URLs (a URL holds the password); members create, link, unlink,
back up and reveal a URL; admins restore (it overwrites the data) and delete, each
confirmed in the form itself so it works without JavaScript. Creating answers at
once with the database ``starting`` (the server starts in the background, as from the
API); the pages poll with htmx until it runs. A form posted from a project page
(``back`` names the project) goes back there with a message; an error is shown on
the team's databases page, naming the field, with what was typed.

The servers are the databases plugin's: the pages call them through
``app.database_servers`` (``register_database_servers``), the functions the plugin's
API routes call; with no such plugin the pages answer 404.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    Database,
    DatabaseBackup,
    Project,
    Role,
    Team,
    User,
)
from autostack_core.interfaces.services import DatabaseServers
from autostack_core.security.auth import client_ip
from autostack_core.services import audit, databases
from autostack_core.services.checks import fits
from autostack_web.access import page, project_access, team_access
from autostack_web.flash import done, message_of
from autostack_web.formatting import allowed
from autostack_web.rendering import form_text, host_of, redirect, render


def servers_of(request: Request) -> DatabaseServers:
    """The plugin running the database servers; 404 when none is installed."""
    servers = host_of(request).database_servers
    if servers is None:
        raise NotFound("page")
    return servers


async def database_rows(request: Request, team: Team, role: Role) -> list[dict[str, Any]]:
    """The team's databases as the API gives them, with their backups (URLs for members)."""
    services = await databases.services_of(host_of(request))
    servers = servers_of(request)
    rows = []
    for database in await Database.filter(team=team).order_by("name"):
        service = services.get(database.kind)
        item = databases.database_json(
            database, team.slug, await databases.linked_project_names(database),
            await servers.size_of(database), service.title if service else database.kind)
        if allowed(role, "member"):
            item["url"] = database.url
        item["backups"] = [databases.backup_json(row) for row in
                           await databases.backups_of(database)]
        rows.append(item)
    return rows


async def databases_page(request: Request, team: Team, role: Role, status_code: int = 200,
                         **context: Any) -> Response:
    """The team's databases page; ``context`` may add ``error``, ``notice``, ``values``
    and ``revealed`` (the database whose URL is shown)."""
    projects = [str(name) for name in await Project.filter(team=team).order_by("name")
                .values_list("name", flat=True)]
    services = await databases.services_of(host_of(request))
    values = {"team": team, "role": role, "databases": await database_rows(request, team, role),
              "projects": projects, "types": {name: item.title for name, item in
                                              sorted(services.items())},
              "error": None, "notice": message_of(request), "values": {"type": "postgres"},
              "revealed": None, **context}
    return await render(request, "databases.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    team, role = await team_access(user, request.path_params["slug"])
    return await databases_page(request, team, role)


async def _audit(request: Request, user: User, action: str, team: Team, database: Database,
                 project: str = "", **data: Any) -> None:
    await audit.record(action, team=team, target=("database", database.name), actor=user,
                       address=client_ip(request), project=project, details=data)


async def _form(request: Request) -> dict[str, str]:
    async with request.form() as form:
        return {key: form_text(form, key) for key in form}


async def _back(user: User, fields: dict[str, str], team: Team) -> Project | None:
    """The project page the form came from (``back``): one of the team's the user sees."""
    name = fields.get("back", "")
    if not name or not fits(Project, "name", name):
        return None
    try:
        project, _role = await project_access(user, name)
    except NotFound:
        return None
    return project if project.team_id == team.id else None  # type: ignore[attr-defined]


async def _answer(user: User, team: Team, fields: dict[str, str], key: str,
                  name: str) -> Response:
    """Back to the project page the form came from, or to the team's databases page."""
    back = await _back(user, fields, team)
    if back is not None:
        return redirect(done(f"/projects/{back.name}", key, name) + "#databases")
    return redirect(done(f"/teams/{team.slug}/databases", key, name))


async def _project_of(user: User, team: Team, name: str) -> Project:
    """A project of ``team`` the user may change (the API's check): 404/403 naming ``project``."""
    if not name:
        raise ApiError(422, "project: choose a project of the team", "project")
    try:
        project, _role = await project_access(user, name, Role.MEMBER)
    except NotFound as error:
        raise NotFound("project", "project") from error
    if project.team_id != team.id:  # type: ignore[attr-defined]
        raise ApiError(422, "project: link projects of the database's team only", "project")
    return project


async def create(request: Request, user: User) -> Response:
    """Create a database (member), linked to ``project`` if one is chosen; it starts in the
    background (``starting``)."""
    team, role = await team_access(user, request.path_params["slug"], Role.MEMBER)
    servers = servers_of(request)
    fields = await _form(request)
    values = {"name": fields.get("name", ""), "type": fields.get("type", ""),
              "project": fields.get("project", "")}
    try:
        project = await _project_of(user, team, values["project"]) if values["project"] else None
        service = await databases.service_for(host_of(request), values["type"])
        database = await databases.create(team, values["name"], service, project,
                                          databases.runtime_for(host_of(request), project))
    except ApiError as error:
        return await databases_page(request, team, role, error.status, error=error, values=values)
    await _audit(request, user, "database.created", team, database,
                 project=project.name if project else "", name=database.name, type=database.kind)
    servers.start_soon(database)
    return await _answer(user, team, fields, "database-created", database.name)


async def _database(request: Request, user: User, minimum: Role
                    ) -> tuple[Team, Role, Database, dict[str, str]]:
    team, role = await team_access(user, request.path_params["slug"], minimum)
    fields = await _form(request)
    name = request.path_params.get("database") or fields.get("database", "")
    try:
        database = await databases.named(team, name)
    except NotFound as error:
        raise NotFound("database", "database") from error
    return team, role, database, fields


async def link(request: Request, user: User) -> Response:
    """Link a project of the team (member): its next deployments get the URL."""
    team, role, database, fields = await _database(request, user, Role.MEMBER)
    try:
        project = await _project_of(user, team, fields.get("project", ""))
        databases.check_reachable(host_of(request), database, project)
        await databases.link(database, project)
    except ApiError as error:
        return await databases_page(request, team, role, error.status, error=error)
    await _audit(request, user, "database.linked", team, database, project=project.name)
    return await _answer(user, team, fields, "database-linked", database.name)


async def unlink(request: Request, user: User) -> Response:
    team, _role, database, fields = await _database(request, user, Role.MEMBER)
    project = await _project_of(user, team, fields.get("project", ""))
    await databases.unlink(database, project)
    await _audit(request, user, "database.unlinked", team, database, project=project.name)
    return await _answer(user, team, fields, "database-unlinked", database.name)


async def reveal(request: Request, user: User) -> Response:
    """The page with this database's URL shown (member); htmx swaps in just that cell."""
    team, role, database, _fields = await _database(request, user, Role.MEMBER)
    return await databases_page(request, team, role, revealed=database.name)


async def back_up(request: Request, user: User) -> Response:
    """Back up now (member); 409 unless the database runs."""
    team, role, database, fields = await _database(request, user, Role.MEMBER)
    try:
        record = await servers_of(request).backup(database)
    except ApiError as error:
        return await databases_page(request, team, role, error.status, error=error)
    await _audit(request, user, "database.backed_up", team, database, backup=record.id,
                 status=record.status)
    if record.status != "done":
        error = ApiError(500, f"Backup of {database.name} failed: {record.error}")
        return await databases_page(request, team, role, 500, error=error)
    return await _answer(user, team, fields, "database-backed-up", database.name)


def _confirmed(fields: dict[str, str], database: Database, what: str) -> None:
    if fields.get("confirm", "") != database.name:
        raise ApiError(422, f"confirm: type the database's name, {database.name}, to {what}",
                       "confirm")


async def restore(request: Request, user: User) -> Response:
    """Restore a backup (admin), confirmed by typing the database's name: it overwrites."""
    team, role, database, fields = await _database(request, user, Role.ADMIN)
    backup_id = fields.get("backup", "")
    record = None
    if backup_id.isdigit() and len(backup_id) <= 9:
        record = await DatabaseBackup.get_or_none(id=int(backup_id), database=database)
    try:
        if record is None:
            raise NotFound("backup", "backup")
        _confirmed(fields, database, "overwrite its data with the backup")
        await servers_of(request).restore(database, record)
    except ApiError as error:
        return await databases_page(request, team, role, error.status, error=error)
    await _audit(request, user, "database.restored", team, database, backup=record.id)
    return await _answer(user, team, fields, "database-restored", database.name)


async def delete(request: Request, user: User) -> Response:
    """Delete a database (admin), confirmed by typing its name: data and backups go."""
    team, role, database, fields = await _database(request, user, Role.ADMIN)
    try:
        _confirmed(fields, database, "delete it with its data and backups")
    except ApiError as error:
        return await databases_page(request, team, role, error.status, error=error)
    await servers_of(request).delete(database)
    await _audit(request, user, "database.deleted", team, database, name=database.name,
                 type=database.kind)
    return await _answer(user, team, fields, "database-deleted", database.name)


_TEAM = "/teams/{slug}/databases"
_ONE = _TEAM + "/{database}"


def _post(path: str, handler: Any) -> Route:
    return Route(path, page(handler), methods=["POST"], include_in_schema=False)


routes: list[BaseRoute] = [
    Route(_TEAM, page(show), methods=["GET"], include_in_schema=False),
    _post(_TEAM, create),
    _post(_TEAM + "/link", link),
    _post(_ONE + "/link", link),
    _post(_ONE + "/unlink", unlink),
    _post(_ONE + "/reveal", reveal),
    _post(_ONE + "/backup", back_up),
    _post(_ONE + "/restore", restore),
    _post(_ONE + "/delete", delete),
]
