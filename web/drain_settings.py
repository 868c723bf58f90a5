"""Log drains in the dashboard: ``/projects/{name}/drains``, linked from the settings page.

The same service as ``/api/v1/projects/{name}/drains``
(:mod:`autostack_core.services.log_drains`): anyone in the team sees the drains with
what each sent and dropped and why the last batch failed; admins add one (headers
typed as ``Name: value`` lines, sealed, never shown again), turn it off and on, and
remove it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError
from autostack_core.infrastructure.models import Project, Role, User
from autostack_core.services import log_drains
from autostack_web.access import page, project_access
from autostack_web.rendering import form_text, host_of, render


async def drains_page(
    request: Request, project: Project, role: Role, status_code: int = 200, **context: Any
) -> Response:
    """The drains page; ``context`` may add ``error``, ``notice`` and ``values``."""
    drains = [log_drains.drain_json(drain) for drain in await log_drains.drains_of(project)]
    values = {
        "project": project,
        "role": role,
        "drains": drains,
        "kinds": log_drains.KINDS,
        "sources": log_drains.SOURCES,
        "error": None,
        "notice": None,
        "values": {"sources": list(log_drains.SOURCES)},
        **context,
    }
    return await render(request, "drains.html", values, status_code=status_code)


async def show(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"])
    return await drains_page(request, project, role)


def headers_from(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ApiError(
                422, f"headers: write one 'Name: value' a line (got {line!r})", "headers"
            )
        headers[name.strip()] = value.strip()
    return headers


async def add(request: Request, user: User) -> Response:
    """Add a drain (admin); a bad field is shown with what was typed, nothing saved."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values: dict[str, Any] = {
            "name": form_text(form, "name"),
            "url": form_text(form, "url"),
            "kind": form_text(form, "kind") or "ndjson",
            "sources": [str(value) for value in form.getlist("sources")],
        }
        headers = str(form.get("headers") or "")
    try:
        drain = await log_drains.create(
            host_of(request).settings, user, project, {**values, "headers": headers_from(headers)}
        )
    except ApiError as error:
        return await drains_page(request, project, role, error.status, error=error, values=values)
    return await drains_page(request, project, role, notice=f"Drain {drain.name} added.")


async def switch(request: Request, user: User) -> Response:
    """Turn a drain off or on (admin)."""
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    drain = await log_drains.drain_named(project, request.path_params["drain"])
    async with request.form() as form:
        enabled = form_text(form, "enabled") == "on"
    await log_drains.update(host_of(request).settings, user, project, drain, {"enabled": enabled})
    return await drains_page(
        request, project, role, notice=f"Drain {drain.name} is {'on' if enabled else 'off'}."
    )


async def remove(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    drain = await log_drains.drain_named(project, request.path_params["drain"])
    await log_drains.delete(user, project, drain)
    return await drains_page(request, project, role, notice=f"Drain {drain.name} removed.")


routes: list[BaseRoute] = [
    Route("/projects/{name}/drains", page(show), methods=["GET"], include_in_schema=False),
    Route("/projects/{name}/drains", page(add), methods=["POST"], include_in_schema=False),
    Route(
        "/projects/{name}/drains/{drain}/enabled",
        page(switch),
        methods=["POST"],
        include_in_schema=False,
    ),
    Route(
        "/projects/{name}/drains/{drain}/delete",
        page(remove),
        methods=["POST"],
        include_in_schema=False,
    ),
]
