"""The dashboard as a built-in plugin: its pages and static files, via ``register_routes``."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from autostack_core import hookimpl
from autostack_web import account, dashboard, pages
from autostack_web.rendering import STATIC_DIR


@hookimpl
def register_routes(settings: Any) -> list[BaseRoute]:
    return [
        *pages.routes,
        *dashboard.routes,
        *account.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
