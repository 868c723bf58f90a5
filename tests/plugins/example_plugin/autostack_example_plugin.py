"""An example AutoStack plugin: one page, and a variable for every dashboard template."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from autostack_core import hookimpl

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
