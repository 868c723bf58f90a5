"""The log drains plugin's hooks: the API, the ``autostack drains`` commands, and the
pump (:mod:`autostack_core.services.drain_pump`) in the process that runs the queue
consumer of ``autostack up``, started and stopped with the server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from autostack_core import hookimpl

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.services.drain_pump import DrainPump

PUMPS: dict[int, DrainPump] = {}
"""The running pump of each app (by ``id``): one per ``autostack up``."""


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    from . import api

    return api.routes


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .commands import drains

    cli.add_command(drains)


@hookimpl
async def startup(app: AutoStack) -> None:
    if not app.consume:
        return  # `autostack worker` processes and embedded apps do not drain
    from autostack_core.services.drain_pump import DrainPump

    pump = DrainPump(app)
    await pump.start()
    PUMPS[id(app)] = pump


@hookimpl
async def shutdown(app: AutoStack) -> None:
    pump = PUMPS.pop(id(app), None)
    if pump is not None:
        await pump.stop()
