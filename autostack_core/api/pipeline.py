"""A project's pipeline (``/projects/{name}/pipeline``) and approvals before production
(``/deployments/{id}/approve``).

Viewers see the pipeline; admins change it, as other build settings; members approve a
production deployment, as they promote.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from autostack_core.api.deployments import deployment_for
from autostack_core.api.deps import current_user, project_for, read_body
from autostack_core.build import pipeline_config
from autostack_core.infrastructure.models import Project, Role
from autostack_core.security.auth import client_ip
from autostack_core.services import pipelines


class StepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, description="test, lint and check steps: 1 to 16 lowercase "
                                             "letters, digits or dashes; others: the kind")
    kind: str = Field(description="install, build, test, lint, check, approval or deploy")
    name: str | None = Field(None, description="what the diagram and the log call it")
    command: str | None = Field(None, description="test, lint and check: the command run "
                                                  "in the build sandbox")
    when: str | None = Field(None, description="all (the default) or production")


class PipelineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: list[StepBody] = Field(description="the steps in order; deploy is last")


def pipeline_json(project: Project) -> dict[str, Any]:
    steps, source = pipelines.steps_of(project)
    return {"steps": [step.to_dict() for step in steps], "source": source,
            "repository_wins": f"a `pipeline` in the repository's {pipeline_config.FILENAME} "
                               "replaces these steps when it builds"}


async def show(request: Request) -> Response:
    """The project's pipeline from its settings (or the defaults).
    ---
    summary: Get a project's pipeline
    tags: [projects]
    responses:
      200: {description: "{steps, source, repository_wins}"}
    """
    project = await project_for(request, request.path_params["name"], Role.VIEWER)
    return JSONResponse(pipeline_json(project))


async def replace(request: Request) -> Response:
    """Set the project's pipeline; a repository's autostack.json `pipeline` still wins.
    ---
    summary: Set a project's pipeline
    tags: [projects]
    body: PipelineBody
    responses:
      200: {description: "{steps, source, repository_wins}"}
      422: {description: "a bad step, named as steps[2].command"}
    """
    project = await project_for(request, request.path_params["name"], Role.ADMIN)
    body = await read_body(request, PipelineBody)
    raw = [step.model_dump(exclude_none=True) for step in body.steps]
    await pipelines.save(project, raw, current_user(request), client_ip(request), root="steps")
    return JSONResponse(pipeline_json(project))


async def approve(request: Request) -> Response:
    """Approve a production deployment waiting for approval: it is promoted.
    ---
    summary: Approve a deployment for production
    tags: [deployments]
    responses:
      200: {description: "{id, pipeline}: the deployment, now serving production"}
      409: {description: not a ready production deployment waiting for approval}
    """
    deployment, project = await deployment_for(request, request.path_params["id"], Role.MEMBER)
    await pipelines.approve(request.app.state.autostack, current_user(request), project,
                            deployment, client_ip(request))
    return JSONResponse({"id": deployment.id, "pipeline": deployment.pipeline})


routes: list[BaseRoute] = [
    Route("/api/v1/projects/{name}/pipeline", show, methods=["GET"]),
    Route("/api/v1/projects/{name}/pipeline", replace, methods=["PUT"]),
    Route("/api/v1/deployments/{id}/approve", approve, methods=["POST"]),
]
