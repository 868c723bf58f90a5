"""Custom domains of a project (``/api/v1/projects/{name}/domains``), and the edge's questions.

Mounted by :mod:`autostack_plugins.domains.plugin` through ``register_routes``;
access is checked with the core's public :mod:`autostack_core.api.deps`.

Members read a project's domains with the DNS records still to create;
admins add, verify, change and remove them. Two routes need no user, because
the edge and the domain's visitors call them: ``GET /api/v1/edge/ask`` (Caddy's
on-demand TLS permission: 200 only for verified domains and AutoStack's own
hostnames) and ``GET /.well-known/autostack-challenge/<token>`` (the HTTP
ownership proof, proxied here by the edge with the domain's ``Host``).
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import autostack_of, project_for, read_body
from autostack_core.errors import ApiError
from autostack_core.infrastructure.models.domains import Domain
from autostack_core.infrastructure.models.enums import Role

from . import domains


class AddDomain(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=300)
    git_branch: str | None = Field(default=None, max_length=200)
    redirect_to: str | None = Field(default=None, max_length=300)
    redirect_status: int | None = None
    redirect_counterpart: bool = False


class ChangeDomain(BaseModel):
    model_config = ConfigDict(extra="forbid")
    git_branch: str | None = Field(default=None, max_length=200)
    redirect_to: str | None = Field(default=None, max_length=300)
    redirect_status: int | None = None


async def list_domains(request: Request) -> Response:
    """A project's domains, each with its DNS records and their current state.
    ---
    summary: List domains
    tags: [domains]
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    rows = await Domain.filter(project=project).order_by("domain_name")
    found = await asyncio.gather(*(domains.domain_json(app, project, row) for row in rows))
    return JSONResponse({"domains": list(found)})


async def add_domain(request: Request) -> Response:
    """Add a domain (unverified until its TXT record or HTTP token is right).
    ---
    summary: Add a domain
    tags: [domains]
    body: AddDomain
    responses:
      201: {description: The domain and the records to create}
      409: {description: The domain belongs to a project already}
      422: {description: Invalid domain name or redirect; the error names the field}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, AddDomain)
    added = await domains.add(app, project, body.name, body.git_branch, body.redirect_to,
                              body.redirect_status, body.redirect_counterpart)
    return JSONResponse({"domains": [await domains.domain_json(app, project, row)
                                     for row in added]}, status_code=201)


async def get_domain(request: Request) -> Response:
    """One domain with its DNS records and certificate state.
    ---
    summary: Inspect a domain
    tags: [domains]
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    domain = await domains.find(project, request.path_params["domain"])
    return JSONResponse(await domains.domain_json(app, project, domain))


async def verify_domain(request: Request) -> Response:
    """Check ownership now (TXT record, then HTTP token); a verified domain starts serving.
    ---
    summary: Verify a domain
    tags: [domains]
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    domain = await domains.find(project, request.path_params["domain"])
    result = await domains.verify(app, project, domain)
    body = await domains.domain_json(app, project, domain, result["records"])
    return JSONResponse({**body, "method": result["method"]})


async def change_domain(request: Request) -> Response:
    """Point a domain at a branch (or production with ``null``), or make it a redirect.
    ---
    summary: Change a domain
    tags: [domains]
    body: ChangeDomain
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    domain = await domains.find(project, request.path_params["domain"])
    body = await read_body(request, ChangeDomain)
    await domains.update(app, project, domain, body.model_dump(exclude_unset=True))
    return JSONResponse(await domains.domain_json(app, project, domain))


async def remove_domain(request: Request) -> Response:
    """Remove a domain; the edge stops serving it at once.
    ---
    summary: Remove a domain
    tags: [domains]
    responses:
      204: {description: removed}
    """
    app = autostack_of(request)
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    domain = await domains.find(project, request.path_params["domain"])
    await domains.remove(app, project, domain)
    return Response(status_code=204)


async def edge_ask(request: Request) -> Response:
    """Caddy's on-demand TLS question: may the edge get a certificate for ``domain``?
    ---
    summary: Certificate permission for the edge
    tags: [edge]
    security: []
    parameters: [{name: domain, in: query, required: true, schema: {type: string}}]
    responses:
      200: {description: the edge may get a certificate for this hostname}
      404: {description: no project serves this hostname}
    """
    hostname = request.query_params.get("domain", "")
    if not await domains.allowed_hostname(hostname):
        raise ApiError(404, f"no project serves {hostname or 'an empty hostname'}", "domain")
    return Response(status_code=200)


async def ownership_token(request: Request) -> Response:
    """The HTTP ownership proof: the token, if it is the token of the requested domain.
    ---
    summary: HTTP ownership challenge
    tags: [edge]
    """
    hostname = (request.headers.get("host") or "").rsplit(":", 1)[0].lower()
    token = request.path_params["token"]
    if await Domain.exists(domain_name=hostname, verification_token=token):
        return PlainTextResponse(token)
    return PlainTextResponse("not found", status_code=404)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/domains", list_domains, methods=["GET"]),
    Route("/api/v1/projects/{name}/domains", add_domain, methods=["POST"]),
    Route("/api/v1/projects/{name}/domains/{domain}", get_domain, methods=["GET"]),
    Route("/api/v1/projects/{name}/domains/{domain}", change_domain, methods=["PATCH"]),
    Route("/api/v1/projects/{name}/domains/{domain}", remove_domain, methods=["DELETE"]),
    Route("/api/v1/projects/{name}/domains/{domain}/verify", verify_domain, methods=["POST"]),
    Route("/api/v1/edge/ask", edge_ask, methods=["GET"]),
    Route("/.well-known/autostack-challenge/{token}", ownership_token, methods=["GET"]),
]
