"""API errors: one JSON shape, the right status, never a stack trace."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route

logger = logging.getLogger("autostack")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "field"}}``."""

    def __init__(
        self, status: int, message: str, field: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code or _CODES.get(status, "error")


class Throttled(ApiError):
    """429 for repeating something too often; ``Retry-After`` says how many seconds to wait."""

    def __init__(self, what: str, retry_after: int, field: str | None = None) -> None:
        super().__init__(429, f"too many {what}; try again in {retry_after} seconds", field)
        self.retry_after = retry_after


class NotFound(ApiError):
    def __init__(self, what: str, field: str | None = None) -> None:
        super().__init__(404, f"{what} not found", field)


class Forbidden(ApiError):
    def __init__(self, message: str = "you do not have access to this") -> None:
        super().__init__(403, message)


class Unauthorized(ApiError):
    def __init__(self, message: str = "sign in or send an API token") -> None:
        super().__init__(401, message)


def error_response(
    status: int, message: str, field: str | None = None, code: str | None = None
) -> JSONResponse:
    body = {"error": {"code": code or _CODES.get(status, "error"), "message": message,
                      "field": field}}
    return JSONResponse(body, status_code=status)


# Pydantic's messages in the words of the rest of the API (what to give, not what the
# library expected): by error type, with the type's context (max_length, ge, expected...).
WORDING = {
    "missing": "required",
    "extra_forbidden": "not a known field; check its spelling",
    "string_too_long": "use at most {max_length} characters",
    "string_too_short": "use at least {min_length} characters",
    "too_long": "give at most {max_length} items",
    "too_short": "give at least {min_length} items",
    "string_type": "give text",
    "int_parsing": "give a whole number",
    "int_type": "give a whole number",
    "int_from_float": "give a whole number",
    "float_parsing": "give a number",
    "float_type": "give a number",
    "bool_parsing": "give true or false",
    "bool_type": "give true or false",
    "greater_than_equal": "use {ge} or more",
    "greater_than": "use more than {gt}",
    "less_than_equal": "use {le} or less",
    "less_than": "use less than {lt}",
    "list_type": "give a list",
    "dict_type": "give an object",
    "model_type": "give an object",
    "literal_error": "choose one of {expected}",
    "enum": "choose one of {expected}",
}


def wording(problem: ErrorDetails) -> str:
    """One pydantic problem in our words; a validator's own message as it wrote it."""
    template = WORDING.get(problem["type"])
    if template is not None:
        try:
            return template.format(**problem.get("ctx", {}))
        except (KeyError, IndexError):
            pass
    return str(problem["msg"]).removeprefix("Value error, ")


def from_validation_error(error: ValidationError) -> ApiError:
    """The first problem of a pydantic error, naming the field with a dotted path."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = wording(first)
    if field:
        message = f"{field}: {message}"
    return ApiError(422, message, field)


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    response = error_response(exc.status, exc.message, exc.field, exc.code)
    if isinstance(exc, Throttled):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route has for this path.

    Routes are declared one per method, and Starlette's 405 names only the
    first route whose path matched; ``Allow`` must list them all. Where a
    literal route and a parameter route both match (``files/missing`` and
    ``files/{sha}``), the one with fewer parameters names the resource.
    """
    matching: dict[int, set[str]] = {}
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**request.scope, "method": "GET"})
            if match != Match.NONE:
                matching.setdefault(len(route.param_convertors), set()).update(route.methods)
    return sorted(matching[min(matching)]) if matching else []


def wants_a_page(request: Request) -> bool:
    """Whether ``request`` is a browser's navigation (HTML asked for before JSON), not an API
    call: its errors are pages."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    html, json = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404 and wants_a_page(request):
        host = getattr(request.app.state, "autostack", None)
        page: Response | None = None if host is None else await host.not_found_page(request)
        if page is not None:
            return page
    response = error_response(exc.status_code, exc.detail or "error")
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error; the server log has the details", code="internal")
