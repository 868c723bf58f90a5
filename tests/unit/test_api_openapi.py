"""The OpenAPI document covers every API route, including ones added later."""

from __future__ import annotations

import re

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


async def test_every_path_parameter_is_declared(client: httpx.AsyncClient) -> None:
    """A client generated from the document must be able to fill in every path."""
    schema = (await client.get("/api/openapi.json")).json()
    lacking = []
    for path, operations in schema["paths"].items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {parameter["name"] for parameter in operation.get("parameters", [])
                        if parameter["in"] == "path"}
            if declared != wanted:
                lacking.append(f"{method.upper()} {path}: {sorted(wanted - declared)}")
    assert not lacking, "\n".join(lacking)


async def test_integer_ids_are_declared_with_their_range(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    token_id = next(parameter for parameter in
                    schema["paths"]["/api/v1/tokens/{id}"]["delete"]["parameters"]
                    if parameter["name"] == "id")
    assert token_id["required"] is True
    assert token_id["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


async def test_shared_errors_are_listed_in_the_error_shape(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/tokens/{id}"]["delete"]["responses"]) >= {"204", "401", "404"}
    assert set(paths["/api/v1/tokens"]["post"]["responses"]) >= {"201", "400", "401", "413",
                                                                  "422"}
    assert "401" not in paths["/api/openapi.json"]["get"]["responses"]
    not_found = paths["/api/v1/tokens/{id}"]["delete"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
