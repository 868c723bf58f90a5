"""A stand-in control plane for the protection case: a check endpoint and one page.

It lets a request in when its URI carries ``?key=letmein`` (what the edge sent
as ``X-Forwarded-Uri``), answers 401 ``sign in first`` otherwise, and serves
``<PROTECTION_PREFIX>login`` itself, naming the hostname it was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from autostack_core.interfaces.edge import PROTECTION_CHECK, PROTECTION_PREFIX

KEY = "key=letmein"


async def check(request: Request) -> Response:
    if KEY in request.headers.get("x-forwarded-uri", ""):
        return PlainTextResponse("", status_code=204)
    return PlainTextResponse("sign in first", status_code=401)


async def login(request: Request) -> Response:
    return PlainTextResponse(f"login page of {request.headers.get('host', '')}")


@contextlib.asynccontextmanager
async def control_plane(url: str) -> AsyncIterator[None]:
    """Serve the stand-in at ``url`` (``http://127.0.0.1:<port>``) while the block runs."""
    address = urlsplit(url)
    app = Starlette(routes=[Route(PROTECTION_CHECK, check),
                            Route(f"{PROTECTION_PREFIX}login", login)])
    server = uvicorn.Server(uvicorn.Config(app, host=address.hostname or "127.0.0.1",
                                           port=address.port or 80, log_level="warning",
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task
