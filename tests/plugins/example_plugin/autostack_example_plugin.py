"""An example AutoStack plugin: one page, a variable for every dashboard template, a command."""

from __future__ import annotations

from typing import Any

import click
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from autostack_core import hookimpl
from autostack_core.cli.options import emit, json_option

TEMPLATES_SEEN: list[str] = []


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello from the example plugin")


@hookimpl
def register_routes(settings: Any) -> list[Route]:
    return [Route("/example-plugin", hello)]


@hookimpl
async def extra_template_vars(request: Any, template: str) -> dict[str, Any]:
    TEMPLATES_SEEN.append(template)
    return {"example_plugin_greeting": "hi"}


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command(name="example-hello")
    @click.argument("name", default="world")
    @json_option
    def example_hello(name: str, as_json: bool) -> None:
        """Greet NAME from the example plugin."""
        emit(as_json, {"greeting": f"hello {name}"}, f"hello {name} from the example plugin")
