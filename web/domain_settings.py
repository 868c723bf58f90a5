"""Custom domains on the settings page: add, see the DNS records to create, verify, remove.

The same functions as ``/api/v1/projects/{name}/domains``, reached through
``app.domains`` (:class:`autostack_core.interfaces.domains.Domains`, given by
the domains plugin's ``register_domains``), so the dashboard imports no plugin;
without one these forms answer 404. Admins change domains, members see them.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from autostack_core.errors import ApiError, NotFound
from autostack_core.infrastructure.models import Role, User
from autostack_core.interfaces.domains import Domains
from autostack_web.access import page, project_access
from autostack_web.project_settings import settings_page
from autostack_web.rendering import form_text, host_of, redirect


def domains_of(request: Request) -> Domains:
    """The custom domains feature of the server; 404 when no plugin provides it."""
    domains = host_of(request).domains
    if domains is None:
        raise NotFound("page")
    return domains


async def add(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    async with request.form() as form:
        values = {"domain": form_text(form, "domain"),
                  "domain_branch": form_text(form, "domain_branch"),
                  "domain_www": form_text(form, "domain_www")}
    try:
        added = await domains_of(request).add(project, values["domain"],
                                              git_branch=values["domain_branch"] or None,
                                              redirect_counterpart=values["domain_www"] == "on")
    except ApiError as error:
        if error.field == "git_branch":  # the form's name for it
            error = ApiError(error.status, error.message, "domain_branch")
        return await settings_page(request, project, role, error.status, error=error,
                                   values=values)
    return await settings_page(
        request, project, role, 201,
        notice=f"{added[0].domain_name} added: create the DNS records below, then Verify.")


async def verify(request: Request, user: User) -> Response:
    project, role = await project_access(user, request.path_params["name"], Role.ADMIN)
    domain = await domains_of(request).find(project, request.path_params["domain"])
    result = await domains_of(request).verify(project, domain)
    notice = (f"{domain.domain_name} is verified; its certificate is on the way."
              if result["verified"] else
              f"{domain.domain_name} is not verified yet: the TXT record is not visible.")
    return await settings_page(request, project, role, notice=notice)


async def remove(request: Request, user: User) -> Response:
    project, _ = await project_access(user, request.path_params["name"], Role.ADMIN)
    domain = await domains_of(request).find(project, request.path_params["domain"])
    await domains_of(request).remove(project, domain)
    return redirect(f"/projects/{project.name}/settings#domains")


_DOMAINS = "/projects/{name}/settings/domains"

routes: list[BaseRoute] = [
    Route(_DOMAINS, page(add), methods=["POST"], include_in_schema=False),
    Route(f"{_DOMAINS}/{{domain}}/verify", page(verify), methods=["POST"],
          include_in_schema=False),
    Route(f"{_DOMAINS}/{{domain}}/delete", page(remove), methods=["POST"],
          include_in_schema=False),
]
