"""The forms plugin's hooks: the build's form detection, the API and ``autostack forms``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from autostack_core import hookimpl

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
    from .commands import forms

    cli.add_command(forms)


@hookimpl
async def inspect_source(app: AutoStack, deployment: Deployment, tree: SourceTree) -> None:
    """Record the Netlify forms of the deployment's HTML files (bounded; see the service)."""
    from autostack_core.services import forms

    await forms.record(deployment, forms.forms_in_tree(tree.root))
