"""One-click databases: their rows, links to projects, URLs for deployments, backups.

The data side of :mod:`autostack_plugins.services` (which runs the servers):
names and kinds checked once for the API, the dashboard and the CLI alike;
the password and the URL sealed at rest; a linked project's deployments get
the URL in the service's variable (``DATABASE_URL``, ``REDIS_URL``) unless the
project sets that variable itself.
"""

from __future__ import annotations

import re
import secrets
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import (
    Database,
    DatabaseBackup,
    DatabaseLink,
    Environment,
    EnvironmentVariable,
    Project,
    Role,
    Team,
    User,
)
from autostack_core.interfaces.runtime import OutputKind
from autostack_core.interfaces.services import ServiceHost, ServiceInstance
from autostack_core.services import provider_settings
from autostack_core.services.access import require_team_role

if TYPE_CHECKING:
    from autostack_core.app import AutoStack
    from autostack_core.interfaces.services import Service

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
PORTS = range(20000, 30000)
MAX_BACKUP_KEEP = 100
LOCAL = "local"
"""A database's ``runtime`` when its server runs from Debian's binaries on this machine."""
LOOPBACK = "127.0.0.1"
PORTS_KEY = "AUTOSTACK_SERVICE_PORTS"
"""The variable listing the loopback ports of a deployment's linked databases."""


async def services_of(app: AutoStack) -> dict[str, Service]:
    """The registered services by kind (``register_services``); a kind twice is refused."""
    found: dict[str, Service] = {}
    for service in await app.call_list_hook("register_services", settings=app.settings):
        if service.name in found:
            raise RuntimeError(f"two plugins register the database service {service.name!r}")
        found[service.name] = service
    return found


async def service_for(app: AutoStack, kind: str) -> Service:
    """The service of ``kind``: 422 naming the field and the kinds there are otherwise."""
    services = await services_of(app)
    if kind not in services:
        raise ApiError(422, f"type: {kind!r} is not a database type here; choose one of "
                            f"{', '.join(sorted(services)) or 'none (no service plugin)'}",
                       "type")
    return services[kind]


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ApiError(422, "name: use 1 to 63 lowercase letters, digits and hyphens, "
                            "starting with a letter (like shop-db)", "name")


def check_backup_keep(keep: int) -> None:
    if not 1 <= keep <= MAX_BACKUP_KEEP:
        raise ApiError(422, f"backup_keep: keep between 1 and {MAX_BACKUP_KEEP} backups",
                       "backup_keep")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def free_port() -> int:
    """A loopback port no database has and nothing listens on."""
    taken = {row.port for row in await Database.all().only("id", "port")}
    for _ in range(200):
        port = secrets.choice(PORTS)
        if port not in taken and _port_free(port):
            return port
    raise ApiError(503, "no free port for a database: too many databases or ports in use")


def _reaches_loopback(app: AutoStack, provider: str) -> bool:
    """Whether apps of the runtime ``provider`` reach this server's loopback (the local
    runtime and podman forward the linked ports): not a cluster's pods, nor a runtime that
    runs only images somewhere else (Cloud Run, ACI). An uninstalled one counts as local."""
    runtime = app.runtimes.get(provider)
    if isinstance(runtime, ServiceHost):
        return runtime.service_listen == LOOPBACK
    return runtime is None or set(getattr(runtime, "accepts", ())) != {OutputKind.IMAGE}


def runtime_for(app: AutoStack, project: Project | None) -> str:
    """Where a new database of ``project`` runs: the project's runtime when that runs
    images as a :class:`ServiceHost` (podman, Kubernetes), else :data:`LOCAL` (also for a
    database of the team's own). A project whose apps could not reach a database here
    (Cloud Run, ACI) is refused with a 422 naming ``project``, before anything is made."""
    if project is None:
        return LOCAL
    if isinstance(app.runtimes.get(project.provider), ServiceHost):
        return project.provider
    if _reaches_loopback(app, project.provider):
        return LOCAL
    raise ApiError(422, f"project: {project.name} runs on the {project.provider} runtime, "
                        "which runs no databases, and its apps could not reach one on this "
                        "server; use a managed database there and set DATABASE_URL or "
                        "REDIS_URL as a variable", "project")


def check_reachable(app: AutoStack, database: Database, project: Project) -> None:
    """422 naming ``project`` unless ``project``'s apps can reach ``database``: it runs on
    the project's runtime, or locally and the project's apps reach this server's loopback."""
    if database.runtime == project.provider or (
            database.runtime == LOCAL and _reaches_loopback(app, project.provider)):
        return
    raise ApiError(422, f"project: {project.name} runs on the {project.provider} runtime, "
                        f"whose apps cannot reach {database.name} (it runs on "
                        f"{database.runtime})", "project")


async def placement_of(database: Database) -> tuple[str, dict[str, str]]:
    """The team's slug and its values for the database's runtime's fields (sealed at
    rest), as a release of its project gets them."""
    team = await team_of(database)
    return team.slug, await provider_settings.values(team.id, database.runtime)


def instance_of(database: Database, data_dir: Path) -> ServiceInstance:
    """What a service sees of ``database``, its data in ``data_dir``."""
    return ServiceInstance(name=database.name, port=database.port,
                           password=database.password or "", data_dir=data_dir)


