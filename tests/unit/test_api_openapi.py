"""The OpenAPI document covers every API route, including ones added later."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from autostack_core.app import AutoStack


async def later(request: Request) -> Response:
    """Added by another module later.
    ---
    summary: A later endpoint
    responses:
      200: {description: ok}
    """
    return JSONResponse({})


async def plain(request: Request) -> Response:
    """An endpoint whose docstring has no YAML."""
    return JSONResponse({})


async def broken(request: Request) -> Response:
    """Bad YAML must not break the document.
    ---
    summary: [unclosed
    """
    return JSONResponse({})


async def test_openapi_lists_every_api_route(autostack: AutoStack) -> None:
    app = autostack.asgi()
    app.router.routes.extend([
        Route("/api/v1/later/{id:int}", later, methods=["GET"]),
        Route("/api/v1/plain", plain, methods=["POST"]),
        Route("/api/v1/broken", broken, methods=["GET"]),
    ])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path, method in [("/api/v1/auth/login", "post"), ("/api/v1/projects", "post"),
                         ("/api/v1/projects/{name}/env", "get"), ("/api/v1/teams", "get"),
                         ("/api/v1/tokens/{id}", "delete"), ("/api/openapi.json", "get")]:
        assert method in paths[path], path
    assert paths["/api/v1/later/{id}"]["get"]["summary"] == "A later endpoint"
    assert paths["/api/v1/plain"]["post"]["summary"] == "An endpoint whose docstring has no YAML."
    assert paths["/api/v1/broken"]["get"]["summary"] == "Bad YAML must not break the document."
    assert not any(not path.startswith("/api/") for path in paths)
