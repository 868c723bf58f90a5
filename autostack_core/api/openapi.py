"""The OpenAPI document of every route of the running app (``/api/openapi.json``).

Endpoints describe themselves: the YAML after ``---`` in a docstring is their
operation object. API endpoints without YAML still appear, with the first
line of their docstring as summary, so a new endpoint is never missing.

What every endpoint shares is added here rather than repeated in each
docstring, so it cannot be forgotten: the path parameters come from the
route itself (an ``{id:int}`` is an integer in the 64-bit range of an id;
a docstring may add a description or limits), a request body is the pydantic
model the handler validates it with (``body: ModelName`` in the docstring), a
response's ``schema`` may name one of the module's ``SCHEMAS`` (the shapes
its serializers write), and the errors every API
answer may carry, in the one error shape, are listed where they can occur
(401 unless the operation is public, 404 with a path parameter, 400, 413 and
422 with a request body, 422 with query parameters).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml
from pydantic import BaseModel
from starlette.convertors import IntegerConvertor, PathConvertor, StringConvertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from autostack_core import __version__
from autostack_core.errors import logger
from autostack_core.services.checks import MAX_ID

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
        elif not isinstance(convertor, StringConvertor | PathConvertor):
            schema["pattern"] = f"^{convertor.regex}$"
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


def with_response_schemas(operation: dict[str, Any], endpoint: Callable[..., Any],
                          components: dict[str, Any]) -> None:
    """A response's ``schema`` (a schema, or the name of one in the endpoint module's
    ``SCHEMAS``, which join the components) becomes its JSON content."""
    components.update(endpoint.__globals__.get("SCHEMAS", {}))
    for answer in operation["responses"].values():
        if isinstance(answer, dict) and "schema" in answer:
            schema = answer.pop("schema")
            if isinstance(schema, str):
                schema = {"$ref": f"#/components/schemas/{schema}"}
            answer["content"] = {"application/json": {"schema": schema}}


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


def as_openapi_30(node: Any) -> Any:
    """Pydantic's JSON Schema in OpenAPI 3.0 terms: ``X | None`` is ``nullable``."""
    if isinstance(node, list):
        return [as_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_openapi_30(value) for key, value in node.items()}
    options = node.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [option for option in node.pop("anyOf") if option != {"type": "null"}]
        base = rest[0] if len(rest) == 1 else {"anyOf": rest}
        if "$ref" in base:
            base = {"allOf": [base]}
        node = {**base, **node, "nullable": True}
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def body_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    """The request body a handler validates with ``model``, described by ``model`` itself:
    what the document promises is what :func:`~autostack_core.api.deps.read_body` checks."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, nested in schema.pop("$defs", {}).items():
        components[name] = as_openapi_30(nested)
    components[model.__name__] = as_openapi_30(schema)
    reference = {"$ref": f"#/components/schemas/{model.__name__}"}
    # An empty body reads as {}: it is missing only when the model requires a field.
    return {"required": bool(schema.get("required")),
            "content": {"application/json": {"schema": reference}}}


def with_body(operation: dict[str, Any], endpoint: Callable[..., Any],
              components: dict[str, Any]) -> None:
    """Replace ``body: ModelName`` (a model of the endpoint's module) by its requestBody."""
    name = operation.pop("body", None)
    if name is None:
        return
    model = endpoint.__globals__.get(name)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        logger.warning("body %s of %s is not a pydantic model", name, endpoint.__qualname__)
        return
    operation["requestBody"] = body_schema(model, components)


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
        components = copy.deepcopy(self.base_schema["components"])
        schema: dict[str, Any] = {**self.base_schema, "paths": {}, "components": components}
        for route in routes:
            if not isinstance(route, Route) or not route.path.startswith("/api/") \
                    or not route.include_in_schema:
                continue
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                operation = self.parse_docstring(route.endpoint)
                with_body(operation, route.endpoint, components["schemas"])
                with_response_schemas(operation, route.endpoint, components["schemas"])
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
