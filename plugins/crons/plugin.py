"""The crons plugin's hooks: the build check, the scheduler and runs, the API and commands.

Registered as a built-in (``autostack_plugins.crons.plugin``) with the same
public hooks a third-party plugin has. Queue tasks: ``crons_tick`` (every
minute: claim and enqueue the runs due), ``crons_run`` (send one run's
request and record the answer) and ``crons_prune`` (hourly: forget runs
older than 30 days).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Deployment
    from autostack_core.interfaces import SourceTree


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    from . import api

    return api.routes


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .commands import crons

    cli.add_command(crons)


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    from autostack_core.services.crons import RUN_TASK

    from . import runner

    return [
        Task(runner.TICK_TASK, partial(runner.tick, app), Cron()),
        Task(RUN_TASK, partial(runner.run, app)),
        Task(runner.PRUNE_TASK, runner.prune, Cron(minute="29")),
    ]


@hookimpl
async def inspect_source(app: AutoStack, deployment: Deployment, tree: SourceTree) -> None:
    """Record the deployment's ``vercel.json`` crons; a bad one fails the build."""
    from autostack_core.infrastructure.models.crons import DeploymentCron

    from .config import crons_of

    entries = crons_of(tree)
    await DeploymentCron.filter(deployment=deployment).delete()
    await DeploymentCron.bulk_create([
        DeploymentCron(deployment=deployment, path=entry.path, schedule=entry.schedule)
        for entry in entries])
