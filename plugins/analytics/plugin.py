"""The analytics plugin's hooks: the API, the beacon routes and the prune job.

Registered as a built-in (``autostack_plugins.analytics.plugin``) with the same
public hooks a third-party plugin has. Queue task: ``analytics_prune`` (hourly:
forget roll-ups, visitors and vitals past the retention setting, and the
salts of past days).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings

PRUNE_TASK = "analytics_prune"


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    from . import api, beacon

    return [*api.routes, *beacon.routes]


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    async def prune() -> None:
        from autostack_core.services.analytics_ingest import prune as prune_rows

        await prune_rows(app.settings.analytics_retention_days)

    return [Task(PRUNE_TASK, prune, Cron(minute="7"))]
