"""The wildcard certificate on public hooks: its queue tasks, its API, its start-up renewal.

With ``AUTOSTACK_DNS_HOST`` set and a real base domain, the server
obtains ``*.<base>`` itself (:mod:`autostack_plugins.providers.local.wildcard_certificate`):
once when a server that consumes the queue starts, then hourly at :41, and
when a server admin asks through the API.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task
from autostack_plugins.providers.local import wildcard_api, wildcard_certificate

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    renew = partial(wildcard_certificate.renew, app)
    return [
        Task(wildcard_api.RENEW_TASK, renew),
        Task(f"{wildcard_api.RENEW_TASK}_hourly", renew, Cron(minute="41")),
    ]


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    routes: list[BaseRoute] = wildcard_api.routes
    return routes


@hookimpl
def startup(app: AutoStack) -> None:
    """A server that consumes the queue checks the certificate as it starts."""
    if app.consume and wildcard_certificate.enabled(app.settings):
        app.queue.enqueue(wildcard_api.RENEW_TASK)
