"""The OpenAPI document of every route of the running app (``/api/openapi.json``).

Endpoints describe themselves: the YAML after ``---`` in a docstring is their
operation object. API endpoints without YAML still appear, with the first
line of their docstring as summary, so a new endpoint is never missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from autostack_core import __version__
from autostack_core.errors import logger

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
    },
    "security": [{"token": []}, {"session": []}],
}


class Generator(SchemaGenerator):
    """Starlette's generator, tolerant of plain docstrings and bad YAML."""

    def parse_docstring(self, func_or_method: Callable[..., Any]) -> dict[str, Any]:
        docstring = func_or_method.__doc__ or ""
        summary = docstring.strip().split("\n", 1)[0].strip()
        if "---" not in docstring:
            return {"summary": summary} if summary else {}
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
        schema = super().get_schema(routes)
        schema["paths"] = {
            path: operations for path, operations in sorted(schema["paths"].items())
            if path.startswith("/api/")
        }
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
    generator = Generator({**BASE_SCHEMA, "paths": {}})
    return JSONResponse(generator.get_schema(request.app.routes))


routes: list[BaseRoute] = [Route("/api/openapi.json", openapi, methods=["GET"])]
