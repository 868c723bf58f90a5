"""The domains plugin's hooks: its API, commands, queue tasks, dashboard service and aliases.

Registered as a built-in (``autostack_plugins.domains.plugin``) with the same
public hooks a third-party plugin has. Queue tasks: ``publish_domain_records``
(write a new domain's records in its connected zone), ``refresh_domain_certificate``
(record the certificate state the edge reports) and ``recheck_domains``
(every five minutes: verify what is unverified, refresh every certificate).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click

from autostack_core import hookimpl
from autostack_core.interfaces.tasks import Cron, Task

from . import commands, dns_commands

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from autostack_core.app import AutoStack
    from autostack_core.config import Settings
    from autostack_core.infrastructure.models import Project

    from .service import DomainService


@hookimpl
def register_routes(settings: Settings) -> list[BaseRoute]:
    # The API, the models and the service load here and in the hooks below, not when the
    # plugin is imported: every CLI command imports the plugins to find its subcommands.
    from . import api, zones_api

    return [*api.routes, *zones_api.routes]


@hookimpl(tryfirst=True)
def register_commands(cli: click.Group) -> None:
    """``autostack domains`` and ``autostack dns``; first, so DNS host plugins find
    ``dns connect`` to add their subcommand to."""
    cli.add_command(commands.domains)
    cli.add_command(dns_commands.dns)


@hookimpl
def register_tasks(app: AutoStack) -> list[Task]:
    from . import domains

    return [
        Task("refresh_domain_certificate", partial(domains.refresh_certificate, app)),
        Task("publish_domain_records", partial(domains.publish_records, app)),
        Task("recheck_domains", partial(domains.recheck, app), Cron(minute="*/5")),
    ]


@hookimpl
def register_domains(app: AutoStack) -> DomainService:
    from .service import DomainService

    return DomainService(app)


@hookimpl
async def extra_hostnames(app: AutoStack, project: Project, hostname: str) -> list[str]:
    from . import domains

    return await domains.followers(app, project, hostname)


@hookimpl
async def extra_redirects(app: AutoStack) -> list[tuple[str, str, int]]:
    from . import domains

    return await domains.redirects()
