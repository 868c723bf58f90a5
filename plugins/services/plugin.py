"""The databases plugin's hooks: PostgreSQL and Redis, the API, commands, the schedule.

Registered as a built-in (``autostack_plugins.services.plugin``) with the same
public hooks a third-party plugin has. Servers run in the process that runs
the queue consumer (``startup`` starts every database not stopped). Queue
task: ``databases_backup``, daily at 03:17 UTC, backs up every running
database and keeps each one's ``backup_keep`` newest backups.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import click

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task

from .postgres import Postgres
from .redis import Redis

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.interfaces.services import DatabaseServers, Service


@hookimpl
def register_services(settings: Settings) -> list[Service]:
    return [Postgres(), Redis()]


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    from . import api

    return api.routes


@hookimpl
async def extra_template_vars(request: Request, template: str) -> dict[str, Any] | None:
    """The project page's databases section (``databases``): the page checked access."""
    if template != "project.html" or "name" not in request.path_params:
        return None
    from .api import project_databases

    return {"databases": await project_databases(request, request.path_params["name"])}


@hookimpl
def register_database_servers(app: AutoStack) -> DatabaseServers:
    """The dashboard's way to start, delete, back up and restore databases."""
    from .manager import Servers

    return Servers(app)


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .commands import databases

    cli.add_command(databases)


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    from . import manager

    return [Task(manager.BACKUP_TASK, partial(manager.backup_all, app),
                 Cron(minute="17", hour="3"))]


@hookimpl
async def startup(app: AutoStack) -> None:
    if not app.consume:
        return  # `autostack worker` processes and embedded apps run no database servers
    from . import manager

    manager.new_runner(app)
    await manager.start_all(app)


@hookimpl
async def shutdown(app: AutoStack) -> None:
    from . import manager

    runner = manager.RUNNERS.pop(id(app), None)
    if runner is not None:
        await runner.close()