async def create(team: Team, name: str, service: Service, project: Project | None,
                 runtime: str = LOCAL) -> Database:
    """The database's row (``starting``), linked to ``project`` if given; 409 if the team
    has one of that name. ``runtime`` is where it runs (:data:`LOCAL`, or a container
    runtime that runs the service's image). Starting it is the runner's job."""
    check_name(name)
    if project is not None and project.team_id != team.id:  # type: ignore[attr-defined]
        raise ApiError(422, "project: link projects of the database's team only", "project")
    problem = service.available() if runtime == LOCAL else None
    if runtime != LOCAL and not callable(getattr(service, "image", None)):
        problem = f"it has no image to run on the {runtime} runtime"
    if problem is not None:
        raise ApiError(422, f"type: {service.title} cannot run on this server: {problem}",
                       "type")
    if await Database.exists(team=team, name=name):
        raise ApiError(409, f"name: the team already has a database named {name}", "name")
    database = Database(team=team, name=name, kind=service.name, port=await free_port(),
                        env_key=service.env_key, status="starting", runtime=runtime)
    database.password = secrets.token_urlsafe(24)
    database.url = service.url(instance_of(database, Path(".")))
    async with in_transaction():
        await database.save()
        if project is not None:
            await DatabaseLink.create(database=database, project=project)
    return database


async def named(team: Team, name: str) -> Database:
    """The team's database ``name``, or 404."""
    database = await Database.get_or_none(team=team, name=name) if NAME_RE.match(name) else None
    if database is None:
        raise NotFound("database", "name")
    return database


async def link(database: Database, project: Project) -> DatabaseLink:
    """Give ``project``'s next deployments the URL; 409 when already linked."""
    if project.team_id != database.team_id:  # type: ignore[attr-defined]
        raise ApiError(422, "project: link projects of the database's team only", "project")
    if await DatabaseLink.exists(database=database, project=project):
        raise ApiError(409, f"project: {project.name} is already linked", "project")
    return await DatabaseLink.create(database=database, project=project)


async def unlink(database: Database, project: Project) -> None:
    deleted = await DatabaseLink.filter(database=database, project=project).delete()
    if not deleted:
        raise NotFound("link", "project")


async def set_status(database_id: int, status: str, error: str | None) -> None:
    """Persist a database's status (and why it failed)."""
    await Database.filter(id=database_id).update(status=status, error=error)


async def linked_environment(project: Project, deployment_target: Environment) -> dict[str, str]:
    """The URLs of the databases linked to ``project``, by variable, for a deployment.

    A variable the project sets itself (in ``deployment_target``) wins: those are
    left out here. :data:`PORTS_KEY` lists the linked databases' ports, which the
    local runtime forwards into the app's own network namespace (and no others).
    """
    links = await DatabaseLink.filter(project=project).prefetch_related("database")
    if not links:
        return {}
    own: set[str] = {str(key) for key in await EnvironmentVariable.filter(
        project=project, environment=deployment_target).values_list("key", flat=True)}
    values: dict[str, str] = {}
    for item in sorted(links, key=lambda row: row.id):
        database = item.database
        if database.env_key not in own and database.env_key not in values:
            values[database.env_key] = database.url or ""
    values[PORTS_KEY] = ",".join(str(item.database.port) for item in links)
    return values


async def backups_of(database: Database) -> list[DatabaseBackup]:
    return list(await DatabaseBackup.filter(database=database).order_by("-created_at", "-id"))


async def expired_backups(database: Database) -> list[DatabaseBackup]:
    """The finished backups past the ``backup_keep`` newest: to be deleted."""
    done = await DatabaseBackup.filter(database=database, status="done") \
        .order_by("-created_at", "-id")
    return list(done[database.backup_keep:])


def database_json(database: Database, team: str, projects: list[str], size: int | None,
                  title: str) -> dict[str, Any]:
    """The API's form: never the password alone; the URL (which holds it) is added by the
    caller for members only."""
    return {"name": database.name, "team": team, "type": database.kind, "title": title,
            "status": database.status, "error": database.error, "port": database.port,
            "env_key": database.env_key, "projects": projects, "size_bytes": size,
            "backup_keep": database.backup_keep, "runtime": database.runtime,
            "created_at": database.created_at.isoformat()}


def backup_json(backup: DatabaseBackup) -> dict[str, Any]:
    return {"id": backup.id, "status": backup.status, "size_bytes": backup.size_bytes,
            "error": backup.error, "created_at": backup.created_at.isoformat()}


async def team_of(database_or_project: Database | Project) -> Team:
    return await Team.get(id=database_or_project.team_id)  # type: ignore[union-attr]


async def role_in(team: Team, user: User) -> Role:
    """``user``'s role in ``team`` (404 for non-members)."""
    return await require_team_role(team, user, Role.VIEWER)


async def linked_to(project: Project) -> list[Database]:
    return list(await Database.filter(links__project=project).order_by("name"))


async def linked_to_project_named(name: str) -> list[Database]:
    """:func:`linked_to` the project ``name`` (none when there is no such project), in one query."""
    return list(await Database.filter(links__project__name=name).order_by("name"))


async def linked_project_names(database: Database) -> list[str]:
    names = await DatabaseLink.filter(database=database).order_by("id") \
        .values_list("project__name", flat=True)
    return [str(name) for name in names]
