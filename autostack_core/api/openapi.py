"""The OpenAPI document of every route of the running app (``/api/openapi.json``).

Endpoints describe themselves: the YAML after ``---`` in a docstring is their
operation object. API endpoints without YAML still appear, with the first
line of their docstring as summary, so a new endpoint is never missing.

What every endpoint shares is added here rather than repeated in each
docstring, so it cannot be forgotten: the path parameters come from the
route itself (an ``{id:int}`` is an integer in the 64-bit range of an id;
a docstring may add a description or limits), and the errors every API
answer may carry, in the one error shape, are listed where they can occur
(401 unless the operation is public, 404 with a path parameter, 400, 413 and
422 with a request body, 422 with query parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from starlette.convertors import IntegerConvertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from autostack_core import __version__
from autostack_core.api.deps import MAX_ID
from autostack_core.errors import logger

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "nullable": True},
            },
        },
    },
}

BASE_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "AutoStack API",
        "version": __version__,
        "description": "Errors are JSON: {\"error\": {\"code\", \"message\", \"field\"}}.",
    },
    "components": {
        "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "autostack_session"},
        },
        "schemas": {"Error": ERROR_SCHEMA},
    },
    "security": [{"token": []}, {"session": []}],
}

ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
SHARED_ERRORS = {
    "unauthorized": ("401", "not signed in, or the token is unknown or expired"),
    "not_found": ("404", "nothing of that name or id that you may see"),
    "bad_json": ("400", "the body is not a JSON object"),
    "too_large": ("413", "the body is larger than the server accepts"),
    "invalid": ("422", "a field is invalid; the error names it"),
}


def path_parameters(route: Route) -> list[dict[str, Any]]:
    """The route's path parameters, typed by their converters."""
    parameters = []
    for name, convertor in route.param_convertors.items():
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(convertor, IntegerConvertor):
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def with_path_parameters(operation: dict[str, Any], route: Route) -> None:
    """Declare every path parameter; what the docstring says about one refines it."""
    declared = {(item.get("in"), item.get("name")): item
                for item in operation.get("parameters", []) if isinstance(item, dict)}
    parameters = []
    for parameter in path_parameters(route):
        own = declared.pop(("path", parameter["name"]), {})
        parameters.append({**parameter, **own, "required": True,
                           "schema": {**parameter["schema"], **own.get("schema", {})}})
    operation["parameters"] = parameters + list(declared.values())


def with_shared_errors(operation: dict[str, Any]) -> None:
    """List the errors this operation can answer, each in the one error shape."""
    responses = {str(status): answer for status, answer in operation["responses"].items()}
    kinds = []
    if operation.get("security", True) != []:
        kinds.append("unauthorized")
    parameters = operation["parameters"]
    if any(item.get("in") == "path" for item in parameters):
        kinds.append("not_found")
    if "requestBody" in operation:
        kinds += ["bad_json", "too_large", "invalid"]
    if any(item.get("in") == "query" for item in parameters):
        kinds.append("invalid")
    for kind in kinds:
        status, description = SHARED_ERRORS[kind]
        responses.setdefault(status, {"description": description})
    for status, answer in responses.items():
        if status.startswith(("4", "5")) and isinstance(answer, dict):
            answer.setdefault("content", ERROR_CONTENT)
    operation["responses"] = responses


class Generator(SchemaGenerator):
    """Starlette's generator, tolerant of plain docstrings and bad YAML."""

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        docstring = func_or_method.__doc__ or ""
        summary = docstring.strip().split("\n", 1)[0].strip()
        if "---" not in docstring:
            return {"summary": summary, "responses": {"200": {"description": "success"}}}
        try:
            parsed = yaml.safe_load(docstring.split("---", 1)[1])
        except yaml.YAMLError:
            logger.warning("bad OpenAPI YAML in the docstring of %s", func_or_method.__qualname__)
            parsed = None
        operation: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        operation.setdefault("summary", summary)
        operation.setdefault("description", docstring.split("---", 1)[0].strip())
        operation.setdefault("responses", {"200": {"description": "success"}})
        return operation

    def get_schema(self, routes: list[BaseRoute]) -> dict[str, Any]:
        schema: dict[str, Any] = {**self.base_schema, "paths": {}}
        for route in routes:
            if not isinstance(route, Route) or not route.path.startswith("/api/") \
                    or not route.include_in_schema:
                continue
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                operation = self.parse_docstring(route.endpoint)
                with_path_parameters(operation, route)
                with_shared_errors(operation)
                schema["paths"].setdefault(route.path_format, {})[method.lower()] = operation
        schema["paths"] = dict(sorted(schema["paths"].items()))
        return schema


async def openapi(request: Request) -> Response:
    """The OpenAPI document of this server's API.
    ---
    summary: OpenAPI document
    tags: [meta]
    security: []
    responses:
      200: {description: the OpenAPI 3 document}
    """
    generator = Generator(BASE_SCHEMA)
    return JSONResponse(generator.get_schema(request.app.routes))


routes: list[BaseRoute] = [Route("/api/openapi.json", openapi, methods=["GET"])]
