"""Deploy hooks (``/api/v1/projects/{name}/deploy-hooks``, ``/api/v1/deploy-hooks/{token}``).

Members list hooks, admins create and revoke them;
:mod:`autostack_core.services.deploy_hooks` does the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deps import current_user, path_id, project_for, read_body
from autostack_core.errors import NotFound
from autostack_core.infrastructure.models import DeployHook, Role
from autostack_core.security.auth import client_ip
from autostack_core.services import deploy_hooks
from autostack_core.services.deploy_hooks import hook_json
from autostack_core.services.projects import check_settings

if TYPE_CHECKING:
    from autostack_core.app import AutoStack


class HookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=120)
    branch: str | None = Field(default=None, max_length=200)


SCHEMAS: dict[str, Any] = {
    "DeployHook": {
        "type": "object", "description": "What hook_json() writes; the URL holds the secret.",
        "required": ["id", "name", "branch", "url", "created_at"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                       "branch": {"type": "string"}, "url": {"type": "string"},
                       "created_at": {"type": "string"}},
    },
}
"""The shapes this module answers with (see :mod:`autostack_core.api.openapi`)."""


async def list_hooks(request: Request) -> Response:
    """A project's deploy hooks with their URLs (member).
    ---
    summary: List deploy hooks
    tags: [deploy-hooks]
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      200:
        description: the project's deploy hooks
        schema:
          type: object
          required: [deploy_hooks]
          properties:
            deploy_hooks: {type: array, items: {$ref: "#/components/schemas/DeployHook"}}
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.MEMBER)
    hooks = await DeployHook.filter(project=project).order_by("id")
    return JSONResponse({"deploy_hooks": [hook_json(app, hook) for hook in hooks]})


async def create_hook(request: Request) -> Response:
    """Create a deploy hook for a branch (admin); the default is the production branch.
    ---
    summary: Create a deploy hook
    tags: [deploy-hooks]
    body: HookCreate
    parameters: [{name: name, in: path, required: true, schema: {type: string}}]
    responses:
      201:
        description: the new hook
        schema:
          type: object
          required: [deploy_hook]
          properties: {deploy_hook: {$ref: "#/components/schemas/DeployHook"}}
      422: {description: an invalid field}
    """
    app: AutoStack = request.app.state.autostack
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, HookCreate)
    branch = body.branch or project.branch
    check_settings({"branch": branch})
    hook = await deploy_hooks.create_hook(current_user(request), project, body.name, branch,
                                          client_ip(request))
    return JSONResponse({"deploy_hook": hook_json(app, hook)}, status_code=201)


async def delete_hook(request: Request) -> Response:
    """Revoke a deploy hook (admin); its URL stops working at once.
    ---
    summary: Revoke a deploy hook
    tags: [deploy-hooks]
    parameters:
      - {name: name, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: integer}}
    responses:
      204: {description: revoked}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    hook_id = path_id(request, "deploy hook")
    if not await deploy_hooks.delete_hook(current_user(request), project, hook_id,
                                          client_ip(request)):
        raise NotFound("deploy hook", "id")
    return Response(status_code=204)


async def trigger(request: Request) -> Response:
    """Deploy the hook's branch (from the project's git URL, else its built-in git remote);
    the token in the URL is the only credential.
    ---
    summary: Trigger a deploy hook
    tags: [deploy-hooks]
    security: []
    parameters: [{name: token, in: path, required: true, schema: {type: string}}]
    responses:
      201:
        description: the queued deployment
        schema:
          type: object
          required: [deployment]
          properties:
            deployment:
              type: object
              required: [id, state, url, branch, target]
              properties:
                id: {type: string}
                state: {type: string}
                url: {type: string, nullable: true}
                branch: {type: string, nullable: true}
                target: {type: string, enum: [production, preview]}
      404: {description: no such deploy hook (revoked or mistyped)}
      409: {description: "the project's git repository cannot be deployed, or the branch was
        never pushed to its built-in git remote"}
    """
    deployment = await deploy_hooks.trigger(request.app.state.autostack,
                                            request.path_params["token"])
    return JSONResponse({"deployment": {
        "id": deployment.id, "state": deployment.state, "url": deployment.deployment_url,
        "branch": deployment.branch, "target": str(deployment.target),
    }}, status_code=201)


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/deploy-hooks", list_hooks, methods=["GET"]),
    Route("/api/v1/projects/{name}/deploy-hooks", create_hook, methods=["POST"]),
    Route("/api/v1/projects/{name}/deploy-hooks/{id:int}", delete_hook, methods=["DELETE"]),
    Route("/api/v1/deploy-hooks/{token}", trigger, methods=["POST"]),
]
