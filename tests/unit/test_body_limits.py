"""Request body limits: counted while the body is read, 413 naming the limit.

The bodies are streamed by an async generator that counts what the server
pulled: a server that buffers the whole body pulls it all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import User
from autostack_core.security.body_limits import BodyLimitMiddleware
from tests.fixtures_auth import api, client_for, owner, token_for

__all__ = ["api", "owner"]

CHUNK = 64 * 1024
GITHUB_HEADERS = {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1",
                  "X-Hub-Signature-256": "sha256=" + "0" * 64,
                  "Content-Type": "application/json"}


@dataclass
class Stream:
    """A body of ``total`` bytes sent in chunks; ``pulled`` counts what the server read."""

    total: int
    pulled: int = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b" " * CHUNK


def set_limit(autostack: AutoStack, name: str, value: int) -> None:
    object.__setattr__(autostack.settings, name, value)


async def test_a_streamed_webhook_over_the_limit_is_cut_short_with_413(
    autostack: AutoStack,
) -> None:
    set_limit(autostack, "max_webhook_bytes", 1024 * 1024)
    body = Stream(total=64 * 1024 * 1024)
    async with client_for(autostack) as anonymous:
        response = await anonymous.post("/api/v1/webhooks/github", content=body,
                                        headers=GITHUB_HEADERS)
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["message"] == "webhook body is larger than the limit of 1048576 bytes"
    assert body.pulled <= 1024 * 1024 + CHUNK


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    autostack: AutoStack,
) -> None:
    set_limit(autostack, "max_webhook_bytes", 1000)
    body = Stream(total=CHUNK)
    async with client_for(autostack) as anonymous:
        response = await anonymous.post(
            "/api/v1/webhooks/github", content=body,
            headers={**GITHUB_HEADERS, "Content-Length": str(CHUNK)})
    assert response.status_code == 413
    assert body.pulled == 0


async def test_a_webhook_under_the_limit_still_reaches_the_handler(
    autostack: AutoStack,
) -> None:
    async with client_for(autostack) as anonymous:
        response = await anonymous.post("/api/v1/webhooks/github", content=b"{}",
                                        headers=GITHUB_HEADERS)
    assert response.status_code != 413


async def test_json_bodies_have_a_small_default_limit(
    autostack: AutoStack, api: httpx.AsyncClient
) -> None:
    big = json.dumps({"name": "site", "padding": "x" * (2 * 1024 * 1024)})
    body = Stream(total=len(big))
    response = await api.post("/api/v1/projects", content=body,
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "request body is larger than the limit of 1048576 bytes" in response.text
    assert body.pulled <= autostack.settings.max_request_bytes + CHUNK
    assert (await api.get("/api/v1/projects/site")).status_code == 404


async def test_a_form_over_the_limit_is_refused_before_the_csrf_check_reads_it(
    autostack: AutoStack, owner: User
) -> None:
    """The dashboard's CSRF check reads form bodies itself: the limit applies there too."""
    body = Stream(total=8 * 1024 * 1024)
    async with client_for(autostack, await token_for(owner)) as http:
        response = await http.post("/account/profile", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert body.pulled <= autostack.settings.max_request_bytes + CHUNK


async def test_pushes_have_their_own_limit(autostack: AutoStack, owner: User) -> None:
    set_limit(autostack, "max_push_bytes", 2 * 1024 * 1024)
    body = Stream(total=16 * 1024 * 1024)
    async with client_for(autostack, await token_for(owner)) as http:
        await http.post("/api/v1/projects", json={"name": "site"})
        response = await http.post("/git/site.git/git-receive-pack", content=body, headers={
            "Content-Type": "application/x-git-receive-pack-request"})
    assert response.status_code == 413
    assert "push is larger than the limit of 2097152 bytes" in response.text
    assert body.pulled <= 2 * 1024 * 1024 + CHUNK


async def swallowing(request: Request) -> Response:
    """A handler that hides read errors: the client must still learn its body was too big."""
    try:
        await request.body()
    except Exception:
        return PlainTextResponse("fine")
    return PlainTextResponse("read it all")


async def wrapping(request: Request) -> Response:
    try:
        await request.body()
    except Exception as error:
        raise RuntimeError("could not read") from error
    return PlainTextResponse("read it all")


@pytest.mark.dbless
@pytest.mark.parametrize("handler", [swallowing, wrapping])
async def test_a_handler_cannot_turn_the_413_into_something_else(
    handler: Callable[[Request], Awaitable[Response]],
) -> None:
    app = Starlette(routes=[Route("/", handler, methods=["POST"])],
                    middleware=[Middleware(BodyLimitMiddleware, default=1000)])
    body = Stream(total=10 * CHUNK)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/", content=body)
    assert response.status_code == 413
    assert response.json()["error"]["message"] == \
        "request body is larger than the limit of 1000 bytes"
    assert body.pulled == CHUNK
