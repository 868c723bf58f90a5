"""The uptime plugin's hooks: the scheduler and checks, the API, commands, the page section.

Registered as a built-in (``autostack_plugins.uptime.plugin``) with the same
public hooks a third-party plugin has. Queue tasks: ``uptime_tick`` (every
minute: claim and enqueue the checks due), ``uptime_check`` (send one check,
record it, open or close incidents and alert) and ``uptime_prune`` (hourly:
forget old checks and incidents).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import click

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings

PAGE = "project.html"


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    from . import api

    return api.routes


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .commands import uptime

    cli.add_command(uptime)


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    from . import checker

    return [
        Task(checker.TICK_TASK, partial(checker.tick, app), Cron()),
        Task(checker.CHECK_TASK, partial(checker.run, app)),
        Task(checker.PRUNE_TASK, partial(checker.prune, app), Cron(minute="37")),
    ]


@hookimpl
async def extra_template_vars(request: Request, template: str) -> dict[str, Any] | None:
    """The project page's uptime section (``uptime``): the page checked access already."""
    if template != PAGE or "name" not in request.path_params:
        return None
    from autostack_core.api.deps import autostack_of
    from autostack_core.services import uptime

    found = await uptime.summary_by_name(autostack_of(request), request.path_params["name"])
    return None if found is None else {"uptime": found}
